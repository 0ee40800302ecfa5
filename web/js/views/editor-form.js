// @ts-check
// The editor's form: one labelled control per field of a record, read into a
// GeoJSON Feature, with the API's validation errors shown next to the field
// they name. No network here (see editor.js).

import { CATEGORIES, TOPICS } from "../i18n.js";
import { el, fillSelect } from "../dom.js";

/**
 * Every field, as [property, label key, kind, words]; `lon`/`lat` make the
 * geometry. Made when asked: the vocabularies come from /api/vocabulary
 * after this module is loaded.
 * @returns {Array<[string, string, string, Array<[string, string]>?]>}
 */
export const fields = () => [
  ["id", "ed.f.id", "text"],
  ["name", "ed.f.name", "text"],
  ["name_en", "ed.f.name_en", "text"],
  ["category", "ed.f.category", "select", CATEGORIES.map((c) => [c, `category.${c}`])],
  ["country", "ed.f.country", "text"],
  ["city", "ed.f.city", "text"],
  ["address", "details.address", "text"],
  ["postcode", "ed.f.postcode", "text"],
  ["lon", "ed.f.lon", "number"],
  ["lat", "ed.f.lat", "number"],
  ["coord_precision", "details.precision", "select", ["building", "street", "district", "city"].map((w) => [w, `precision.${w}`])],
  ["website", "details.website", "text"],
  ["phone", "details.phone", "text"],
  ["email", "details.email", "text"],
  ["topics", "details.topics", "checks", TOPICS.map((w) => [w, `topic.${w}`])],
  ["target_groups", "ed.f.target_groups", "list"],
  ["languages", "ed.f.languages", "list"],
  ["opening_hours", "details.hours", "text"],
  ["access", "details.access", "select", ["walk_in", "appointment", "referral_required"].map((w) => [w, `access.${w}`])],
  ["cost", "details.cost", "select", ["free", "fee"].map((w) => [w, `cost.${w}`])],
  ["serves_areas", "ed.f.serves_areas", "list"],
  ["source", "details.source", "text"],
  ["last_verified", "details.lastVerified", "date"],
  ["description", "ed.f.description", "area"],
  ["status", "ed.f.status", "select", STATUSES.map((w) => [w, `status.${w}`])],
  ["status_since", "ed.f.status_since", "date"],
  ["status_until", "ed.f.status_until", "date"],
  ["moved_to", "ed.f.moved_to", "text"],
  ["moved_address", "ed.f.moved_address", "text"],
  ["alerts", "ed.f.alerts", "alerts", ALERT_KINDS.map((w) => [w, `alert.${w}`])],
  ["plausibility_override", "ed.f.plausibility_override", "text"],
];

/** A record's statuses and its alerts' kinds, as the API words them. */
const STATUSES = ["open", "temporarily_closed", "closed", "moved"];
const ALERT_KINDS = ["admissions_suspended", "reduced_service", "other"];

/** The page's language function, kept for alert rows added later. @type {Tr} */
let lastTr = (key) => key;

/**
 * One alert's row: kind, since, until, note and a remove button, each labelled.
 * @param {{ kind?: string, since?: string, until?: string | null, note?: string | null }} a
 */
function alertRow(a) {
  const tr = lastTr;
  const kind = /** @type {HTMLSelectElement} */ (el("select", { className: "ed-alert-kind" }));
  fillSelect(kind, ALERT_KINDS.map((w) => [w, tr(`alert.${w}`)]), a.kind ?? ALERT_KINDS[0]);
  const date = (/** @type {string} */ cls, /** @type {string | null | undefined} */ v) => el("input", { type: "date", className: cls, value: v ?? "" });
  const row = el(
    "div",
    { className: "ed-alert" },
    kind,
    date("ed-alert-since", a.since),
    date("ed-alert-until", a.until),
    el("input", { type: "text", className: "ed-alert-note", value: a.note ?? "", autocomplete: "off" }),
    el("button", { type: "button", className: "ed-alert-remove", textContent: "×" }),
  );
  labelAlertRow(row, tr);
  row.querySelector(".ed-alert-remove")?.addEventListener("click", () => row.remove());
  return row;
}

