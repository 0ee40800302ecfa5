// @ts-check
// The map apart from the views: the basemap styles (offline countries, the
// local PMTiles archive, or a configured online style), our sources and
// layers, the map's own controls in the page's language, and the HTML
// markers (rank badges, the chosen point, cluster counts).

import { CATEGORIES } from "./i18n.js";
import { MIXED, SYMBOLS, imageName, symbolImageData } from "./symbols.js";

/** Western Europe to the Baltics: the view when the URL gives none. */
export const HOME_BOUNDS = [[5.5, 36.0], [28.5, 56.5]];

/** The MapLibre source name of the local PMTiles basemap. */
const BASEMAP_SOURCE = "protomaps";
let pmtilesProtocol = false;

/**
 * @typedef {object} Config what /api/config says
 * @property {string} [basemap_style] an online style URL
 * @property {string} [basemap_pmtiles] the path of the local basemap archive
 * @property {boolean} [geocoder] whether an address search is configured
 */

/** @typedef {(key: string, vars?: Record<string, unknown>) => string} Tr */

/** The basemap drawn with no tiles at all: countries from Natural Earth. */
function offlineStyle() {
  const ours = ["380", "100", "276", "440"]; // IT, BG, DE, LT (ISO 3166-1 numeric)
  return {
    version: 8,
    sources: {
      countries: {
        type: "geojson",
        data: new URL("/vendor/countries.geojson", location.href).href,
        attribution: "Natural Earth",
      },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#d4e4ee" } },
      {
        id: "land",
        type: "fill",
        source: "countries",
        paint: {
          "fill-color": ["case", ["in", ["get", "iso_n3"], ["literal", ours]], "#fbfaf5", "#eceae2"],
        },
      },
      {
        id: "borders",
        type: "line",
        source: "countries",
        paint: { "line-color": "#8a8a8a", "line-width": ["interpolate", ["linear"], ["zoom"], 3, 0.6, 10, 1.6] },
      },
    ],
  };
}

/**
 * The local vector basemap (`--basemap`): the PMTiles archive and glyphs
 * from this server, drawn with the Protomaps light layers, names in the
 * page's language (else the local name).
 * @param {Config} config
 * @param {string} lang
 */
function localStyle(config, lang) {
  if (!pmtilesProtocol) {
    maplibregl.addProtocol("pmtiles", new pmtiles.Protocol().tile);
    pmtilesProtocol = true;
  }
  return {
    version: 8,
    glyphs: `${location.origin}/fonts/{fontstack}/{range}.pbf`,
    sources: {
      [BASEMAP_SOURCE]: {
        type: "vector",
        url: `pmtiles://${location.origin}${config.basemap_pmtiles}`,
        attribution: "© OpenStreetMap contributors",
      },
    },
    layers: basemapLayers(lang),
  };
}

/**
 * The Protomaps light layers, names in `lang`.
 * @param {string} lang
 * @returns {maplibregl.LayerSpecification[]}
 */
function basemapLayers(lang) {
  return basemaps.layers(BASEMAP_SOURCE, basemaps.namedFlavor("light"), { lang });
}

/**
 * The style for `config`: its online style, else the local archive, else the offline countries.
 * @param {Config} config
 * @param {string} lang
 */
export function basemapStyle(config, lang) {
  return config.basemap_style || (config.basemap_pmtiles ? localStyle(config, lang) : offlineStyle());
}

/**
 * Re-sets the local basemap's label layers in `lang`.
 * @param {maplibregl.Map} map
 * @param {Config} config
 * @param {string} lang
 */
export function localiseBasemap(map, config, lang) {
  if (!config.basemap_pmtiles) return;
  for (const layer of basemapLayers(lang)) {
    if (layer.type !== "symbol" || layer.layout?.["text-field"] === undefined || !map.getLayer(layer.id)) continue;
    map.setLayoutProperty(layer.id, "text-field", layer.layout["text-field"]);
  }
}

/**
 * MapLibre's own control labels, in the page's language.
 * @param {Tr} tr
 */
export function mapLocale(tr) {
  return {
    "NavigationControl.ZoomIn": tr("map.zoomIn"),
    "NavigationControl.ZoomOut": tr("map.zoomOut"),
    "AttributionControl.ToggleAttribution": tr("map.attribution"),
    "Map.Title": tr("map.label"),
    "Popup.Close": tr("details.close"),
  };
}

