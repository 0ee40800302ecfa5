// @ts-check
// The explore view's list: the places in the map's view a page at a time and
// those without a map location, or the nearest to the point with rank and
// distance; and the status line that counts them.

import { symbolDataUrl } from "../symbols.js";
import { freshness, sourceParts } from "../trust.js";
import { actions, distanceText, ex, featureId, setStatus } from "./explore-context.js";

/** Nearest places farther than this (km) are set apart: the desk's radius for alternatives. */
export const NEAR_KM = 50;

/**
 * The nearest split where the directory ends for the person asking: those in
 * the point's country within {@link NEAR_KM}, and the rest (abroad or
 * farther); and the categories asked for that have none near, when the
 * answer reaches past the radius, so that none nearer can exist.
 * @param {import("./explore-context.js").Feature[]} features nearest first
 * @param {string | null} origin the covered country holding the point
 * @param {number} asked how many were asked for
 * @param {Iterable<string>} categories the categories asked for
 */
export function splitNearest(features, origin, asked, categories) {
  const isNear = (/** @type {import("./explore-context.js").Feature} */ f) =>
    f.properties.distance_m != null && f.properties.distance_m <= NEAR_KM * 1000 && (origin === null || f.properties.country === origin);
  const near = features.filter(isNear);
  const far = features.filter((f) => !isNear(f));
  const last = features.at(-1)?.properties.distance_m;
  const complete = features.length < asked || (last != null && last > NEAR_KM * 1000);
  const nearKinds = new Set(near.map((f) => f.properties.category));
  const missing = complete && far.length ? [...categories].filter((c) => !nearKinds.has(c)) : [];
  return { near, far, missing };
}

/**
 * A list entry that opens the place's details.
 * @param {import("./explore-context.js").Feature} f
 * @param {number} i its rank among the nearest
 * @param {boolean} showNearest
 */
function entry(f, i, showNearest) {
  const { state, tr } = ex;
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
  btn.addEventListener("click", () => actions.select(featureId(f), { fly: true, from: btn }));
  li.append(btn);
  return li;
}

/** Redraws the list and its status line. */
export function renderList() {
  const { state, tr } = ex;
  const ol = /** @type {HTMLElement} */ (document.getElementById("list"));
  const showNearest = state.point !== null;
  /** @type {HTMLElement} */ (document.getElementById("results-title")).textContent = tr(showNearest ? "list.nearestTitle" : "list.title");
  ol.dataset.mode = showNearest ? "nearest" : "all";
  if (showNearest) {
    const { near, far, missing } = splitNearest(ex.nearest, ex.nearestOrigin, ex.nearestAsked, state.categories);
    const rows = near.map((f, i) => entry(f, i, true));
    if (far.length) {
      const country = ex.nearestOrigin ? tr(`country.${ex.nearestOrigin}`) : null;
      const km = NEAR_KM;
      const text = near.length
        ? tr(country ? "list.farHead" : "list.farHeadRadius", { country, km })
        : tr(country ? "list.farHeadNone" : "list.farHeadNoneRadius", { country, km });
      const head = Object.assign(document.createElement("li"), { className: "list-head far-head", textContent: text });
      const notes = missing.map((c) =>
        Object.assign(document.createElement("li"), {
          className: "list-note",
          textContent: tr(country ? "list.kindNotNear" : "list.kindNotNearRadius", { kind: tr(`category.${c}`), country, km }),
        }),
      );
      rows.push(head, ...notes, ...far.map((f, i) => entry(f, near.length + i, true)));
    }
    ol.replaceChildren(...rows);
    setStatus(`${tr("list.nearestCount", { n: ex.nearest.length })}${ex.nearest.length ? "" : ` ${tr("list.none")}`}`);
    return;
  }
  const rows = ex.resources.map((f, i) => entry(f, i, false));
  const left = ex.matched - ex.resources.length;
  if (left > 0 && ex.resources.length) {
    const li = Object.assign(document.createElement("li"), { className: "more" });
    const more = Object.assign(document.createElement("button"), { type: "button", className: "more", textContent: tr("list.more", { n: Math.min(left, 100) }) });
    more.addEventListener("click", async () => {
      const shown = ex.resources.length;
      await actions.loadResources(true);
      // The focus goes on to the first new place.
      /** @type {HTMLElement | null} */ (ol.querySelectorAll("li > button[data-id]")[shown])?.focus();
    });
    li.append(more);
    rows.push(li);
  }
  if (ex.unlocated.length) {
    const head = Object.assign(document.createElement("li"), { className: "list-head", textContent: tr("list.unlocated", { n: ex.unlocatedMatched }) });
    rows.push(head, ...ex.unlocated.map((f, i) => entry(f, i, false)));
  }
  // The list follows the map: a place that is still listed keeps the focus.
  const active = /** @type {HTMLElement | null} */ (document.activeElement);
  const focusedId = active && ol.contains(active) ? active.dataset.id : undefined;
  ol.replaceChildren(...rows);
  if (focusedId) /** @type {HTMLElement | null} */ (ol.querySelector(`button[data-id="${CSS.escape(focusedId)}"]`))?.focus({ preventScroll: true });
  let status = tr("list.count", { n: ex.matched });
  if (!ex.matched) status += ` ${tr("list.none")}`;
  if (ex.unlocatedMatched) status += ` ${tr("list.unlocated", { n: ex.unlocatedMatched })}`;
  setStatus(status);
}
