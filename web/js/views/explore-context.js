// @ts-check
// What the explore view's modules share: the store, the text function, the
// map once made, the data of the last answers, and the actions one module
// asks of another. Filled by `mountExplore` and the bootstrap (app.js); the
// modules read it when they run. Imports run one way: explore.js imports the
// list, details, map and search modules, and they import only this one (and
// modules outside the view), never each other or explore.js.

import { CATEGORIES } from "../i18n.js";
import { isApprox } from "../facts.js";
import { fmtDistance } from "../format.js";

/** @typedef {import("../types.js").ResourceFeature} Feature a GeoJSON Feature of a resource, as the API gives it */

/**
 * A page of resources (`/api/resources`), and the nearest (`/api/nearest`)
 * with the covered country holding the point.
 * @typedef {{ features: Feature[], numberMatched?: number, origin?: { country?: string } | null }} ResourcePage
 */

export const ex = {
  /** @type {import("../state.js").Store} */
  store: null,
  /** @type {import("../state.js").State} */
  state: null,
  /** @type {(key: string, vars?: Record<string, unknown>) => string} */
  tr: (key) => key,
  /** @type {(kind: string, path: string) => Promise<unknown>} */
  getJson: async () => ({}),
  /** The MapLibre map, once made. @type {maplibregl.Map} */
  map: null,
  /** Whether the map has loaded its style and our layers. */
  mapReady: false,
  /** What /api/config said. @type {import("../map.js").Config} */
  config: {},
  /** The listed resources in the map's view, the pages asked for so far. @type {Feature[]} */
  resources: [],
  /** How many resources in the map's view match the filters (more than listed until all pages are asked for). */
  matched: 0,
  /** The resources without a point that match the filters. @type {Feature[]} */
  unlocated: [],
  /** How many resources without a point match the filters. */
  unlocatedMatched: 0,
  /** The nearest resources to the point, with distance_m. @type {Feature[]} */
  nearest: [],
  /** The covered country holding the point (the nearest answer's `origin`), or null. @type {string | null} */
  nearestOrigin: /** @type {string | null} */ (null),
  /** How many nearest were asked for. */
  nearestAsked: 0,
  /** Every feature seen in an answer, by id. @type {Map<string, Feature>} */
  known: new Map(),
  /** Resources per category. @type {Record<string, number>} */
  categoryCounts: {},
};

/**
 * A feature's id (top-level, else in its properties).
 * @param {Feature} f
 * @returns {string}
 */
export function featureId(f) {
  return f.id ?? f.properties.id;
}

/**
 * Remembers features for the details panel.
 * @param {Feature[]} features
 */
export function remember(features) {
  for (const f of features) ex.known.set(featureId(f), f);
}

/**
 * Shows `text` in the list's status line.
 * @param {string} text
 */
export function setStatus(text) {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}

/**
 * Shows an error in the status line.
 * @param {Error} e
 */
export function showError(e) {
  setStatus(ex.tr("status.error", { detail: e.message }));
}

/**
 * The API's filter parameters for the state's filters.
 * @returns {URLSearchParams}
 */
export function filterParams() {
  const { state } = ex;
  const p = new URLSearchParams();
  if (state.categories.size !== CATEGORIES.length) p.set("category", [...state.categories].join(","));
  if (state.country) p.set("country", state.country);
  if (state.topic) p.set("topic", state.topic);
  if (state.q) p.set("q", state.q);
  return p;
}

/**
 * The distance to a feature's point; "≈ 2 km" when the point is approximate.
 * @param {Feature["properties"]} p the feature's properties
 */
export function distanceText(p) {
  return fmtDistance(ex.state.lang, p.distance_m, isApprox(p));
}

/**
 * An action not wired yet: calling it before `mountExplore` is a bug, said
 * at once rather than doing nothing.
 * @param {string} name
 * @returns {() => never}
 */
const unwired = (name) => () => {
  throw new Error(`explore action ${name} called before mountExplore wired it`);
};

/**
 * What the list, details, map and search modules ask of each other and of
 * the view, wired once by `mountExplore` (explore.js): a module calls
 * `actions.select(id)` instead of importing the module that selects.
 */
export const actions = {
  /**
   * Opens the details of a resource (explore-details.js).
   * @type {(id: string, options?: { fly?: boolean, from?: Element | null, focus?: boolean }) => Promise<void>}
   */
  select: unwired("select"),
  /** Loads the listed resources, the next page with `more` (explore.js). @type {(more?: boolean) => Promise<void>} */
  loadResources: unwired("loadResources"),
  /** Sets the point the nearest are measured from (explore.js). @type {(lonlat: [number, number]) => void} */
  setPoint: unwired("setPoint"),
  /** Reloads the list and the map for the filters (explore.js). @type {() => void} */
  reload: unwired("reload"),
  /** Shows or hides the text filter's chip (explore.js). @type {() => void} */
  renderTextFilter: unwired("renderTextFilter"),
  /** Redraws the map's highlighted marks (explore-map.js). @type {() => void} */
  updateHighlights: unwired("updateHighlights"),
};