/**
 * Relabels the map's canvas and controls.
 * @param {maplibregl.Map} map
 * @param {Tr} tr
 */
export function localiseControls(map, tr) {
  map.getCanvas().setAttribute("aria-label", tr("map.label"));
  /** @param {string} selector @param {string} key */
  const label = (selector, key) => {
    for (const el of /** @type {NodeListOf<HTMLElement>} */ (map.getContainer().querySelectorAll(selector))) {
      el.title = tr(key);
      el.setAttribute("aria-label", tr(key));
    }
  };
  label(".maplibregl-ctrl-zoom-in", "map.zoomIn");
  label(".maplibregl-ctrl-zoom-out", "map.zoomOut");
  label(".maplibregl-ctrl-attrib-button", "map.attribution");
}

/**
 * A MapLibre map in `#map` with our controls; our symbols are added on demand.
 * @param {object} o
 * @param {Config} o.config
 * @param {string} o.lang
 * @param {Tr} o.tr
 * @param {{ zoom: number, lat: number, lon: number } | null} o.view
 */
export function createMap({ config, lang, tr, view }) {
  /** @type {Record<string, unknown>} */
  const options = {
    container: "map",
    style: basemapStyle(config, lang),
    attributionControl: { compact: true },
    dragRotate: false,
    touchPitch: false,
    locale: mapLocale(tr),
  };
  if (view) Object.assign(options, { center: [view.lon, view.lat], zoom: view.zoom });
  else options.bounds = HOME_BOUNDS;
  const map = new maplibregl.Map(options);
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl(), "bottom-left");
  map.on("styleimagemissing", (/** @type {{ id: string }} */ e) => {
    const approx = e.id.startsWith("sym-approx-");
    const c = e.id.replace(/^sym-(approx-)?/, "");
    if ((Object.hasOwn(SYMBOLS, c) || c === MIXED) && !map.hasImage(e.id)) map.addImage(e.id, symbolImageData(c, 22, 2, approx), { pixelRatio: 2 });
    // The Protomaps style's town dots and POI icons come from a sprite we do not
    // serve: they are left blank, so that only our symbols are icons.
    else if (config.basemap_pmtiles && !map.hasImage(e.id)) map.addImage(e.id, { width: 1, height: 1, data: new Uint8Array(4) });
  });
  return map;
}

/** The map image of a feature: its category's symbol, in a dashed ring when the point is approximate. */
const ICON = ["concat", "sym-", ["case", ["get", "approx"], "approx-", ""], ["get", "category"]];

/** The deepest zoom the server makes resource tiles for; the map draws deeper ones from them. */
export const TILES_MAX_ZOOM = 16;
/** The layers' filters, and one that shows nothing (no category chosen). */
export const SHOW_CLUSTERS = ["has", "point_count"];
export const SHOW_POINTS = ["!", ["has", "point_count"]];
export const SHOW_NOTHING = ["==", 1, 0];

/**
 * The resource tiles' URL template for the listing's filter parameters.
 * @param {string} query e.g. "category=library&country=IT", or ""
 */
export function resourceTiles(query) {
  return `${location.origin}/tiles/resources/{z}/{x}/{y}.mvt${query ? `?${query}` : ""}`;
}

/** Layers of the resources, which the coverage view hides. */
export const RESOURCE_LAYERS = ["clusters", "points", "points-unavailable", "hl-halo", "hl-icons"];

/** Faded, for a point whose service is closed, moved or suspended today. */
const FADED = ["case", ["to-boolean", ["get", "unavailable"]], 0.45, 1];

/**
 * Our sources ("resources", clustered; "highlight") and their layers.
 * @param {maplibregl.Map} map
 */
