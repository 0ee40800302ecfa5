// @ts-check
// What the coverage view's modules share: what the fragment keeps (`cov`),
// the view's context (store, text, API client, map), the last answers, and
// the URLs of the API's reports for the current choices. Filled by
// `mountCoverage`; the modules read it when they run.

import { fmtNumber } from "../format.js";

/** @typedef {import("../types.js").AnyFeature} AnyFeature */
/** @typedef {import("../types.js").FeatureCollection} FeatureCollection */

/** What the rows are: the four countries, their regions, or the loaded areas. */
export const LEVELS = ["country", "region", "area"];
/** Most far localities drawn. */
export const GAP_LIMIT = 500;

/** What the fragment keeps for the coverage view. */
export const cov = {
  level: "country",
  measure: "per_100k",
  category: "",
  gapKm: 25,
  /** The chosen row's id. @type {string | null} */
  row: null,
};

/** The view's context, and what its modules share. */
export const cv = {
  /** @type {import("../state.js").State} */
  state: null,
  /** @type {(key: string, vars?: Record<string, unknown>) => string} */
  tr: (key) => key,
  /** @type {(kind: string, path: string) => Promise<unknown>} */
  getJson: async () => ({}),
  /** The MapLibre map, once made. @type {() => maplibregl.Map} */
  getMap: () => null,
  /** @type {() => boolean} */
  isMapReady: () => false,
  /** @type {() => void} */
  writeHash: () => {},
  /** Whether the view is mounted. */
  mounted: false,
  /** The FeatureCollection of /api/coverage?format=geojson. @type {import("../types.js").CoverageReport | null} */
  report: null,
  /** The URL it answered. */
  reportQuery: "",
  /** The FeatureCollection of /api/coverage/gaps. @type {FeatureCollection | null} */
  gaps: null,
  /** The JSON report per country, all categories. @type {import("../types.js").CoverageChart | null} */
  chart: null,
  /** The table's order. @type {{ key: string, dir: number } | null} */
  sort: null,
  /** Whether the map fits the rows on the next answer. */
  fitPending: true,
  /** Whether our sources and layers are on the map. */
  layersAdded: false,
};

/** An element of the page, by id. @param {string} id */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * A number in the page's language.
 * @param {number} v
 * @param {Intl.NumberFormatOptions} [options]
 */
export function num(v, options = {}) {
  return fmtNumber(cv.state.lang, v, options);
}

/**
 * Shows `text` in the view's status line.
 * @param {string} text
 */
export function say(text) {
  $("cov-status").textContent = text;
}

/**
 * The API's filter parameters for the current choices, and `extra`.
 * @param {Record<string, string>} [extra]
 */
function params(extra = {}) {
  const p = new URLSearchParams();
  if (cov.category) p.set("category", cov.category);
  if (cv.state.topic) p.set("topic", cv.state.topic);
  if (cv.state.country) p.set("country", cv.state.country);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/**
 * The report's URL, in `format` ("geojson", "csv").
 * @param {string} format
 */
export function reportUrl(format) {
  return `/api/coverage?${params({ level: cov.level, format })}`;
}

/** The far localities' URL. */
export function gapsUrl() {
  return `/api/coverage/gaps?${params({ min_km: String(cov.gapKm), limit: String(GAP_LIMIT) })}`;
}

/** The chart's URL: per country, every category. */
export function chartUrl() {
  const p = new URLSearchParams({ level: "country" });
  if (cv.state.topic) p.set("topic", cv.state.topic);
  if (cv.state.country) p.set("country", cv.state.country);
  return `/api/coverage?${p}`;
}
