// Editor mode: for editors and admins, with a token typed into the page and
// kept in this module's memory only. Create, edit (as a merge patch of what
// changed, with If-Match), move the point, verify today, delete, restore,
// read the history, and the data-quality work list. A conflict (412) shows
// both versions and lets the editor reapply: no edit is lost silently.

import { buildForm, differences, fill, mergePatch, read, relabel, setPoint, showErrors, shown, typedPoint, clearErrors } from "./editor-form.js";
import { el } from "./dom.js";
import { fmtDateTime } from "./format.js";

const $ = (id) => document.getElementById(id);

let ctx = null; // { state, tr, getMap, onChanged(id, feature|null) }
/** The token (memory only), the open record, its ETag and its stored Feature. */
const ed = { token: "", id: null, etag: null, base: null, marker: null };

const version = (etag) => (etag ?? "").replace(/\D/g, "");

function say(text) {
  $("ed-status").textContent = text;
}

/** Calls this server's API with the token; never throws for HTTP errors. */
async function call(method, path, { body, type, ifMatch } = {}) {
  const headers = { accept: "application/geo+json, application/json" };
  if (ed.token) headers.authorization = `Bearer ${ed.token}`;
  if (type) headers["content-type"] = type;
  if (ifMatch) headers["if-match"] = ifMatch;
  try {
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    return { status: res.status, ok: res.ok, etag: res.headers.get("etag"), data };
  } catch (e) {
    return { status: 0, ok: false, data: { detail: e.message } };
  }
}

function fail(r) {
  say(ctx.tr("ed.error", { detail: r.data?.detail ?? `HTTP ${r.status}` }));
}

function needToken() {
  if (ed.token) return false;
  say(ctx.tr("ed.needToken"));
  $("ed-token").focus();
  return true;
}

// ---------------------------------------------------------------- marker ----
function placeMarker() {
  const map = ctx.getMap();
  const point = typedPoint();
  if (!map || !window.maplibregl) return;
  if (!Array.isArray(point) || $("editor").hidden) {
    ed.marker?.remove();
    ed.marker = null;
    return;
  }
  if (!ed.marker) {
    ed.marker = new window.maplibregl.Marker({ draggable: true, color: "#b35900" });
    ed.marker.on("dragend", () => {
      const { lng, lat } = ed.marker.getLngLat();
      setPoint(lng, lat);
    });
  }
  ed.marker.setLngLat(point).addTo(map);
  ed.marker.getElement().setAttribute("aria-hidden", "true");
}

// ---------------------------------------------------------------- record ----
function show(feature, etag) {
  ed.base = feature;
  ed.etag = etag;
  ed.id = feature?.id ?? null;
  $("ed-form").hidden = false;
  $("ed-conflict").hidden = true;
  $("ed-history-box").hidden = true;
  fill(feature);
  for (const id of ["ed-verified", "ed-delete", "ed-history"]) $(id).hidden = !feature;
  $("ed-restore").hidden = true;
  placeMarker();
}

/** Opens a record by id. */
export async function openRecord(id) {
  const r = await call("GET", `/api/resources/${encodeURIComponent(id)}`);
  if (!r.ok) return fail(r);
  show(r.data, r.etag);
  const map = ctx.getMap();
  if (map && r.data.geometry) map.easeTo({ center: r.data.geometry.coordinates, zoom: Math.max(map.getZoom(), 13), duration: 0 });
  $("ed-id").value = id;
  say(ctx.tr("ed.loaded", { id, v: version(r.etag) }));
  $("ed-f-name").focus();
}

function startNew() {
  show(null, null);
  say("");
  $("ed-f-id").focus();
}

function formFeature() {
  const { feature, errors } = read(ctx.tr);
  if (errors) {
    showErrors(errors);
    return null;
  }
  return feature;
}

/** Sends a merge patch with `etag`; a 412 opens the conflict. */
async function sendPatch(patch, etag) {
  const r = await call("PATCH", `/api/resources/${encodeURIComponent(ed.id)}`, { body: patch, type: "application/merge-patch+json", ifMatch: etag });
  if (r.ok) {
    show(r.data, r.etag);
    say(ctx.tr("ed.saved", { v: version(r.etag) }));
    ctx.onChanged(ed.id, r.data);
  } else if (r.status === 422 || r.status === 400) {
    const rest = showErrors(r.data?.invalid_params);
    say([ctx.tr("ed.invalid"), ...rest].join(" "));
  } else if (r.status === 412) {
    await conflict(patch);
  } else fail(r);
}

