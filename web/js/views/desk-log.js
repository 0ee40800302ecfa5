// @ts-check
// The help desk's demand log: after an answer, the operator logs the
// request (POST /api/demand) from closed lists only — the need, the channel,
// who asked, the area of the place asked (never its point), the services
// referred to, picked from the answer — sees the record, can undo it within
// the API's ownership window (DELETE /api/demand/{id}) and sees the
// requests their token logged in that window (GET /api/demand/recent). The
// token stays in this page's memory only (the input), never in the URL, the
// page's storage or a log line, and is sent to this server alone.

import { TOPICS } from "../i18n.js";
import { el, fillSelect } from "../dom.js";
import { ApiError, send } from "../api.js";
import { $, desk, dk, input } from "./desk-context.js";

/** The closed lists of /api/demand. */
export const CHANNELS = ["phone", "email", "in_person"];
export const REQUESTERS = ["person_concerned", "family_member", "service_staff", "other"];
/** The fields a refusal can name, each with its error line next to it. */
const FIELDS = ["token", "need", "channel", "requester", "area", "referred_to"];

/** The record last logged (for its confirmation and undo). @type {import("../types.js").DemandRecord | null} */
let logged = null;
/** The services of the answer it was logged from: id → name. @type {Map<string, string>} */
let loggedNames = new Map();
/** The records of the last 24 hours, as /api/demand/recent answered (null: not asked). @type {import("../types.js").DemandRecord[] | null} */
let recent = null;
/** Area id → name, from the answers and /api/areas. @type {Map<string, string>} */
export const areaNames = new Map();

const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ ($(id));
const token = () => input("log-token").value.trim();

/**
 * Shows (or with "" hides) the refusal next to a field.
 * @param {string} field
 * @param {string} text
 */
function fieldError(field, text) {
  const p = $(`log-${field}-err`);
  p.hidden = !text;
  p.textContent = text;
  const control = field === "referred_to" ? $("log-referred") : $(`log-${field}`);
  if (text) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
}

/** @param {string} text */
function say(text) {
  $("log-status").textContent = text;
}

/** The areas a request can be logged under: the loaded areas of the answer, smallest first. */
function loggableAreas() {
  return (desk.answer?.areas ?? []).filter((a) => a.loaded !== false);
}

/** The services of the answer, once each: competent, alternatives, after hours. */
function answerServices() {
  const a = desk.answer;
  const seen = new Map();
  for (const f of [...(a?.competent.features ?? []), ...(a?.nearest.features ?? []), ...(a?.after_hours?.features ?? [])]) {
    const id = f.id ?? f.properties.id;
    if (!seen.has(id)) seen.set(id, f.properties.name);
  }
  return seen;
}

/**
 * Re-makes the form for the answer on screen (or hides it: no answer, no
 * log), keeping the choices already made where they still hold.
 */
export function renderLog() {
  const tr = dk.tr;
  const a = desk.answer;
  $("log-form").hidden = !a;
  $("log-wait").hidden = Boolean(a);
  for (const area of a?.areas ?? []) areaNames.set(area.id, area.name);
  const keep = (/** @type {string} */ id) => select(id).value;
  const choose = /** @type {[string, string]} */ (["", tr("log.choose")]);
  const need = keep("log-need") || desk.need;
  fillSelect($("log-need"), [choose, ...TOPICS.map((c) => /** @type {[string, string]} */ ([c, tr(`topic.${c}`)]))], TOPICS.includes(need) ? need : "");
  fillSelect($("log-channel"), [choose, ...CHANNELS.map((c) => /** @type {[string, string]} */ ([c, tr(`channel.${c}`)]))], keep("log-channel"));
  fillSelect($("log-requester"), [choose, ...REQUESTERS.map((c) => /** @type {[string, string]} */ ([c, tr(`requester.${c}`)]))], keep("log-requester"));
  // The area of the place asked: one holds it, or the caller's street decides among several.
  const areas = loggableAreas();
  const areaOptions = areas.map((x) => /** @type {[string, string]} */ ([x.id, x.name]));
  const split = (a?.areas.length ?? 0) > 1 && a?.place;
  const wanted = areas.some((x) => x.id === keep("log-area")) ? keep("log-area") : split ? "" : (areas[0]?.id ?? "");
  fillSelect($("log-area"), areaOptions.length ? [[ "", tr(split ? "log.chooseArea" : "log.choose")], ...areaOptions] : [["", tr("log.noArea")]], wanted);
  select("log-area").disabled = !areaOptions.length;
  // The services referred to, picked from the answer (ticked ones kept).
  const ticked = new Set([...document.querySelectorAll("#log-services input:checked")].map((x) => /** @type {HTMLInputElement} */ (x).value));
  const services = [...answerServices()].map(([id, name]) => {
    const box = /** @type {HTMLInputElement} */ (el("input", { type: "checkbox", value: id }));
    box.checked = ticked.has(id);
    return el("label", {}, box, ` ${name}`);
  });
  $("log-services").replaceChildren(...services);
  renderDone();
  renderRecent();
}

