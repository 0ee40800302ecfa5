// @ts-check
// What the help-desk view's modules share: what the fragment keeps (`desk`),
// the view's context (store, text, API client, map), and the status line.
// Filled by `mountDesk`; the modules read it when they run.

/** @typedef {import("./explore-context.js").Feature} Feature */

/**
 * @typedef {object} Referral the answer of /api/referral
 * @property {string} at when it was made
 * @property {{ lon: number, lat: number, approximate?: boolean } | null} point the point referred
 * @property {{ id: string, name: string } | null} [place] the place picked by name
 * @property {Array<{ id: string, name: string, loaded?: boolean }>} areas the areas holding the point or place (`loaded`: false for a municipio known by name only)
 * @property {string[]} notes what the answer does not know, in English
 * @property {NoteCode[]} [note_codes] the same notes as codes, for the page's language
 * @property {{ features: Feature[] }} competent the competent centres
 * @property {{ features: Feature[] }} nearest the nearest alternatives
 * @property {{ features: Feature[] }} [after_hours] services open after hours
 * @property {Array<{ id: string, name: string, reason: string, offered: boolean, competent: boolean, text: string }>} [warnings] services not offered today (closed, moved, suspended) and alerts on offered ones
 * @property {boolean} boundaries_loaded whether any area outline is loaded
 */

/**
 * @typedef {object} NoteCode a note of /api/referral as a code and its parameters
 * @property {string} code
 * @property {string} [place] the place picked by name it is about
 * @property {string[]} [areas] the ids of the areas it names
 * @property {number} [km] a radius
 */

/**
 * What the fragment keeps for the desk (need, open-now, referral language,
 * a place picked by name), and the last answer.
 */
export const desk = {
  need: "",
  openOnly: false,
  /** Rank by public transport (by=transit), leaving at `depart` (local, YYYY-MM-DDTHH:MM; "" is now). */
  byTransit: false,
  depart: "",
  textLang: "",
  /** @type {Referral | null} */
  answer: null,
  areasShown: true,
  /** @type {{ id: string, name: string, at: number[] | null } | null} */
  place: null,
};

/** The view's context, and what its modules share. */
export const dk = {
  /** @type {import("../state.js").State} */
  state: null,
  /** @type {(key: string, vars?: Record<string, unknown>) => string} */
  tr: (key) => key,
  /** @type {(kind: string, path: string) => Promise<unknown>} */
  getJson: async () => ({}),
  /** What /api/config said. @type {() => import("../map.js").Config} */
  getConfig: () => ({}),
  /** The MapLibre map, once made. @type {() => maplibregl.Map} */
  getMap: () => null,
  /** @type {() => boolean} */
  isMapReady: () => false,
  /** Sets the caller's point (the explore view's point). @type {(ll: number[]) => void} */
  setPoint: () => {},
  /** @type {() => void} */
  clearPoint: () => {},
  /** @type {() => void} */
  writeHash: () => {},
  /** Redraws the marks of the answer on the map. @type {() => void} */
  redrawHighlights: () => {},
  /** Whether the view is mounted. */
  mounted: false,
  /** Re-makes the text last shown, when its language changes. @type {(() => string) | null} */
  lastText: null,
  /** Whether any area outline is loaded (null: not known yet). @type {boolean | null} */
  boundaries: null,
  /** The place box's text the answer on screen (or its absence, and why) is for. @type {string | null} */
  asked: null,
  /** Counts the questions: an answer that arrives for an earlier one is dropped. */
  question: 0,
  /** Why no answer is shown (a previous one was cleared), in the page's language. */
  why: "",
};

/** An element of the page, by id. @param {string} id */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** An input of the page, by id. @param {string} id */
export const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
/** A button of the page, by id. @param {string} id */
export const button = (id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));

/** The language of the referral text: the caller's, else the page's. */
export const textLang = () => desk.textLang || dk.state.lang;

/**
 * Shows `text` in the desk's status line (or to screen readers only).
 * @param {string} text
 * @param {boolean} [screenReaderOnly]
 */
export function say(text, screenReaderOnly = false) {
  $("desk-status").textContent = text;
  $("desk-status").classList.toggle("sr-only", screenReaderOnly);
}
