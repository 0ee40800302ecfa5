// @ts-check
// The explore view: filters and legend, the list of places or the nearest to
// a point, the details of one, the search box. Mounted with the store and
// the API client; the bootstrap (app.js) hands it the map once made.

import { CATEGORIES, COUNTRIES, TOPICS } from "../i18n.js";
import { MIXED, symbolDataUrl } from "../symbols.js";
import { fillSelect } from "../dom.js";
import { isAbort } from "../api.js";
import { refer } from "./desk.js";
import { actions, ex, filterParams, remember, setStatus, showError } from "./explore-context.js";
import { renderList } from "./explore-list.js";
import { closeDetails, renderDetails, select } from "./explore-details.js";
import { closeStack, localiseStacks, stackOpen, updateHighlights, updateMapData } from "./explore-map.js";
import { bindSearch } from "./explore-search.js";

/** @typedef {import("./explore-context.js").ResourcePage} ResourcePage */

const NEAREST_K = 10;
/** Places the list asks for at a time. */
const LIST_PAGE = 100;
/** Places without a point (phone and online services) listed at most. */
const UNLOCATED_LIMIT = 1000;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id));


/** Loads the count of resources per category, for the legend. */
export async function loadCategories() {
  try {
    const rows = /** @type {Array<{ category: string, count: number }>} */ (await ex.getJson("categories", "/api/categories"));
    ex.categoryCounts = Object.fromEntries(rows.map((r) => [r.category, r.count]));
    renderLegend();
  } catch (e) {
    if (!isAbort(e)) showError(/** @type {Error} */ (e));
  }
}

/**
 * The map's view as the API's bbox (west,south,east,north in degrees; west
 * greater than east where the view crosses the antimeridian).
 */
function viewBbox() {
  const b = ex.map.getBounds();
  const south = Math.max(-90, b.getSouth());
  const north = Math.min(90, b.getNorth());
  let west = b.getWest();
  let east = b.getEast();
  if (east - west >= 360) {
    west = -180;
    east = 180;
  } else {
    const wrap = (/** @type {number} */ x) => ((((x + 180) % 360) + 360) % 360) - 180;
    west = wrap(west);
    east = wrap(east);
    if (east === -180) east = 180;
  }
  return [west, south, east, north].map((v) => v.toFixed(6)).join(",");
}

/**
 * Loads the located resources in the map's view that match the filters, a
 * page at a time; `more` adds the next page to the list.
 * @param {boolean} [more]
 */
export async function loadResources(more = false) {
  if (!ex.mapReady) return; // the map's load asks again
  if (!more) setStatus(ex.tr("status.loading"));
  if (ex.state.categories.size === 0) {
    ex.resources = [];
    ex.matched = 0;
  } else {
    const p = filterParams();
    p.set("bbox", viewBbox());
    p.set("limit", String(LIST_PAGE));
    if (more) p.set("offset", String(ex.resources.length));
    try {
      const fc = /** @type {ResourcePage} */ (await ex.getJson("resources", `/api/resources?${p}`));
      ex.resources = more ? ex.resources.concat(fc.features) : fc.features;
      ex.matched = fc.numberMatched ?? ex.resources.length;
      remember(fc.features);
    } catch (e) {
      if (!isAbort(e)) showError(/** @type {Error} */ (e));
      return;
    }
  }
  renderList();
}

/** Loads the resources without a point (phone and online services) that match the filters. */
export async function loadUnlocated() {
  if (ex.state.categories.size === 0) {
    ex.unlocated = [];
    ex.unlocatedMatched = 0;
  } else {
    const p = filterParams();
    p.set("located", "false");
    p.set("limit", String(UNLOCATED_LIMIT));
    try {
      const fc = /** @type {ResourcePage} */ (await ex.getJson("unlocated", `/api/resources?${p}`));
      ex.unlocated = fc.features;
      ex.unlocatedMatched = fc.numberMatched ?? fc.features.length;
      remember(fc.features);
    } catch (e) {
      if (!isAbort(e)) showError(/** @type {Error} */ (e));
      return;
    }
  }
  renderList();
}

/** A moment after the map stops moving, lists what is in view. */
let viewTimer = 0;
export function viewChanged() {
  clearTimeout(viewTimer);
  viewTimer = window.setTimeout(() => loadResources(), 150);
}

/** Loads the nearest resources to the point (none without a point). */
export async function loadNearest() {
  const { state } = ex;
  if (!state.point) {
    ex.nearest = [];
    updateHighlights();
    renderList();
    return;
  }
  if (state.categories.size === 0) {
    ex.nearest = [];
  } else {
    const p = filterParams();
    p.set("lon", state.point[0].toFixed(6));
    p.set("lat", state.point[1].toFixed(6));
    p.set("k", String(NEAREST_K));
    try {
      const answer = /** @type {ResourcePage} */ (await ex.getJson("nearest", `/api/nearest?${p}`));
      ex.nearest = answer.features;
      ex.nearestOrigin = answer.origin?.country ?? null;
      ex.nearestAsked = NEAREST_K;
    } catch (e) {
      if (!isAbort(e)) showError(/** @type {Error} */ (e));
      return;
    }
  }
  remember(ex.nearest);
  updateHighlights();
  renderList();
}

/** Writes the fragment and reloads the map's tiles, the list and the nearest. */
export function reload() {
  ex.store.write();
  updateMapData(true);
  loadResources();
  loadUnlocated();
  loadNearest();
}

/**
 * Sets the point and finds the nearest to it (in the desk view: refers too).
 * @param {ArrayLike<number>} lonlat
 */
