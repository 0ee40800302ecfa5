// @ts-check
// The explore view's list: every listed resource, or the nearest to the
// point with rank and distance, and the status line that counts them.

import { symbolDataUrl } from "../symbols.js";
import { isApprox } from "../facts.js";
import { fmtDistance } from "../format.js";
import { freshness, sourceParts } from "../trust.js";
import { ex, featureId, setStatus } from "./explore-context.js";
import { select } from "./explore-details.js";

/**
 * The distance to a feature's point; "≈ 2 km" when the point is approximate.
 * @param {Record<string, any>} p the feature's properties
 */
export function distanceText(p) {
  return fmtDistance(ex.state.lang, p.distance_m, isApprox(p));
}

/** Redraws the list and its status line. */
export function renderList() {
  const { state, tr } = ex;
  const ol = /** @type {HTMLElement} */ (document.getElementById("list"));
  const showNearest = state.point !== null;
  /** @type {HTMLElement} */ (document.getElementById("results-title")).textContent = tr(showNearest ? "list.nearestTitle" : "list.title");
  const items = showNearest ? ex.nearest : ex.resources;
  ol.dataset.mode = showNearest ? "nearest" : "all";
  ol.replaceChildren(
    ...items.map((f, i) => {
      const p = f.properties;
      const li = document.createElement("li");
      const btn = document.createElement("button");
      btn.type = "button";
      btn.dataset.id = featureId(f);
      if (featureId(f) === state.selected) btn.setAttribute("aria-current", "true");
      const rank = document.createElement("span");
      rank.className = "rank";
      rank.textContent = showNearest ? `${i + 1}.` : "";
      const img = document.createElement("img");
      img.src = symbolDataUrl(p.category);
      img.alt = "";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = p.name;
      const sub = document.createElement("span");
      sub.className = "sub";
      const where = [p.city, tr(`country.${p.country}`)].filter(Boolean).join(", ");
      const sourced = sourceParts(p.source).some((x) => x.url) ? tr("trust.linkedSource") : tr("ed.q.missing_source_url");
      sub.textContent = `${tr(`category.${p.category}`)} · ${where}${f.geometry ? "" : ` · ${tr("list.noLocation")}`} · ${freshness(state.lang, p.last_verified).text} · ${sourced}`;
      name.append(sub);
      const dist = document.createElement("span");
      dist.className = "dist";
      dist.textContent = showNearest && p.distance_m != null ? distanceText(p) : "";
      if (showNearest) btn.append(rank, img, name, dist);
      else btn.append(img, name);
      btn.addEventListener("click", () => select(featureId(f), { fly: true, from: btn }));
      li.append(btn);
      return li;
    }),
  );
  let status;
  if (showNearest) status = tr("list.nearestCount", { n: items.length });
  else status = tr("list.count", { n: ex.matched });
  if (!items.length) status += ` ${tr("list.none")}`;
  if (!showNearest && ex.matched > items.length && items.length) status += ` ${tr("list.truncated", { n: items.length })}`;
  setStatus(status);
}