/**
 * Labels an alert row's controls in the page's language.
 * @param {Element} row
 * @param {Tr} tr
 */
function labelAlertRow(row, tr) {
  for (const [cls, key] of [["kind", "ed.alert.kind"], ["since", "ed.alert.since"], ["until", "ed.alert.until"], ["note", "ed.alert.note"], ["remove", "ed.alert.remove"]]) {
    row.querySelector(`.ed-alert-${cls}`)?.setAttribute("aria-label", tr(key));
  }
  const kind = /** @type {HTMLSelectElement | null} */ (row.querySelector(".ed-alert-kind"));
  if (kind) fillSelect(kind, ALERT_KINDS.map((w) => [w, tr(`alert.${w}`)]), kind.value);
}

/** @typedef {(key: string, vars?: Record<string, unknown>) => string} Tr */

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/**
 * A field's control: an input, a select, a textarea, or a fieldset of
 * checkboxes; typed as an input (the properties used exist on its kind).
 * @param {string} key
 */
const control = (key) => /** @type {HTMLInputElement} */ (document.getElementById(`ed-f-${key}`));

/**
 * Builds the form's controls inside `box`, labelled in the page's language.
 * @param {HTMLElement} box
 * @param {Tr} tr
 */
export function buildForm(box, tr) {
  box.replaceChildren(
    ...fields().map(([key, , kind, words]) => {
      const error = el("p", { id: `ed-e-${key}`, className: "ed-error", hidden: true });
      if (kind === "alerts") {
        const add = el("button", { type: "button", id: "ed-alert-add", dataset: { label: "ed.alert.add" } });
        const rows = el("div", { className: "ed-alert-rows" });
        add.addEventListener("click", () => {
          rows.append(alertRow({}));
          /** @type {HTMLElement | null} */ (rows.lastElementChild?.querySelector("select") ?? null)?.focus();
        });
        return el("fieldset", { id: `ed-f-${key}`, className: "ed-field ed-alerts", dataset: { key } }, el("legend", { dataset: { label: key } }), rows, add, error);
      }
      if (kind === "checks") {
        const boxes = words.map(([w]) => el("label", { className: "ed-check" }, el("input", { type: "checkbox", value: w, name: `ed-${key}` }), el("span", { dataset: { word: w } })));
        return el("fieldset", { id: `ed-f-${key}`, className: "ed-field ed-checks", dataset: { key } }, el("legend", { dataset: { label: key } }), ...boxes, error);
      }
      /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */
      let input;
      if (kind === "select") input = /** @type {HTMLSelectElement} */ (el("select", {}));
      else if (kind === "area") input = /** @type {HTMLTextAreaElement} */ (el("textarea", { rows: 3 }));
      else input = /** @type {HTMLInputElement} */ (el("input", { type: kind === "date" ? "date" : "text", autocomplete: "off", spellcheck: false }));
      if (kind === "number") input.inputMode = "decimal";
      input.id = `ed-f-${key}`;
      input.name = key;
      return el("div", { className: "ed-field", dataset: { key } }, el("label", { htmlFor: input.id, dataset: { label: key } }), input, error);
    }),
  );
  relabel(tr);
}

/**
 * Writes the labels and the options in the page's language, keeping the values.
 * @param {Tr} tr
 */
export function relabel(tr) {
  lastTr = tr;
  for (const [key, label, kind, words] of fields()) {
    const c = control(key);
    if (!c) continue;
    if (kind === "alerts") {
      /** @type {HTMLElement} */ (c.querySelector("legend")).textContent = tr(label);
      /** @type {HTMLElement} */ (c.querySelector("#ed-alert-add")).textContent = tr("ed.alert.add");
      for (const row of c.querySelectorAll(".ed-alert")) labelAlertRow(row, tr);
      continue;
    }
    c.parentElement?.querySelector(`[data-label="${key}"]`)?.replaceChildren(tr(label));
    if (kind === "checks") /** @type {HTMLElement} */ (c.querySelector("legend")).textContent = tr(label);
    if (kind === "checks") for (const span of /** @type {NodeListOf<HTMLElement>} */ (c.querySelectorAll("span[data-word]"))) span.textContent = tr(`topic.${span.dataset.word}`);
    if (kind === "select") {
      const value = c.value;
      const none = key === "category" || key === "status" ? [] : [["", tr("ed.none")]];
      fillSelect(c, [...none, ...words.map(([w, k]) => [w, tr(k)])], value);
    }
  }
}