export function setPoint(lonlat) {
  const { state } = ex;
  state.point = [Number(lonlat[0]), Number(lonlat[1])];
  ex.store.write();
  if (state.mode === "desk") {
    updateHighlights();
    refer();
    loadNearest();
    return;
  }
  loadNearest().then(() => $("results").focus({ preventScroll: true }));
}

/** Clears the point and the nearest. */
export function clearPoint() {
  ex.state.point = null;
  ex.nearest = [];
  ex.store.write();
  updateHighlights();
  renderList();
}

/** The category checkboxes with their counts, and how points are drawn. */
function renderLegend() {
  const { state, tr } = ex;
  $("legend").replaceChildren(
    ...CATEGORIES.map((c) => {
      const li = document.createElement("li");
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = c;
      box.checked = state.categories.has(c);
      box.addEventListener("change", () => {
        if (box.checked) state.categories.add(c);
        else state.categories.delete(c);
        reload();
      });
      const img = document.createElement("img");
      img.src = symbolDataUrl(c);
      img.alt = "";
      const name = document.createElement("span");
      name.textContent = tr(`category.${c}`);
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = String(ex.categoryCounts[c] ?? "");
      label.append(box, img, name, count);
      li.append(label);
      return li;
    }),
  );
  // How a point is drawn: exact, approximate, or shared by several services.
  /** @param {string} src @param {string} key @param {HTMLElement | null} [extra] */
  const mark = (src, key, extra = null) => {
    const img = Object.assign(document.createElement("img"), { src, alt: "", width: 24, height: 24 });
    const li = document.createElement("li");
    li.dataset.mark = key;
    const label = Object.assign(document.createElement("span"), { textContent: tr(`legend.${key}`) });
    li.append(...[img, extra, label].filter((x) => x !== null));
    return li;
  };
  const badge = Object.assign(document.createElement("span"), { className: "stack-count sample", textContent: "3" });
  badge.setAttribute("aria-hidden", "true");
  $("legend-marks-title").textContent = tr("legend.title");
  $("legend-marks").replaceChildren(
    mark(symbolDataUrl("mental_health_centre", 24), "exact"),
    mark(symbolDataUrl("mental_health_centre", 24, true), "approx"),
    mark(symbolDataUrl(MIXED, 24), "stack", badge),
  );
}

/** The chip that shows the text filter. */
export function renderTextFilter() {
  $("text-filter").hidden = !ex.state.q;
  $("text-filter-label").textContent = `${ex.tr("filters.text")}: “${ex.state.q}”`;
}

/** Redraws the explore view in the page's language. */
export function renderExplore() {
  const { state, tr } = ex;
  fillSelect($("country"), [["", tr("filters.allCountries")], ...COUNTRIES.map((c) => [c, tr(`country.${c}`)])], state.country);
  const topics = TOPICS.map((c) => [c, tr(`topic.${c}`)]).sort((a, b) => a[1].localeCompare(b[1], state.lang));
  fillSelect($("topic"), [["", tr("filters.allTopics")], ...topics], state.topic);
  renderLegend();
  renderTextFilter();
  renderList();
  renderDetails();
  localiseStacks();
}

/**
 * Mounts the explore view.
 * @param {object} o
 * @param {import("../state.js").Store} o.store
 * @param {(kind: string, path: string) => Promise<unknown>} o.getJson
 * @param {(key: string, vars?: Record<string, unknown>) => string} o.tr
 * @param {() => void} o.onReset called after the filters were reset (to redraw the page)
 */
export function mountExplore({ store, getJson, tr, onReset }) {
  Object.assign(ex, { store, state: store.state, getJson, tr });
  Object.assign(actions, { select, loadResources, setPoint, reload, renderTextFilter, updateHighlights });
  const { state } = ex;
  bindSearch();
  $("country").addEventListener("change", (e) => {
    state.country = /** @type {HTMLSelectElement} */ (e.target).value;
    reload();
  });
  $("topic").addEventListener("change", (e) => {
    state.topic = /** @type {HTMLSelectElement} */ (e.target).value;
    reload();
  });
  $("text-filter-remove").addEventListener("click", () => {
    state.q = "";
    input("q").value = "";
    renderTextFilter();
    reload();
    $("q").focus();
  });
  $("reset").addEventListener("click", () => {
    state.categories = new Set(CATEGORIES);
    state.country = "";
    state.topic = "";
    state.q = "";
    input("q").value = "";
    onReset();
    reload();
  });
  $("centre").addEventListener("click", () => {
    if (!ex.map) return;
    const c = ex.map.getCenter();
    setPoint([c.lng, c.lat]);
  });
  $("clear-point").addEventListener("click", () => {
    clearPoint();
    $("centre").focus();
  });
  $("locate").addEventListener("click", () => {
    if (!navigator.geolocation) {
      setStatus(tr("point.denied"));
      return;
    }
    setStatus(tr("point.locating"));
    // The position stays in this page and goes only to this server's /api/nearest.
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const ll = [pos.coords.longitude, pos.coords.latitude];
        ex.map?.easeTo({ center: ll, zoom: Math.max(ex.map.getZoom(), 11) });
        setPoint(ll);
      },
      () => setStatus(tr("point.denied")),
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 },
    );
  });
  $("details-close").addEventListener("click", closeDetails);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && stackOpen()) {
      e.preventDefault();
      const from = closeStack()?.from;
      if (from && document.contains(from)) /** @type {HTMLElement} */ (from).focus();
      return;
    }
    if (e.key === "Escape" && !$("details").hidden) {
      e.preventDefault();
      closeDetails();
    }
  });
  if (window.matchMedia("(max-width: 760px)").matches) $("filters").removeAttribute("open");
}