async function save(extra = null) {
  if (needToken()) return;
  clearErrors();
  const feature = formFeature();
  if (!feature) return say(ctx.tr("ed.invalid"));
  if (!ed.base) {
    const r = await call("POST", "/api/resources", { body: feature, type: "application/geo+json" });
    if (r.ok) {
      show(r.data, r.etag);
      say(ctx.tr("ed.created", { id: r.data.id }));
      ctx.onChanged(r.data.id, r.data);
    } else if (r.status === 422 || r.status === 400 || r.status === 409) {
      const rest = showErrors(r.data?.invalid_params ?? (r.status === 409 ? [{ name: "id", reason: r.data?.detail }] : []));
      say([ctx.tr("ed.invalid"), ...rest].join(" "));
    } else fail(r);
    return;
  }
  let patch = mergePatch(ed.base, feature);
  if (extra) patch = { ...patch, properties: { ...(patch?.properties ?? {}), ...extra } };
  if (!patch) return say(ctx.tr("ed.nothing"));
  await sendPatch(patch, ed.etag);
}

/** Today in the editor's own calendar, YYYY-MM-DD. */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// -------------------------------------------------------------- conflict ----
/**
 * Someone else saved first: both versions side by side, and a choice. `patch`
 * is the change refused (null for a delete, which is then what is retried).
 */
async function conflict(patch) {
  const r = await call("GET", `/api/resources/${encodeURIComponent(ed.id)}`);
  if (!r.ok) return fail(r);
  const theirs = r.data;
  const tr = ctx.tr;
  const change = patch ?? {};
  const mine = { ...ed.base, properties: { ...ed.base.properties, ...(change.properties ?? {}) }, geometry: "geometry" in change ? change.geometry : ed.base.geometry };
  const fields = new Map();
  for (const [k] of [...differences(ed.base, mine), ...differences(ed.base, theirs), ...differences(mine, theirs)]) fields.set(k, true);
  const value = (f, k) => (k === "geometry" ? f.geometry : f.properties?.[k]);
  const rows = [...fields.keys()].map((k) =>
    el("tr", { dataset: { field: k } }, el("th", { scope: "row", textContent: k }), el("td", { className: "mine", textContent: shown(value(mine, k)) }), el("td", { className: "theirs", textContent: shown(value(theirs, k)) })),
  );
  const table = el("table", { className: "cov-table" }, el("thead", {}, el("tr", {}, ...["ed.field", "ed.mine", "ed.theirs"].map((key) => el("th", { scope: "col", textContent: tr(key) })))), el("tbody", {}, ...rows));
  const reapply = el("button", { type: "button", className: "btn", id: "ed-reapply", textContent: tr(patch ? "ed.reapply" : "ed.delete") });
  const discard = el("button", { type: "button", className: "btn", id: "ed-discard", textContent: tr("ed.takeTheirs") });
  reapply.addEventListener("click", () => {
    ed.base = theirs;
    ed.etag = r.etag;
    if (patch) sendPatch(patch, r.etag);
    else remove();
  });
  discard.addEventListener("click", () => {
    show(theirs, r.etag);
    say(ctx.tr("ed.loaded", { id: ed.id, v: version(r.etag) }));
    $("ed-f-name").focus();
  });
  const box = $("ed-conflict");
  box.replaceChildren(el("p", { role: "alert", textContent: tr("ed.conflict", { v: version(r.etag) }) }), table, el("p", { className: "buttons" }, reapply, discard));
  box.hidden = false;
  say(tr("ed.conflict", { v: version(r.etag) }));
  reapply.focus();
}

// ------------------------------------------------------ delete & history ----
async function remove() {
  if (needToken()) return;
  const r = await call("DELETE", `/api/resources/${encodeURIComponent(ed.id)}`, { ifMatch: ed.etag });
  if (r.status === 412) return conflict(null);
  if (!r.ok) return fail(r);
  $("ed-conflict").hidden = true;
  say(ctx.tr("ed.deleted", { id: ed.id }));
  $("ed-restore").hidden = false;
  $("ed-restore").focus();
  ctx.onChanged(ed.id, null);
}