/** The confirmation of the record last logged, with undo. */
function renderDone() {
  const tr = dk.tr;
  $("log-done").hidden = !logged;
  if (!logged) return;
  const referred = logged.referred_to.map((id) => loggedNames.get(id) ?? id);
  const rows = [
    ["log.date", logged.date],
    ["log.need", tr(`topic.${logged.need}`)],
    ["log.channel", tr(`channel.${logged.channel}`)],
    ["log.requester", tr(`requester.${logged.requester}`)],
    ["log.area", areaNames.get(logged.area) ?? logged.area],
    ["log.referred", referred.length ? referred.join("; ") : tr("log.noneReferred")],
  ];
  $("log-record").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { textContent: tr(k) }), el("dd", { textContent: v })]));
  $("log-record").dataset.id = logged.id;
}

/** The requests this token logged in the last 24 hours, newest first. */
function renderRecent() {
  const tr = dk.tr;
  const list = $("log-recent");
  if (recent === null) {
    list.replaceChildren();
    return;
  }
  if (!recent.length) {
    list.replaceChildren(el("li", { className: "none", textContent: tr("log.recentNone") }));
    return;
  }
  list.replaceChildren(
    ...[...recent].reverse().map((r) => {
      const bits = [r.date, tr(`topic.${r.need}`), tr(`channel.${r.channel}`), tr(`requester.${r.requester}`), areaNames.get(r.area) ?? r.area, tr("log.services", { count: r.referred_to.length, n: r.referred_to.length })];
      return el("li", { textContent: bits.join(" · "), dataset: { id: r.id } });
    }),
  );
}

/**
 * Says a refusal of the API in the page's language, next to the field it
 * names (the API's own words are English: only which field it names is used).
 * @param {unknown} e
 */
function refused(e) {
  const tr = dk.tr;
  if (!(e instanceof ApiError)) return say(tr("log.err.network"));
  if (e.status === 401 || e.status === 403) {
    fieldError("token", tr(e.status === 401 ? "log.err.token" : "log.err.role"));
    return say(tr("log.err.fields"));
  }
  const named = /** @type {Array<{ name: string }>} */ (e.problem.invalid_params ?? []).map((p) => (p.name === "lon" || p.name === "lat" ? "area" : p.name));
  if ((e.status === 400 || e.status === 422) && named.length) {
    for (const field of named) if (FIELDS.includes(field)) fieldError(field, tr(`log.err.${field}`));
    return say(tr("log.err.fields"));
  }
  say(tr(e.status === 503 ? "log.err.unavailable" : "log.err.other", { status: e.status }));
}

/** Asks for the records this token logged in the last 24 hours. */
async function loadRecent() {
  try {
    const res = await send("/api/demand/recent", { token: token(), kind: "demand-recent" });
    recent = (await res.json()).records ?? [];
  } catch {
    recent = null;
  }
  renderRecent();
}

/** Logs the request from the form. */
async function logRequest() {
  const tr = dk.tr;
  for (const f of FIELDS) fieldError(f, "");
  if (!token()) {
    fieldError("token", tr("log.err.needToken"));
    input("log-token").focus();
    return;
  }
  /** @type {Record<string, unknown>} */
  const body = {};
  for (const f of ["need", "channel", "requester", "area"]) {
    const v = select(`log-${f}`).value;
    if (v) body[f] = v;
  }
  body.referred_to = [...document.querySelectorAll("#log-services input:checked")].map((x) => /** @type {HTMLInputElement} */ (x).value);
  say(tr("log.saving"));
  try {
    const res = await send("/api/demand", { method: "POST", token: token(), body, type: "application/json" });
    logged = await res.json();
    loggedNames = answerServices();
    say(tr("log.done"));
    renderDone();
    await loadRecent();
    $("log-undo").focus();
  } catch (e) {
    refused(e);
  }
}

/** Withdraws the record last logged (within the API's ownership window). */
async function undo() {
  const tr = dk.tr;
  if (!logged) return;
  try {
    await send(`/api/demand/${encodeURIComponent(logged.id)}`, { method: "DELETE", token: token() });
    logged = null;
    say(tr("log.undone"));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) say(tr("log.err.gone"));
    else refused(e);
  }
  renderDone();
  await loadRecent();
}

/** Binds the log's controls. */
export function bindLog() {
  $("log-form").addEventListener("submit", (e) => {
    e.preventDefault();
    logRequest();
  });
  $("log-undo").addEventListener("click", undo);
  $("log-forget").addEventListener("click", () => {
    input("log-token").value = "";
    recent = null;
    for (const f of FIELDS) fieldError(f, "");
    renderRecent();
    say(dk.tr("log.forgotten"));
    input("log-token").focus();
  });
}
