// @ts-check
// What the explore view's modules share: the store, the text function, the
// map once made, and the data of the last answers. Filled by `mountExplore`
// and the bootstrap (app.js); the modules read it when they run.

/**
 * @typedef {object} Feature a GeoJSON Feature of a resource, as the API gives it
 * @property {string} [id]
 * @property {{ type: string, coordinates: [number, number] } | null} geometry
 * @property {Record<string, any>} properties
 */

export const ex = {
  /** @type {import("../state.js").Store} */
  store: /** @type {any} */ (null),
  /** @type {import("../state.js").State} */
  state: /** @type {any} */ (null),
  /** @type {(key: string, vars?: Record<string, unknown>) => string} */
  tr: (key) => key,
  /** @type {(kind: string, path: string) => Promise<any>} */
  getJson: async () => ({}),
  /** The MapLibre map, once made. @type {any} */
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
