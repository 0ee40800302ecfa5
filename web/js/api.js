// @ts-check
// The one client of this server's API: JSON in, problem+json errors surfaced
// as an `ApiError` whose message is the server's own words (its `detail`,
// else its `title`). A newer request of the same kind aborts the older one.

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
 * @returns {Promise<any>}
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
 * Whether `e` is an abort (a newer request took its place): not an error to show.
 * @param {unknown} e
 */
export function isAbort(e) {
  return e instanceof Error && e.name === "AbortError";
}
