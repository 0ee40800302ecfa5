// @ts-check
// The URL fragment as a small store: the page is a function of what the
// fragment keeps. Views register the parts they keep (`addPart`), the map
// gives its view (`setViewSource`), and `subscribe` hears of a fragment
// changed from outside (a pasted link, the back button).

import { CATEGORIES, COUNTRIES, TOPICS, pickLanguage } from "./i18n.js";

/**
 * @typedef {object} State everything the URL keeps
 * @property {string} lang the page's language
 * @property {Set<string>} categories categories shown
 * @property {string} country country filter ("" for all)
 * @property {string} topic topic filter ("" for all)
 * @property {string} q text filter
 * @property {[number, number] | null} point the chosen point, [lon, lat]
 * @property {string | null} selected the resource whose details are open
 * @property {{ zoom: number, lat: number, lon: number } | null} view the map's view
 * @property {string} mode "" (map), "desk" (help desk) or "coverage"
 */

/**
 * @typedef {object} HashPart what a view keeps in the fragment
 * @property {(p: URLSearchParams) => void} read takes its values from the fragment
 * @property {(p: URLSearchParams, state: State) => void} write puts its values in the fragment
 */

/** The modes besides the map. */
export const MODES = ["desk", "coverage"];

/**
 * A point from "lon,lat", or null when it is not one.
 * @param {string | null | undefined} text
 * @returns {[number, number] | null}
 */
export function parsePair(text) {
  const v = (text ?? "").split(",").map(Number);
  if (v.length !== 2 || !v.every(Number.isFinite)) return null;
  if (Math.abs(v[0]) > 180 || Math.abs(v[1]) > 90) return null;
  return [v[0], v[1]];
}

/** The fragment store of the page. */
export function createStore() {
  /** @type {State} */
  const state = {
    lang: "en",
    categories: new Set(CATEGORIES),
    country: "",
    topic: "",
    q: "",
    point: null,
    selected: null,
    view: null,
    mode: "",
  };
  /** @type {HashPart[]} */
  const parts = [];
  /** @type {Array<() => void>} */
  const listeners = [];
  /** @type {() => string | null} */
  let viewSource = () => null;
  let written = "";

  /** Reads the fragment (and the browser's languages) into the state. */
  function read() {
    const p = new URLSearchParams(location.hash.slice(1));
    const langs = [p.get("lang"), ...(navigator.languages ?? [navigator.language])].filter((x) => typeof x === "string");
    state.lang = pickLanguage(/** @type {string[]} */ (langs));
    const cats = p.get("cat");
    state.categories = new Set(cats === null ? CATEGORIES : cats.split(",").filter((c) => CATEGORIES.includes(c)));
    const country = p.get("country") ?? "";
    state.country = COUNTRIES.includes(country) ? country : "";
    const topic = p.get("topic") ?? "";
    state.topic = TOPICS.includes(topic) ? topic : "";
    state.q = (p.get("q") ?? "").trim();
    state.point = parsePair(p.get("pt"));
    state.selected = p.get("sel") || null;
    const mode = p.get("mode") ?? "";
    state.mode = MODES.includes(mode) ? mode : "";
    for (const part of parts) part.read(p);
    const view = (p.get("map") ?? "").split("/").map(Number);
    state.view = view.length === 3 && view.every(Number.isFinite) ? { zoom: view[0], lat: view[1], lon: view[2] } : null;
  }

  /** Writes the state into the fragment (replacing the history entry). */
  function write() {
    const p = new URLSearchParams();
    p.set("lang", state.lang);
    if (state.mode) p.set("mode", state.mode);
    for (const part of parts) part.write(p, state);
    if (state.categories.size !== CATEGORIES.length) p.set("cat", CATEGORIES.filter((c) => state.categories.has(c)).join(","));
    if (state.country) p.set("country", state.country);
    if (state.topic) p.set("topic", state.topic);
    if (state.q) p.set("q", state.q);
    if (state.point) p.set("pt", state.point.map((v) => v.toFixed(5)).join(","));
    if (state.selected) p.set("sel", state.selected);
    const view = viewSource();
    if (view) p.set("map", view);
    written = "#" + p.toString().replace(/%2C/g, ",").replace(/%2F/g, "/");
    if (location.hash !== written) history.replaceState(null, "", written);
  }

  window.addEventListener("hashchange", () => {
    if (location.hash === written || !location.hash.includes("=")) return;
    read();
    for (const fn of listeners) fn();
  });

  return {
    state,
    read,
    write,
    /** @param {HashPart} part a view's part of the fragment (read after the common part) */
    addPart: (part) => void parts.push(part),
    /** @param {() => string | null} fn the map's view as "zoom/lat/lon", or null */
    setViewSource: (fn) => void (viewSource = fn),
    /** @param {() => void} fn called after the fragment changed from outside and was read */
    subscribe: (fn) => void listeners.push(fn),
  };
}

/** @typedef {ReturnType<typeof createStore>} Store */
