// @ts-check
// Editor mode: for editors and admins, with a token typed into the page and
// kept in its memory only (editor-context.js). Create, edit (as a merge
// patch of what changed, with If-Match), move the point, verify today,
// delete, restore, read the history, and the data-quality work list. A conflict (412) shows
// both versions and lets the editor reapply: no edit is lost silently.

import { buildForm, differences, fill, mergePatch, read, relabel, setPoint, showErrors, shown, typedPoint, clearErrors } from "./editor-form.js";
import { el } from "../dom.js";
import { $, call, ec, ed, fail, input, needToken, say, version } from "./editor-context.js";
import { history, workList } from "./editor-lists.js";

// ---------------------------------------------------------------- marker ----
function placeMarker() {
  const map = ec.getMap();
  const point = typedPoint();
  if (!map || typeof maplibregl === "undefined") return;
  if (!Array.isArray(point) || $("editor").hidden) {
    ed.marker?.remove();
    ed.marker = null;
    return;
  }
  if (!ed.marker) {
    ed.marker = new maplibregl.Marker({ draggable: true, color: "#b35900" });
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
  const map = ec.getMap();
  if (map && r.data.geometry) map.easeTo({ center: r.data.geometry.coordinates, zoom: Math.max(map.getZoom(), 13), duration: 0 });
  input("ed-id").value = id;
  say(ec.tr("ed.loaded", { id, v: version(r.etag) }));
  $("ed-f-name").focus();
}

function startNew() {
  show(null, null);
  say("");
  $("ed-f-id").focus();
}

function formFeature() {
  const { feature, errors } = read(ec.tr);
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
    say(ec.tr("ed.saved", { v: version(r.etag) }));
    ec.onChanged(ed.id, r.data);
  } else if (r.status === 422 || r.status === 400) {
    const rest = showErrors(r.data?.invalid_params);
    say([ec.tr("ed.invalid"), ...rest].join(" "));
  } else if (r.status === 412) {
    await conflict(patch);
  } else fail(r);
}

async function save(extra = null) {
  if (needToken()) return;
  clearErrors();
  const feature = formFeature();
  if (!feature) return say(ec.tr("ed.invalid"));
  if (!ed.base) {
    const r = await call("POST", "/api/resources", { body: feature, type: "application/geo+json" });
    if (r.ok) {
      show(r.data, r.etag);
      say(ec.tr("ed.created", { id: r.data.id }));
      ec.onChanged(r.data.id, r.data);
    } else if (r.status === 422 || r.status === 400 || r.status === 409) {
      const rest = showErrors(r.data?.invalid_params ?? (r.status === 409 ? [{ name: "id", reason: r.data?.detail }] : []));
      say([ec.tr("ed.invalid"), ...rest].join(" "));
    } else fail(r);
    return;
  }
  let patch = mergePatch(ed.base, feature);
  if (extra) patch = { ...patch, properties: { ...(patch?.properties ?? {}), ...extra } };
  if (!patch) return say(ec.tr("ed.nothing"));
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
  const tr = ec.tr;
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
    say(ec.tr("ed.loaded", { id: ed.id, v: version(r.etag) }));
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
  say(ec.tr("ed.deleted", { id: ed.id }));
  $("ed-restore").hidden = false;
  $("ed-restore").focus();
  ec.onChanged(ed.id, null);
}

async function restore() {
  if (needToken()) return;
  const r = await call("POST", `/api/resources/${encodeURIComponent(ed.id)}/restore`);
  if (!r.ok) return fail(r);
  show(r.data, r.etag);
  say(ec.tr("ed.restored", { id: ed.id }));
  ec.onChanged(ed.id, r.data);
}

// ------------------------------------------------------------------ init ----
/** Re-labels the editor in the page's language (the static texts follow data-i18n). */
export function renderEditor() {
  if (ec.mounted) relabel(ec.tr);
}

function toggle(on) {
  $("editor").hidden = !on;
  $("mode-edit").setAttribute("aria-pressed", String(on));
  placeMarker();
  if (on) $(ed.token ? "ed-id" : "ed-token").focus();
}

/**
 * Mounts the editor.
 * @param {object} o
 * @param {import("../state.js").Store} o.store
 * @param {(key: string, vars?: Record<string, unknown>) => string} o.tr
 * @param {() => maplibregl.Map} o.getMap the MapLibre map, once made
 * @param {(id: string, feature: import("./explore-context.js").Feature | null) => void} o.onChanged after a write: the record as stored now (null when deleted)
 */
export function mountEditor({ store, tr, getMap, onChanged }) {
  Object.assign(ec, { state: store.state, tr, getMap, onChanged, mounted: true });
  buildForm($("ed-fields"), ec.tr);
  $("mode-edit").addEventListener("click", () => toggle($("editor").hidden));
  $("ed-token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    ed.token = input("ed-token").value.trim();
    say("");
    $("ed-id").focus();
  });
  $("ed-forget").addEventListener("click", () => {
    ed.token = "";
    input("ed-token").value = "";
    $("ed-token").focus();
  });
  $("ed-open-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const id = input("ed-id").value.trim();
    if (id) openRecord(id);
  });
  $("ed-selected").addEventListener("click", () => ec.state.selected && openRecord(ec.state.selected));
  $("ed-new").addEventListener("click", startNew);
  $("ed-form").addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  $("ed-verified").addEventListener("click", () => save({ last_verified: today() }));
  $("ed-delete").addEventListener("click", remove);
  $("ed-restore").addEventListener("click", restore);
  $("ed-history").addEventListener("click", history);
  $("ed-quality").addEventListener("click", () => workList(openRecord));
  for (const k of ["lon", "lat"]) $(`ed-f-${k}`).addEventListener("change", placeMarker);
}
