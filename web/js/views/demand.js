// @ts-check
// The coverage view's "requests not met" panel: the help desk's anonymous
// demand log set against supply (/api/coverage/demand), areas ranked by
// unmet demand. The log is not public: the reader gives a token (viewer or
// higher), which stays in this page's memory only — never in the URL, the
// page's storage or a log line — and is sent to this server alone.

import { TOPICS } from "../i18n.js";
import { el, fillSelect } from "../dom.js";
import { ApiError, abort, isAbort, send } from "../api.js";

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** Periods the answer can be grouped by. */
const PERIODS = ["all", "year", "quarter", "month"];
/** Radii offered for "nearby", km. */
const RADII = [5, 10, 25];

/**
 * @typedef {object} DemandContext
 * @property {import("../state.js").State} state
 * @property {(key: string, vars?: Record<string, unknown>) => string} tr
 * @property {(v: number, options?: Intl.NumberFormatOptions) => string} num a number in the page's language
 */

/** @type {DemandContext | null} */
let ctx = null;
let token = "";
/** The last /api/coverage/demand answer. @type {import("../types.js").DemandAnswer | null} */
let answer = null;
let answered = ""; // the URL it answered
const choice = { period: "all", radius: 10 };

/**
 * The query for the current choices; the need and country follow the coverage view's topic and country.
 * @param {string} [format]
 */
function query(format) {
  const p = new URLSearchParams({ period: choice.period, radius_km: String(choice.radius) });
  if (ctx.state.topic && TOPICS.includes(ctx.state.topic)) p.set("need", ctx.state.topic);
  if (ctx.state.country) p.set("country", ctx.state.country);
  if (format) p.set("format", format);
  return `/api/coverage/demand?${p}`;
}

/** @param {string} text */
function say(text) {
  $("dem-status").textContent = text;
}

/**
 * Asks with the token; a refusal rejects with an Error saying it in the page's language.
 * @param {string} url
 * @param {string} accept
 * @param {string} kind "demand" (the table) or "demand-csv" (the download)
 */
async function ask(url, accept, kind) {
  try {
    return await send(url, { accept, token, kind });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const key = e.status === 401 ? "dem.unauthorized" : e.status === 403 ? "dem.forbidden" : "status.error";
    throw new Error(ctx.tr(key, { detail: e.problem.detail ?? `HTTP ${e.status}` }));
  }
}

/** Loads the answer for the current choices, if a token was given. */
export async function loadDemand() {
  if (!ctx || ctx.state.mode !== "coverage") return;
  if (!token) {
    answer = null;
    render();
    say(ctx.tr("dem.needToken"));
    return;
  }
  const url = query();
  say(ctx.tr("status.loading"));
  try {
    answer = await (await ask(url, "application/json", "demand")).json();
    answered = url;
    render();
    const n = answer.ranking.length;
    say(n ? ctx.tr("dem.count", { n: ctx.num(n) }) : ctx.tr("dem.none"));
  } catch (e) {
    if (isAbort(e)) return;
    answer = null;
    render();
    say(/** @type {Error} */ (e).message);
  }
}

/**
 * A published count: a number (rounded to a multiple of 5), or "<5" for 0 to 4.
 * @param {number | string} v
 */
function count(v) {
  return typeof v === "number" ? ctx.num(v) : ctx.tr("dem.fewer", { n: ctx.num(5) });
}

/** Draws the ranking table and the download button for the last answer. */
export function render() {
  if (!ctx) return;
  const tr = ctx.tr;
  fillSelect($("dem-period"), PERIODS.map((p) => [p, tr(`dem.period.${p}`)]), choice.period);
  fillSelect($("dem-radius"), RADII.map((k) => [String(k), ctx.num(k, { style: "unit", unit: "kilometer" })]), String(choice.radius));
  $("dem-caption").textContent = tr("dem.caption", { km: ctx.num(choice.radius) });
  const table = /** @type {HTMLTableElement} */ ($("dem-table"));
  table.dataset.query = answer ? answered : "";
  const columns = ["rank", "area", "requests", "unmet", "needs"];
  table.tHead?.replaceChildren(el("tr", {}, ...columns.map((c) => el("th", { scope: "col", className: c === "requests" || c === "unmet" || c === "rank" ? "num" : "", textContent: tr(`dem.col.${c}`) }))));
  const rows = (answer?.ranking ?? []).map((r) =>
    el(
      "tr",
      { dataset: { id: r.area } },
      el("td", { className: "num", textContent: ctx.num(r.rank), dataset: { key: "rank", value: String(r.rank) } }),
      el("th", { scope: "row", textContent: r.area_name ?? r.area }),
      el("td", { className: "num", textContent: count(r.requests), dataset: { key: "requests", value: String(r.requests) } }),
      el("td", { className: "num", textContent: count(r.unmet), dataset: { key: "unmet", value: String(r.unmet) } }),
      el("td", { textContent: r.unmet_needs.map((n) => tr(`topic.${n}`)).join(", "), dataset: { key: "needs", value: r.unmet_needs.join(",") } }),
    ),
  );
  table.tBodies[0].replaceChildren(...rows);
  // Published figures are rounded, and months appear once closed: say so.
  $("dem-note").textContent = answer ? tr("dem.rounded", { month: answer.published_through ?? "" }) : "";
  $("dem-results").hidden = !answer;
  /** @type {HTMLButtonElement} */ ($("dem-csv")).disabled = !answer;
}

/** Downloads the rows of the current choices as CSV (the token goes in a header, so not through a link). */
async function download() {
  try {
    const res = await ask(query("csv"), "text/csv", "demand-csv");
    const blob = await res.blob();
    const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "witgis-demand-vs-supply.csv";
    const a = /** @type {HTMLAnchorElement} */ (el("a", { href: URL.createObjectURL(blob), download: name }));
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } catch (e) {
    if (!isAbort(e)) say(/** @type {Error} */ (e).message);
  }
}

/**
 * Binds the panel's controls.
 * @param {DemandContext} context
 */
export function initDemand(context) {
  ctx = context;
  $("dem-form").addEventListener("submit", (e) => {
    e.preventDefault();
    token = input("dem-token").value.trim();
    loadDemand();
  });
  $("dem-forget").addEventListener("click", () => {
    token = "";
    input("dem-token").value = "";
    abort("demand");
    abort("demand-csv");
    loadDemand();
    $("dem-token").focus();
  });
  $("dem-period").addEventListener("change", (e) => {
    const v = /** @type {HTMLSelectElement} */ (e.target).value;
    choice.period = PERIODS.includes(v) ? v : "all";
    loadDemand();
  });
  $("dem-radius").addEventListener("change", (e) => {
    const km = Number(/** @type {HTMLSelectElement} */ (e.target).value);
    choice.radius = RADII.includes(km) ? km : 10;
    loadDemand();
  });
  $("dem-csv").addEventListener("click", download);
}
