// @ts-check
// The explore view on the map: the resources from the vector tiles (one
// symbol per point, services sharing a point as a stack with a count, grid
// clusters at low zooms), the highlighted marks
// (nearest ranks, the help desk's marks, the selected place), the chosen
// point, and what a click on the map does.

import { symbolDataUrl } from "../symbols.js";
import { approxText, isApprox } from "../facts.js";
import { SHOW_CLUSTERS, SHOW_NOTHING, SHOW_POINTS, clusterMarker, pointMarker, rankMarker, resourceTiles, stackMarker } from "../map.js";
import { actions, ex, featureId, filterParams, remember, showError } from "./explore-context.js";
import { isAbort } from "../api.js";
import { deskMarks } from "./desk.js";

/** @typedef {import("./explore-context.js").Feature} Feature */

/** @type {maplibregl.Marker[]} */
let rankMarkers = [];
/** @type {maplibregl.Marker | null} */
let pointMark = null;
/** Cluster id → its count on the map. @type {Map<number, maplibregl.Marker>} */
const clusterMarkers = new Map();
/** Stack key → its count button on the map. @type {Map<string, maplibregl.Marker>} */
const stackMarkers = new Map();
/** Stack key → the features sharing that point, once asked for. @type {Map<string, Feature[]>} */
let stacks = new Map();
/** The open stack's popup. @type {{ key: string, popup: maplibregl.Popup, from: Element | null } | null} */
let stackPopup = null;
/** The filter parameters the resource tiles were last asked with. */
let tilesQuery = "";

/**
 * Draws the resources that pass the filters, from the server's vector tiles
 * (every one, however many: the tiles group them at low zooms). With
 * `refresh`, asks for the tiles again even if the filters are the same (the
 * directory changed).
 * @param {boolean} [refresh]
 */
export function updateMapData(refresh = false) {
  const { map, state } = ex;
  if (!ex.mapReady) return;
  const none = state.categories.size === 0;
  map.setFilter("clusters", none ? SHOW_NOTHING : SHOW_CLUSTERS);
  map.setFilter("points", none ? SHOW_NOTHING : SHOW_POINTS);
  map.setFilter("points-unavailable", none ? SHOW_NOTHING : ["all", SHOW_POINTS, ["to-boolean", ["get", "unavailable"]]]);
  const query = filterParams().toString();
  if (query === tilesQuery && !refresh) return;
  tilesQuery = query;
  stacks = new Map();
  map.getSource("resources").setTiles([resourceTiles(query)]);
  closeStack();
}

/**
 * The services sharing the point `key` ("lon,lat"), from the listing.
 * @param {string} key
 * @returns {Promise<Feature[]>}
 */
async function stackMembers(key) {
  const known = stacks.get(key);
  if (known) return known;
  const p = filterParams();
  p.set("bbox", `${key},${key}`);
  p.set("limit", "1000");
  const fc = /** @type {import("./explore-context.js").ResourcePage} */ (await ex.getJson("stack", `/api/resources?${p}`));
  remember(fc.features);
  stacks.set(key, fc.features);
  return fc.features;
}

/**
 * Lists the services sharing the point `key` in a popup, each a button that opens its details.
 * @param {string} key
 * @param {Element | null} [from] where the focus goes back to
 * @param {boolean} [focus] whether to focus the first button
 */
export async function openStack(key, from = null, focus = true) {
  const { tr, state, map } = ex;
  if (!map) return;
  /** @type {Feature[]} */
  let fs;
  try {
    fs = await stackMembers(key);
  } catch (e) {
    if (!isAbort(e)) showError(/** @type {Error} */ (e));
    return;
  }
  if (!fs.length) return;
  closeStack();
  const box = document.createElement("div");
  box.className = "stack-list";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-labelledby", "stack-title");
  const h = Object.assign(document.createElement("h2"), { id: "stack-title", textContent: tr("stack.title", { n: fs.length }) });
  box.append(h);
  const approx = fs.find((f) => isApprox(f.properties));
  if (approx) box.append(Object.assign(document.createElement("p"), { className: "approx", textContent: approxText(state.lang, approx.properties) }));
  const ul = document.createElement("ul");
  for (const f of [...fs].sort((a, b) => a.properties.name.localeCompare(b.properties.name, state.lang))) {
    const btn = Object.assign(document.createElement("button"), { type: "button" });
    btn.dataset.id = featureId(f);
    const img = Object.assign(document.createElement("img"), { src: symbolDataUrl(f.properties.category, 18), alt: "", width: 18, height: 18 });
    const name = Object.assign(document.createElement("span"), { textContent: f.properties.name });
    const sub = Object.assign(document.createElement("span"), { className: "sub", textContent: tr(`category.${f.properties.category}`) });
    name.append(sub);
    btn.append(img, name);
    btn.addEventListener("click", () => actions.select(featureId(f), { from: from ?? btn }));
    const li = document.createElement("li");
    li.append(btn);
    ul.append(li);
  }
  box.append(ul);
  const popup = new maplibregl.Popup({ closeOnClick: true, maxWidth: "320px", focusAfterOpen: false })
    .setLngLat(fs[0].geometry.coordinates)
    .setDOMContent(box)
    .addTo(map);
  stackPopup = { key, popup, from };
  popup.on("close", () => {
    if (stackPopup?.popup === popup) stackPopup = null;
  });
  if (focus) box.querySelector("button")?.focus();
}