async function restore() {
  if (needToken()) return;
  const r = await call("POST", `/api/resources/${encodeURIComponent(ed.id)}/restore`);
  if (!r.ok) return fail(r);
  show(r.data, r.etag);
  say(ctx.tr("ed.restored", { id: ed.id }));
  ctx.onChanged(ed.id, r.data);
}

async function history() {
  if (needToken()) return;
  const r = await call("GET", `/api/resources/${encodeURIComponent(ed.id)}/history`);
  if (!r.ok) return fail(r);
  const items = [...r.data.changes].reverse().map((c) => {
    const diff = differences(c.before, c.after).map(([k, a, b]) => el("li", { textContent: `${k}: ${shown(a)} → ${shown(b)}`, dataset: { field: k } }));
    const head = ctx.tr("ed.change", { at: fmtDateTime(ctx.state.lang, new Date(c.at)), actor: c.actor, action: c.action });
    return el("li", { dataset: { version: String(c.version), action: c.action } }, el("p", { textContent: head }), el("ul", {}, ...diff));
  });
  $("ed-history-list").replaceChildren(...items);
  $("ed-history-box").hidden = false;
}

// ------------------------------------------------------------- work list ----
const PROBLEMS = [
  ["missing_phone", "ed.q.missing_phone"],
  ["missing_hours", "ed.q.missing_hours"],
  ["missing_address", "ed.q.missing_address"],
  ["missing_source_url", "ed.q.missing_source_url"],
  ["never_verified", "ed.q.never_verified"],
  ["stale", "ed.q.stale"],
];

async function workList() {
  const r = await call("GET", "/api/quality");
  if (!r.ok) return fail(r);
  const tr = ctx.tr;
  $("ed-quality-count").textContent = tr("ed.workCount", { n: r.data.work_list.length });
  $("ed-worklist").replaceChildren(
    ...r.data.work_list.map((p) => {
      const words = PROBLEMS.filter(([k]) => p[k]).map(([, key]) => tr(key));
      if (p.shares_point_with.length) words.push(tr("ed.q.shares_point"));
      if (p.outside_served_areas.length) words.push(tr("ed.q.outside"));
      const b = el("button", { type: "button", className: "linkish", textContent: p.name, dataset: { id: p.id } });
      b.addEventListener("click", () => openRecord(p.id));
      return el("li", { dataset: { id: p.id } }, b, el("span", { className: "sub", textContent: ` — ${words.join(", ")}` }));
    }),
  );
}

// ------------------------------------------------------------------ init ----
/** Re-labels the editor in the page's language (the static texts follow data-i18n). */
export function renderEditor() {
  if (ctx) relabel(ctx.tr);
}

function toggle(on) {
  $("editor").hidden = !on;
  $("mode-edit").setAttribute("aria-pressed", String(on));
  placeMarker();
  if (on) $(ed.token ? "ed-id" : "ed-token").focus();
}

export function initEditor(context) {
  ctx = context;
  buildForm($("ed-fields"), ctx.tr);
  $("mode-edit").addEventListener("click", () => toggle($("editor").hidden));
  $("ed-token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    ed.token = $("ed-token").value.trim();
    say("");
    $("ed-id").focus();
  });
  $("ed-forget").addEventListener("click", () => {
    ed.token = "";
    $("ed-token").value = "";
    $("ed-token").focus();
  });
  $("ed-open-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const id = $("ed-id").value.trim();
    if (id) openRecord(id);
  });
  $("ed-selected").addEventListener("click", () => ctx.state.selected && openRecord(ctx.state.selected));
  $("ed-new").addEventListener("click", startNew);
  $("ed-form").addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  $("ed-verified").addEventListener("click", () => save({ last_verified: today() }));
  $("ed-delete").addEventListener("click", remove);
  $("ed-restore").addEventListener("click", restore);
  $("ed-history").addEventListener("click", history);
  $("ed-quality").addEventListener("click", workList);
  for (const k of ["lon", "lat"]) $(`ed-f-${k}`).addEventListener("change", placeMarker);
}