export function addOurLayers(map) {
  for (const c of [...CATEGORIES, MIXED]) {
    for (const approx of [false, true]) {
      const name = imageName(c, approx);
      if (!map.hasImage(name)) map.addImage(name, symbolImageData(c, 22, 2, approx), { pixelRatio: 2 });
    }
  }
  // Vector tiles from this server: one feature per point (a stack counts the
  // services sharing it), grid clusters at low zooms and in crowded tiles.
  // Many of Rome's points derive from OpenStreetMap (ODbL): credited here.
  const credit = "Rome's service points and municipi: © OpenStreetMap contributors (ODbL)";
  map.addSource("resources", { type: "vector", tiles: [resourceTiles("")], minzoom: 0, maxzoom: TILES_MAX_ZOOM, attribution: credit });
  map.addSource("highlight", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({
    id: "clusters",
    type: "circle",
    source: "resources",
    "source-layer": "resources",
    filter: SHOW_CLUSTERS,
    paint: {
      "circle-color": "#33414f",
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
      "circle-radius": ["step", ["get", "records"], 14, 10, 18, 50, 23, 1000, 27],
    },
  });
  map.addLayer({
    id: "points",
    type: "symbol",
    source: "resources",
    "source-layer": "resources",
    filter: SHOW_POINTS,
    layout: { "icon-image": ICON, "icon-allow-overlap": true },
    paint: { "icon-opacity": FADED },
  });
  // A red ring round a point whose service is not offered today.
  map.addLayer({
    id: "points-unavailable",
    type: "circle",
    source: "resources",
    "source-layer": "resources",
    filter: ["all", SHOW_POINTS, ["to-boolean", ["get", "unavailable"]]],
    paint: { "circle-radius": 13, "circle-opacity": 0, "circle-stroke-color": "#b00020", "circle-stroke-width": 2.5 },
  });
  map.addLayer({
    id: "hl-halo",
    type: "circle",
    source: "highlight",
    paint: {
      "circle-radius": ["case", ["get", "selected"], 19, 15],
      "circle-color": ["case", ["get", "selected"], "#fff3b0", "#ffffff"],
      "circle-opacity": 0.9,
      "circle-stroke-color": "#1b1b1b",
      "circle-stroke-width": ["case", ["get", "selected"], 3, 2],
    },
  });
  map.addLayer({
    id: "hl-icons",
    type: "symbol",
    source: "highlight",
    layout: { "icon-image": ICON, "icon-allow-overlap": true },
    paint: { "icon-opacity": FADED },
  });
  for (const layer of ["clusters", "points", "hl-icons"]) {
    map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
  }
}

/**
 * A rank badge ("1", "C", ...) beside a marked place.
 * @param {[number, number]} at
 * @param {string} label
 * @returns {maplibregl.Marker} the marker, on no map yet
 */
export function rankMarker(at, label) {
  const el = document.createElement("div");
  el.className = "rank-badge";
  el.textContent = label;
  el.setAttribute("aria-hidden", "true");
  return new maplibregl.Marker({ element: el, offset: [14, -14] }).setLngLat(at);
}

/**
 * The chosen point's marker.
 * @param {[number, number]} at
 * @param {string} label its accessible name
 */
export function pointMarker(at, label) {
  const el = document.createElement("div");
  el.className = "point-marker";
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", label);
  el.innerHTML =
    '<svg viewBox="0 0 28 28" width="28" height="28" aria-hidden="true"><circle cx="14" cy="14" r="10" fill="#fff" stroke="#1b1b1b" stroke-width="3"/><circle cx="14" cy="14" r="4" fill="#1b1b1b"/></svg>';
  return new maplibregl.Marker({ element: el }).setLngLat(at);
}

/**
 * A cluster's count as HTML (no glyphs to fetch).
 * @param {[number, number]} at
 * @param {number} count
 */
export function clusterMarker(at, count) {
  const el = document.createElement("div");
  el.className = "cluster-count";
  el.setAttribute("aria-hidden", "true");
  el.textContent = String(count);
  return new maplibregl.Marker({ element: el }).setLngLat(at);
}

/**
 * A stack's count: a button that lists the services sharing the point.
 * @param {[number, number]} at
 * @param {string} key the stack's key
 * @param {number} count
 * @param {string} label its accessible name
 * @param {(el: HTMLButtonElement) => void} onClick
 */
export function stackMarker(at, key, count, label, onClick) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = "stack-count";
  el.dataset.stack = key;
  el.textContent = String(count);
  el.setAttribute("aria-label", label);
  el.addEventListener("click", (e) => {
    e.stopPropagation();
    onClick(el);
  });
  return new maplibregl.Marker({ element: el, offset: [14, 14] }).setLngLat(at);
}