/**
 * Fills the form from a Feature (or empties it for a new record).
 * @param {import("./explore-context.js").Feature | null} f
 */
export function fill(f) {
  const p = f?.properties ?? {};
  const [lon, lat] = f?.geometry?.coordinates ?? ["", ""];
  for (const [key, , kind] of fields()) {
    const c = control(key);
    if (kind === "checks") for (const box of /** @type {NodeListOf<HTMLInputElement>} */ (c.querySelectorAll("input"))) box.checked = (p[key] ?? []).includes(box.value);
    else if (key === "lon") c.value = lon === "" ? "" : String(lon);
    else if (key === "lat") c.value = lat === "" ? "" : String(lat);
    else if (kind === "list") c.value = (p[key] ?? []).join(", ");
    else if (kind === "alerts") /** @type {HTMLElement} */ (c.querySelector(".ed-alert-rows")).replaceChildren(...(p[key] ?? []).map(alertRow));
    else c.value = p[key] ?? (key === "category" ? CATEGORIES[0] : key === "status" ? "open" : "");
  }
  control("id").readOnly = Boolean(f);
  clearErrors();
}

/**
 * Moves the point fields (from a dragged marker).
 * @param {number} lon
 * @param {number} lat
 */
export function setPoint(lon, lat) {
  control("lon").value = lon.toFixed(6);
  control("lat").value = lat.toFixed(6);
}

/**
 * The point typed in the form: [lon, lat], null when both are empty, or "bad".
 * @returns {[number, number] | null | "bad"}
 */
export function typedPoint() {
  const [lon, lat] = [control("lon").value.trim(), control("lat").value.trim()];
  if (!lon && !lat) return null;
  /** @type {[number, number]} */
  const n = [Number(lon), Number(lat)];
  return lon && lat && n.every(Number.isFinite) ? n : "bad";
}

/**
 * The form as a Feature; `{ errors }` names fields that are not numbers.
 * @param {Tr} tr
 * @returns {{ feature?: import("./explore-context.js").Feature, errors?: Array<{ name: string, reason: string }> }}
 */
export function read(tr) {
  /** @type {Record<string, string | string[] | object[]>} */
  const properties = {};
  for (const [key, , kind] of fields()) {
    if (key === "lon" || key === "lat") continue;
    const c = control(key);
    let v;
    if (kind === "alerts") v = readAlerts(c);
    else if (kind === "checks") v = [.../** @type {NodeListOf<HTMLInputElement>} */ (c.querySelectorAll("input:checked"))].map((b) => b.value);
    else if (kind === "list") v = c.value.split(",").map((s) => s.trim()).filter(Boolean);
    else v = c.value.trim();
    if (Array.isArray(v) ? v.length : v !== "") properties[key] = v;
  }
  const point = typedPoint();
  if (point === "bad") {
    const errors = ["lon", "lat"].filter((k) => !Number.isFinite(Number(control(k).value.trim())) || !control(k).value.trim());
    return { errors: errors.map((name) => ({ name, reason: tr("ed.notNumber") })) };
  }
  const id = typeof properties.id === "string" ? properties.id : undefined;
  return { feature: { type: "Feature", id, geometry: point ? { type: "Point", coordinates: point } : null, properties } };
}

/**
 * The alert rows as the API words alerts (in its member order, empty days and notes as null).
 * @param {Element} box
 */
function readAlerts(box) {
  return [...box.querySelectorAll(".ed-alert")].map((row) => {
    const value = (/** @type {string} */ cls) => /** @type {HTMLInputElement} */ (row.querySelector(`.ed-alert-${cls}`)).value.trim();
    return { kind: value("kind"), since: value("since"), until: value("until") || null, note: value("note") || null };
  });
}

/** Properties the API computes (and ignores when written back): never edited, never a difference. */
const COMPUTED = new Set(["version", "updated_at", "created_at", "hours_week", "centre_of", "distance_m", "open_now", "next_change", "reach", "unavailable"]);

