// @ts-check
// The explore view's details panel: one resource's address, contacts, hours
// in words, trust (source, last verified) and directions when the point is
// exact enough; opened from the list, the map or the search, closed with
// Escape or its button, the focus going back where it came from.

import { symbolDataUrl } from "../symbols.js";
import { approxText, browserZone, canDirect, hoursText, isApprox } from "../facts.js";
import { freshness, pointCredit, provenanceText, sourceParts } from "../trust.js";
import { statusLines } from "../status.js";
import { el } from "../dom.js";
import { isAbort } from "../api.js";
import { actions, distanceText, ex, featureId, remember, showError } from "./explore-context.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Where the focus goes back to when the details close. @type {Element | null} */
let returnFocus = null;

/** @param {string} slug */
const humanise = (slug) => String(slug).replace(/_/g, " ");

/**
 * Opens the details of resource `id` (fetched when not seen yet).
 * @param {string} id
 * @param {{ fly?: boolean, from?: Element | null, focus?: boolean }} [options]
 */
export async function select(id, { fly = false, from = null, focus = true } = {}) {
  const { state, map } = ex;
  state.selected = id;
  returnFocus = from ?? document.activeElement;
  let f = ex.known.get(id);
  if (!f) {
    try {
      f = /** @type {import("./explore-context.js").Feature} */ (await ex.getJson("details", `/api/resources/${encodeURIComponent(id)}`));
      remember([f]);
    } catch (e) {
      if (!isAbort(e)) showError(/** @type {Error} */ (e));
      state.selected = null;
      ex.store.write();
      return;
    }
  }
  ex.store.write();
  renderDetails();
  actions.updateHighlights();
  for (const b of $("list").querySelectorAll("button[data-id]")) {
    const current = /** @type {HTMLElement} */ (b).dataset.id === id;
    b.toggleAttribute("aria-current", current);
    if (current) b.setAttribute("aria-current", "true");
  }
  if (fly && f?.geometry && map) {
    // Keep the place clear of the details panel: right of it on a desk, above it on a phone.
    const wide = window.matchMedia("(min-width: 761px)").matches;
    if (!wide) document.querySelector(".layout")?.scrollTo({ top: 0 });
    const { clientWidth: w, clientHeight: h } = map.getContainer();
    const at = map.project(f.geometry.coordinates);
    const clear = wide ? at.x >= 400 && at.x <= w && at.y >= 0 && at.y <= h : at.x >= 0 && at.x <= w && at.y >= 0 && at.y <= h / 2;
    // A place already in sight stays where it is. Bringing one into sight
    // keeps the list of the view it was picked from (`keepList`).
    if (!clear) {
      const offset = wide ? [-200, 0] : [0, -Math.round(h / 4)];
      map.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 12), offset }, { keepList: true });
    }
  }
  if (focus) $("details").focus();
}

/** Closes the details, the focus going back where it came from. */
export function closeDetails() {
  if (!ex.state.selected) return;
  ex.state.selected = null;
  ex.store.write();
  renderDetails();
  actions.updateHighlights();
  for (const b of $("list").querySelectorAll("button[aria-current]")) b.removeAttribute("aria-current");
  // The list may have been redrawn since (it follows the map): the same place's entry, if listed.
  const id = /** @type {HTMLElement | null} */ (returnFocus)?.dataset?.id;
  const again = id ? $("list").querySelector(`button[data-id="${CSS.escape(id)}"]`) : null;
  const back = returnFocus && document.contains(returnFocus) ? returnFocus : (again ?? $("results"));
  /** @type {HTMLElement} */ (back).focus();
}

