// @ts-check
// The one client of this server's API: JSON in, problem+json errors surfaced
// as an `ApiError` whose message is the server's own words (its `detail`,
// else its `title`). A newer request of the same kind aborts the older one.
// `getJson` reads; `send` writes, carries a token or downloads.

/** An answer that was not 2xx: the HTTP status and the problem document. */
export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status
   * @param {{ title?: string, detail?: string, [k: string]: unknown }} problem the problem+json body (or {})
   */
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

/** @type {Record<string, AbortController>} */
const controllers = {};

/**
 * GETs `path` as JSON. A request of the same `kind` still running is aborted
 * (it rejects with an AbortError, which callers ignore).
 * @param {string} kind what the request is for ("resources", "nearest", ...)
 * @param {string} path the URL, on this server
 * @returns {Promise<unknown>}
 */
export async function getJson(kind, path) {
  controllers[kind]?.abort();
  const ctl = (controllers[kind] = new AbortController());
  const res = await fetch(path, { signal: ctl.signal, headers: { accept: "application/json, application/problem+json" } });
  // A newer request of the same kind aborts this one, also while its body is
  // read: that must reject (AbortError), not answer an empty object.
  const body = await res.json().catch((e) => {
    if (ctl.signal.aborted) throw e;
    return {};
  });
  if (!res.ok) throw new ApiError(res.status, body && typeof body === "object" ? body : {});
  return body;
}

/**
 * @typedef {object} SendOptions
 * @property {string} [method] the HTTP method (GET)
 * @property {string} [kind] what the request is for: a newer request of the same kind aborts this one
 * @property {string} [token] a bearer token, sent to this server alone (no cookies, no referrer)
 * @property {unknown} [body] sent as JSON
 * @property {string} [type] the body's media type
 * @property {string} [ifMatch] the ETag the change is made to
 * @property {string} [accept] the media types accepted (JSON and problem+json)
 */

/**
 * Sends a request to this server (a write, a request with a token, a
 * download) and answers the 2xx Response, whose body the caller reads. Any
 * other answer rejects with an `ApiError` (the problem document, or {});
 * an abort (a newer request of the same `kind`, or `abort(kind)`) with an
 * AbortError; a network failure with the browser's TypeError.
 * @param {string} path the URL, on this server
 * @param {SendOptions} [options]
 * @returns {Promise<Response>}
 */
export async function send(path, { method = "GET", kind, token, body, type, ifMatch, accept = "application/json, application/problem+json" } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept };
  if (token) headers.authorization = `Bearer ${token}`;
  if (type) headers["content-type"] = type;
  if (ifMatch) headers["if-match"] = ifMatch;
  /** @type {RequestInit} */
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  if (token) Object.assign(init, { credentials: "omit", referrerPolicy: "no-referrer" });
  if (kind) {
    controllers[kind]?.abort();
    init.signal = (controllers[kind] = new AbortController()).signal;
  }
  const res = await fetch(path, init);
  if (res.ok) return res;
  const problem = await res.json().catch((e) => {
    if (init.signal?.aborted) throw e;
    return {};
  });
  throw new ApiError(res.status, problem && typeof problem === "object" ? problem : {});
}

/**
 * Aborts the request of `kind` still running, if any (its caller sees an AbortError).
 * @param {string} kind
 */
export function abort(kind) {
  controllers[kind]?.abort();
}

/**
 * Whether `e` is an abort (a newer request took its place): not an error to show.
 * @param {unknown} e
 */
export function isAbort(e) {
  return e instanceof Error && e.name === "AbortError";
}