/** Properties the form does not show (sources per fact, open questions): a save keeps them as they are. */
const KEPT = new Set(["provenance", "open_questions"]);

/**
 * A value for comparing: empty strings and lists count as absent.
 * @param {unknown} v
 */
const norm = (v) => JSON.stringify(v === undefined || v === "" || (Array.isArray(v) && !v.length) ? null : v);

/**
 * A merge patch turning `base` into `next` (both Features); null when they are the same.
 * @param {import("./explore-context.js").Feature} base
 * @param {import("./explore-context.js").Feature} next
 * @returns {{ properties?: Record<string, unknown>, geometry?: unknown } | null}
 */
export function mergePatch(base, next) {
  const a = base.properties ?? {};
  const b = next.properties ?? {};
  /** @type {Record<string, unknown>} */
  const properties = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (COMPUTED.has(key) || (KEPT.has(key) && !(key in b))) continue;
    if (norm(a[key]) !== norm(b[key])) properties[key] = b[key] ?? null;
  }
  /** @type {{ properties?: Record<string, unknown>, geometry?: unknown }} */
  const patch = {};
  if (Object.keys(properties).length) patch.properties = properties;
  if (JSON.stringify(base.geometry ?? null) !== JSON.stringify(next.geometry ?? null)) patch.geometry = next.geometry ?? null;
  return Object.keys(patch).length ? patch : null;
}

/**
 * Marks the fields the API named (`invalid_params`); returns those no field holds.
 * @param {Array<{ name: string, reason: string }> | undefined} params
 * @returns {string[]}
 */
export function showErrors(params) {
  clearErrors();
  const rest = [];
  for (const { name, reason } of params ?? []) {
    const key = name === "geometry" ? "lon" : name.split(/[.[]/)[0];
    const c = control(key);
    if (!c) {
      rest.push(`${name}: ${reason}`);
      continue;
    }
    const box = $(`ed-e-${key}`);
    box.textContent = box.hidden ? reason : `${box.textContent} ${reason}`;
    box.hidden = false;
    c.setAttribute("aria-invalid", "true");
    c.setAttribute("aria-describedby", box.id);
  }
  /** @type {HTMLElement | null} */ (document.querySelector("#ed-form [aria-invalid='true']"))?.focus();
  return rest;
}

/** Removes every error mark. */
export function clearErrors() {
  for (const box of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#ed-form .ed-error"))) {
    box.hidden = true;
    box.textContent = "";
  }
  for (const c of document.querySelectorAll("#ed-form [aria-invalid]")) {
    c.removeAttribute("aria-invalid");
    c.removeAttribute("aria-describedby");
  }
}

/**
 * A value as a person reads it in a diff: a field's value, an alert
 * (`{ kind, since, until, note }`) or a point (`{ coordinates }`).
 * @param {unknown} v
 * @returns {string}
 */
export function shown(v) {
  if (v === null || v === undefined || v === "") return "—";
  /** @param {{ kind?: string, since?: string, until?: string | null, note?: string | null }} x */
  const alert = (x) => [x.kind, x.since, x.until, x.note].filter(Boolean).join(" ");
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === "object" && x ? alert(x) : x)).join(", ") : "—";
  if (typeof v === "object") {
    const { coordinates } = /** @type {{ coordinates?: number[] }} */ (v);
    return coordinates ? coordinates.join(", ") : JSON.stringify(v);
  }
  return String(v);
}

/**
 * The fields two Features differ in: [[field, a, b]] (the point as "geometry").
 * @param {import("../types.js").ResourceFeature | null} a
 * @param {import("../types.js").ResourceFeature | null} b
 * @returns {Array<[string, unknown, unknown]>}
 */
export function differences(a, b) {
  const pa = a?.properties ?? {};
  const pb = b?.properties ?? {};
  /** @type {Array<[string, unknown, unknown]>} */
  const out = [];
  for (const key of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
    if (COMPUTED.has(key)) continue;
    if (norm(pa[key]) !== norm(pb[key])) out.push([key, pa[key], pb[key]]);
  }
  if (JSON.stringify(a?.geometry ?? null) !== JSON.stringify(b?.geometry ?? null)) out.push(["geometry", a?.geometry, b?.geometry]);
  return out;
}
