// @ts-check
// The coverage view on the map: the choropleth of the chosen measure (with
// hatches for no data and for areas the directory does not fully cover),
// the far localities, the chosen row's outline, and fitting the view.

import { RESOURCE_LAYERS } from "../map.js";
import { $, cov, cv } from "./coverage-context.js";
import { classOf, legendData } from "./coverage-scale.js";

/** @typedef {import("../types.js").AnyFeature} AnyFeature */
/** @typedef {import("../types.js").FeatureCollection} FeatureCollection */
/** @typedef {import("../types.js").Coordinates} Coordinates */

const OUR_LAYERS = ["cov-fill", "cov-nodata", "cov-incomplete", "cov-line", "cov-hl", "cov-gaps"];
const AREA_LAYERS = ["cov-fill", "cov-nodata", "cov-incomplete", "cov-line", "cov-hl"];

/** A diagonal hatch for "no data", drawn here so no sprite is fetched. */
function hatch() {
  const size = 8;
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (x + y) % size < 2;
      data.set(on ? [110, 110, 110, 255] : [245, 245, 245, 235], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

/**
 * Thin dark lines the other way on a clear ground, over the choropleth: the
 * directory does not claim to list every service of the area.
 */
function incompleteHatch() {
  const size = 10;
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = (x - y + size) % size;
      // A dark line with a light edge, seen on every colour of the ramps.
      if (d < 2) data.set([30, 30, 30, 230], (y * size + x) * 4);
      else if (d === 2) data.set([255, 255, 255, 220], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

/** @param {maplibregl.Map} map */
function ensureLayers(map) {
  if (cv.layersAdded) return;
  cv.layersAdded = true;
  if (!map.hasImage("cov-hatch")) map.addImage("cov-hatch", hatch());
  if (!map.hasImage("cov-incomplete-hatch")) map.addImage("cov-incomplete-hatch", incompleteHatch());
  map.addSource("cov-gaps", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  const before = map.getLayer("clusters") ? "clusters" : undefined;
  map.addLayer(
    {
      id: "cov-gaps",
      type: "circle",
      source: "cov-gaps",
      paint: {
        // Area proportional to the inhabitants: radius ∝ √population.
        "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "population"]], 0, 1.5, 100, 2.5, 1000, 10, 2000, 16],
        "circle-color": "#1b1b1b",
        "circle-opacity": 0.7,
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1.2,
      },
    },
    before,
  );
  setAreas(map, { type: "FeatureCollection", features: [] });
}

/**
 * Replaces the choropleth's source and layers. A new source rather than
 * setData: MapLibre (5.24) can keep answering queryRenderedFeatures, and so
 * map clicks, from stale tiles after setData and a zoom.
 * @param {maplibregl.Map} map
 * @param {FeatureCollection} data a FeatureCollection
 */
function setAreas(map, data) {
  for (const id of AREA_LAYERS) if (map.getLayer(id)) map.removeLayer(id);
  if (map.getSource("cov-areas")) map.removeSource("cov-areas");
  map.addSource("cov-areas", { type: "geojson", data });
  const visibility = cv.state.mode === "coverage" ? "visible" : "none";
  const layers = [
    { id: "cov-fill", type: "fill", filter: [">=", ["get", "cls"], 0], paint: { "fill-color": ["get", "color"], "fill-opacity": 0.85 } },
    { id: "cov-nodata", type: "fill", filter: ["<", ["get", "cls"], 0], paint: { "fill-pattern": "cov-hatch", "fill-opacity": 0.85 } },
    { id: "cov-incomplete", type: "fill", filter: ["!=", ["get", "complete"], true], paint: { "fill-pattern": "cov-incomplete-hatch" } },
    { id: "cov-line", type: "line", paint: { "line-color": "#3a3a3a", "line-width": 1 } },
    { id: "cov-hl", type: "line", filter: ["==", ["get", "cid"], cov.row ?? ""], paint: { "line-color": "#1b1b1b", "line-width": 4 } },
  ];
  for (const layer of layers) map.addLayer({ ...layer, source: "cov-areas", layout: { visibility } }, "cov-gaps");
}

/**
 * Shows our layers (and hides the resources) in the coverage view, or the other way round.
 * @param {boolean} on
 */
export function showLayers(on) {
  const map = cv.getMap();
  if (!map || !cv.isMapReady()) return;
  if (on) ensureLayers(map);
  for (const id of OUR_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
  for (const id of RESOURCE_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "none" : "visible");
}

/** Draws the report's areas in the classes of the chosen measure (fitting the view when due). */
export function drawAreas() {
  const map = cv.getMap();
  if (!map || !cv.isMapReady() || !cv.report || !cv.layersAdded) return;
  const { m, breaks, colours } = legendData();
  const features = cv.report.features
    .filter((/** @type {AnyFeature} */ f) => f.geometry)
    .map((/** @type {AnyFeature} */ f) => {
      const value = f.properties[m.prop];
      const cls = classOf(breaks, value);
      return {
        type: "Feature",
        geometry: f.geometry,
        properties: { cid: f.id, name: f.properties.name, value, cls, color: cls >= 0 ? colours[cls] : "#f5f5f5", complete: f.properties.complete === true },
      };
    });
  // Move first, then set the data: the tiles are then made once, for the new view.
  if (cv.fitPending && features.length) {
    cv.fitPending = false;
    const box = bbox(features);
    if (box) map.fitBounds(box, { padding: fitPadding(map), duration: 0, maxZoom: 12 });
  }
  setAreas(map, { type: "FeatureCollection", features });
}

/** Draws the far localities. */
export function drawGaps() {
  const map = cv.getMap();
  if (!map || !cv.isMapReady() || !cv.gaps || !cv.layersAdded) return;
  map.getSource("cov-gaps").setData(cv.gaps);
}

/**
 * Room around fitted shapes, keeping them clear of the legend on a wide map.
 * @param {maplibregl.Map} map
 */
function fitPadding(map) {
  const legend = $("cov-legend");
  const wide = map.getContainer().clientWidth > 600 && !legend.hidden;
  return { top: 24, right: 24, bottom: 24, left: wide ? legend.offsetWidth + 30 : 24 };
}

/**
 * The bounds of features, [[w, s], [e, n]]; null when none has a geometry.
 * @param {AnyFeature[]} features
 * @returns {[[number, number], [number, number]] | null}
 */
function bbox(features) {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  /** @param {Coordinates} c */
  const walk = (c) => {
    if (typeof c[0] === "number") {
      const [x, y] = /** @type {number[]} */ (c);
      w = Math.min(w, x);
      e = Math.max(e, x);
      s = Math.min(s, y);
      n = Math.max(n, y);
    } else for (const inner of /** @type {Coordinates[]} */ (/** @type {unknown} */ (c))) walk(inner);
  };
  for (const f of features) if (f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

/**
 * Outlines the row `id` (none for null) and, with `zoom`, fits the map to the feature `f`.
 * @param {string | null} id
 * @param {AnyFeature | null | undefined} f the row's feature, if known
 * @param {boolean} zoom
 */
export function highlightRow(id, f, zoom) {
  const map = cv.getMap();
  if (map && cv.layersAdded) map.setFilter("cov-hl", ["==", ["get", "cid"], id ?? ""]);
  if (zoom && map && f?.geometry) {
    const box = bbox([f]);
    if (box) map.fitBounds(box, { padding: fitPadding(map), maxZoom: 12 });
  }
}

/**
 * The id of the area drawn at a point of the map, if any.
 * @param {maplibregl.PointLike} point a MapLibre screen point
 * @returns {string | undefined}
 */
export function areaAt(point) {
  const hit = cv.getMap().queryRenderedFeatures(point, { layers: ["cov-fill", "cov-nodata", "cov-incomplete"] })[0];
  return hit?.properties.cid;
}