/** Redraws the details panel of the selected resource (hidden when none). */
export function renderDetails() {
  const { state, tr } = ex;
  const panel = $("details");
  const f = state.selected ? ex.known.get(state.selected) : null;
  panel.hidden = !f;
  if (!f) return;
  const p = f.properties;
  /** @type {HTMLElement[]} */
  const rows = [];
  /** @param {string} key @param {...(string | Node | null | undefined)} value */
  const row = (key, ...value) => {
    if (value.length && value.every((v) => v !== null && v !== undefined && v !== "")) {
      rows.push(el("dt", { textContent: tr(key) }), el("dd", {}, .../** @type {Array<string | Node>} */ (value)));
    }
  };
  /** @param {string} href @param {string} text */
  const ext = (href, text) => {
    const a = el("a", { href, textContent: text, target: "_blank", rel: "noopener noreferrer" });
    a.append(el("span", { className: "sr-only", textContent: ` ${tr("details.newWindow")}` }));
    return a;
  };
  const near = ex.nearest.find((n) => featureId(n) === featureId(f));
  if (near?.properties.distance_m != null) row("details.distance", distanceText(near.properties));
  const address = [p.address, [p.postcode, p.city].filter(Boolean).join(" "), tr(`country.${p.country}`)]
    .filter(Boolean)
    .join(", ");
  // A city is not an address: say that the street is not known.
  row("details.address", p.address || !f.geometry ? address : `${tr("desk.addressUnknown")} (${address})`);
  if (p.phone) row("details.phone", el("a", { href: `tel:${p.phone.replace(/[^\d+]/g, "")}`, textContent: p.phone }));
  if (p.email) row("details.email", el("a", { href: `mailto:${p.email}`, textContent: p.email }));
  if (p.website && /^https?:\/\//i.test(p.website)) row("details.website", ext(p.website, p.website.replace(/^https?:\/\//i, "")));
  // The next seven days in words (never the raw OpenStreetMap syntax).
  row("details.hours", hoursText(state.lang, p.hours_week, browserZone()));
  if (p.topics?.length) row("details.topics", p.topics.map((/** @type {string} */ x) => tr(`topic.${x}`)).join(", "));
  if (p.target_groups?.length) row("details.targetGroups", p.target_groups.map(humanise).join(", "));
  if (p.access) row("details.access", tr(`access.${p.access}`));
  if (p.cost) row("details.cost", tr(`cost.${p.cost}`));
  if (f.geometry && isApprox(p)) row("details.location", el("span", { className: "approx", textContent: approxText(state.lang, p) }));
  else if (p.coord_precision) row("details.precision", tr(`precision.${p.coord_precision}`));
  const source = sourceParts(p.source).flatMap((x, i) => [i ? "; " : "", x.url ? ext(x.url, x.url.replace(/^https?:\/\//i, "")) : x.text]);
  if (source.length) rows.push(el("dt", { textContent: tr("details.source") }), el("dd", {}, ...source));
  const published = provenanceText(state.lang, p);
  const credit = pointCredit(state.lang, p);
  if (published) rows.push(el("dt", { textContent: tr("details.published") }), el("dd", { className: "provenance", textContent: credit ? `${published}. ${credit}` : published }));
  const fresh = freshness(state.lang, p.last_verified);
  const verified = el("span", { className: fresh.stale ? "fresh stale" : "fresh", textContent: fresh.never ? fresh.text : `${fresh.text} (${p.last_verified})${fresh.stale ? ` · ${tr("trust.stale")}` : ""}` });
  rows.push(el("dt", { textContent: tr("details.lastVerified") }), el("dd", {}, verified));

  const catImg = el("img", { src: symbolDataUrl(p.category), alt: "", width: 20, height: 20 });
  const parts = [
    el("h2", { id: "details-name", textContent: p.name }),
    p.name_en && p.name_en !== p.name ? el("p", { className: "alt", textContent: p.name_en }) : "",
    el("p", { className: "cat" }, catImg, el("span", { textContent: tr(`category.${p.category}`) })),
    ...statusLines(state.lang, p).map((line) => el("p", { className: "status-alert", role: "note", textContent: line })),
    p.description ? el("p", { textContent: p.description }) : "",
    el("dl", {}, ...rows),
  ];
  // No directions to a service closed, moved or closed for a while today.
  const gone = ["closed", "temporarily_closed", "moved"].includes(p.unavailable);
  if (gone) {
    parts.push(el("p", { className: "no-directions", textContent: tr("details.notOffered") }));
  } else if (canDirect(f)) {
    const [lon, lat] = /** @type {{ coordinates: [number, number] }} */ (f.geometry).coordinates;
    const href = `https://www.openstreetmap.org/directions?to=${lat.toFixed(6)},${lon.toFixed(6)}`;
    const a = ext(href, tr("details.directions"));
    a.className = "directions";
    parts.push(a);
  } else if (f.geometry) {
    // The point is only the centre of a quarter or a city: no directions to it.
    const key = p.address ? "approx.address" : p.phone ? "approx.noAddressCall" : "approx.noAddress";
    parts.push(el("p", { className: "no-directions", textContent: tr(key) }));
  } else {
    parts.push(el("p", { textContent: tr("details.noLocation") }));
  }
  $("details-body").replaceChildren(...parts.filter(Boolean));
}
