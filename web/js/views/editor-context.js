// @ts-check
// What the editor's modules share: the token (in memory only), the open
// record, the context (store, text, map), the status line, and the calls to
// this server's API with the token (through the one client, api.js).

import { ApiError, send } from "../api.js";

/** An element of the editor, by id. @param {string} id */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** An input of the editor, by id. @param {string} id */
export const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** The editor's context, filled by `mountEditor`. */
export const ec = {
  /** @type {import("../state.js").State} */
  state: null,
  /** @type {(key: string, vars?: Record<string, unknown>) => string} */
  tr: (key) => key,
  /** The MapLibre map, once made. @type {() => maplibregl.Map} */
  getMap: () => null,
  /** After a write: the record as stored now (null when deleted). @type {(id: string, feature: import("./explore-context.js").Feature | null) => void} */
  onChanged: () => {},
  /** Whether the editor is mounted. */
  mounted: false,
};
/** The token (memory only), the open record, its ETag and its stored Feature. */
export const ed = {
  token: "",
  /** @type {string | null} */
  id: null,
  /** @type {string | null} */
  etag: null,
  /** @type {import("./explore-context.js").Feature | null} */
  base: null,
  /** @type {maplibregl.Marker | null} */
  marker: null,
};

/** The version number an ETag names. @param {string | null} etag */
export const version = (etag) => (etag ?? "").replace(/\D/g, "");

/** Shows `text` in the editor's status line. @param {string} text */
export function say(text) {
  $("ed-status").textContent = text;
}

/**
 * @typedef {object} Answer what a call answered: never an exception
 * @property {number} status the HTTP status (0: no answer)
 * @property {boolean} ok
 * @property {string | null} [etag]
 * @property {any} data the body (a Feature, a problem document, or null)
 */

/**
 * Calls this server's API with the token; never throws for HTTP errors.
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, type?: string, ifMatch?: string | null }} [o]
 * @returns {Promise<Answer>}
 */
export async function call(method, path, { body, type, ifMatch } = {}) {
  try {
    const res = await send(path, { method, token: ed.token, body, type, ifMatch: ifMatch ?? undefined, accept: "application/geo+json, application/json" });
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    return { status: res.status, ok: true, etag: res.headers.get("etag"), data };
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, ok: false, etag: null, data: e.problem };
    return { status: 0, ok: false, data: { detail: /** @type {Error} */ (e).message } };
  }
}

/** Says what went wrong, in the server's words. @param {Answer} r */
export function fail(r) {
  say(ec.tr("ed.error", { detail: r.data?.detail ?? `HTTP ${r.status}` }));
}

/** Asks for the token when none was given; true then (the call is not made). */
export function needToken() {
  if (ed.token) return false;
  say(ec.tr("ed.needToken"));
  $("ed-token").focus();
  return true;
}