/** Closes the stack's popup; returns what was open (with where the focus came from). */
export function closeStack() {
  const open = stackPopup;
  stackPopup = null;
  open?.popup.remove();
  return open;
}

/** Whether a stack's popup is open. */
export const stackOpen = () => stackPopup !== null;

/** Relabels the stack buttons (and an open stack) in the page's language. */
export function localiseStacks() {
  const { map, tr } = ex;
  if (!map) return;
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (map.getContainer().querySelectorAll(".stack-count[data-stack]"))) {
    el.setAttribute("aria-label", tr("stack.open", { n: stacks.get(el.dataset.stack)?.length ?? el.textContent }));
  }
  if (stackPopup) openStack(stackPopup.key, stackPopup.from, false); // in the new language, leaving the focus where it is
}

/** Redraws the highlighted places, their rank badges and the chosen point. */
export function updateHighlights() {
  const { state, map, tr } = ex;
  if (!ex.mapReady) return;
  /** @type {import("../types.js").AnyFeature[]} */
  const features = [];
  // In the help-desk view the marks are the desk's: competent ("C") and numbered alternatives.
  const marks = state.mode === "desk" ? deskMarks() : ex.nearest.map((f, i) => ({ f, label: String(i + 1), strong: false }));
  for (const { f, strong } of marks) {
    if (f.geometry) {
      const selected = strong || featureId(f) === state.selected;
      features.push({ type: "Feature", geometry: f.geometry, properties: { id: featureId(f), category: f.properties.category, approx: isApprox(f.properties), selected } });
    }
  }
  const sel = state.selected ? ex.known.get(state.selected) : null;
  if (sel?.geometry && !features.some((f) => f.properties.id === state.selected)) {
    features.push({ type: "Feature", geometry: sel.geometry, properties: { id: state.selected, category: sel.properties.category, approx: isApprox(sel.properties), selected: true } });
  }
  map.getSource("highlight").setData({ type: "FeatureCollection", features });

  for (const m of rankMarkers) m.remove();
  rankMarkers = marks.filter(({ f }) => f.geometry).map(({ f, label }) => rankMarker(f.geometry.coordinates, label).addTo(map));

  if (pointMark) pointMark.remove();
  pointMark = null;
  if (state.point) pointMark = pointMarker(state.point, tr("point.marker")).addTo(map);
  /** @type {HTMLElement} */ (document.getElementById("clear-point")).hidden = !state.point;
}

/**
 * Count labels on clusters as HTML, so no glyphs have to be fetched; on a
 * stack (services sharing one point) the count is a button that lists them.
 */
export function updateClusterLabels() {
  const { map, tr } = ex;
  // While the source reloads its tiles it lists nothing: keep the labels (and the focus on one) as they are.
  if (!ex.mapReady || !map.getSource("resources") || !map.isSourceLoaded("resources")) return;
  const seen = new Set();
  const stacked = new Set();
  for (const f of map.querySourceFeatures("resources", { sourceLayer: "resources" })) {
    const p = f.properties;
    if (p.stack && !p.cluster) {
      if (stacked.has(p.stack)) continue;
      stacked.add(p.stack);
      if (!stackMarkers.has(p.stack)) {
        // Added once: adding again would take the focus off the button.
        const marker = stackMarker(f.geometry.coordinates, p.stack, p.count, tr("stack.open", { n: p.count }), (el) => openStack(p.stack, el));
        stackMarkers.set(p.stack, marker.addTo(map));
      }
      continue;
    }
    if (!p.cluster) continue;
    const id = p.cluster_id;
    if (seen.has(id)) continue;
    seen.add(id);
    let marker = clusterMarkers.get(id);
    if (!marker) {
      marker = clusterMarker(f.geometry.coordinates, p.records ?? p.point_count);
      clusterMarkers.set(id, marker);
    }
    marker.addTo(map);
  }
  for (const [id, marker] of clusterMarkers) {
    if (!seen.has(id)) {
      marker.remove();
      clusterMarkers.delete(id);
    }
  }
  for (const [key, marker] of stackMarkers) {
    if (!stacked.has(key)) {
      marker.remove();
      stackMarkers.delete(key);
    }
  }
}

/**
 * A click on the map in the explore and desk views: a cluster zooms in, a
 * stack lists its services, a place opens, elsewhere sets the point.
 * @param {maplibregl.MapMouseEvent} e MapLibre's click event
 */
export async function exploreClick(e) {
  const { map } = ex;
  const pad = 6;
  /** @type {[maplibregl.PointLike, maplibregl.PointLike]} */
  const box = [[e.point.x - pad, e.point.y - pad], [e.point.x + pad, e.point.y + pad]];
  const hits = map.queryRenderedFeatures(box, { layers: ["hl-icons", "points", "clusters"] });
  const hit = hits[0];
  if (hit?.properties.cluster) {
    // Zooms to the cluster's services, at least one level deeper.
    const { west, south, east, north } = hit.properties;
    const camera = map.cameraForBounds([[west, south], [east, north]], { padding: 60, maxZoom: 18 });
    const zoom = Math.max(camera?.zoom ?? 0, Math.floor(map.getZoom()) + 1);
    map.easeTo({ center: camera?.center ?? hit.geometry.coordinates, zoom });
  } else if (hit?.properties.stack) {
    openStack(hit.properties.stack, map.getCanvas());
  } else if (hit) {
    actions.select(hit.properties.id, { from: map.getCanvas() });
  } else {
    actions.setPoint([e.lngLat.lng, e.lngLat.lat]);
  }
}
