// @ts-check
// The coverage view's table: one row per country, region or area, sortable
// by any column, a row chosen by its name (or on the map), and the caveat of
// what the figures rest on.

import { COUNTRIES } from "../i18n.js";
import { el } from "../dom.js";
import { $, cov, cv, num, say } from "./coverage-context.js";
import { formatValue, measure } from "./coverage-scale.js";
import { highlightRow } from "./coverage-map.js";

/** @typedef {import("../types.js").CoverageFeature} CoverageFeature */
/** @typedef {import("../types.js").FeatureCollection} FeatureCollection */

/**
 * @typedef {object} Column a column of the table
 * @property {string} key a property of the flat report
 * @property {string} kind how its figures read ("text", "count", "rate", "share", "km", "flag")
 * @property {string} label the heading's text
 * @property {number} [km] the distance of a share within
 * @property {number} [min] the minutes of a share within by public transport
 * @property {boolean} [areaOnly] shown for loaded areas only
 * @property {boolean} [transit] shown when the server has a timetable (the report carries its shares)
 */

/** The table's columns: a property of the flat report and how to show it. @type {Column[]} */
const COLUMNS = [
  { key: "name", kind: "text", label: "cov.col.name" },
  { key: "population", kind: "count", label: "cov.col.population" },
  { key: "resources", kind: "count", label: "cov.m.resources" },
  { key: "resources_per_100k", kind: "rate", label: "cov.col.per100k" },
  { key: "serving", kind: "count", label: "cov.col.serving", areaOnly: true },
  { key: "share_within_5km", kind: "share", label: "cov.col.within", km: 5 },
  { key: "share_within_10km", kind: "share", label: "cov.col.within", km: 10 },
  { key: "share_within_25km", kind: "share", label: "cov.col.within", km: 25 },
  { key: "mean_km", kind: "km", label: "cov.col.mean" },
  { key: "p90_km", kind: "km", label: "cov.col.p90" },
  { key: "transit_share_within_30min", kind: "share", label: "cov.col.withinMin", min: 30, transit: true },
  { key: "transit_share_within_45min", kind: "share", label: "cov.col.withinMin", min: 45, transit: true },
  { key: "transit_share_within_60min", kind: "share", label: "cov.col.withinMin", min: 60, transit: true },
  { key: "complete", kind: "flag", label: "cov.col.complete" },
];

/** @param {Column} c */
function columnName(c) {
  if (c.min) return cv.tr(c.label, { min: num(c.min) });
  return c.km ? cv.tr(c.label, { km: num(c.km) }) : cv.tr(c.label);
}

/** Whether the last report carries shares by public transport (the server has a timetable). */
function hasTransit() {
  return (cv.report?.features ?? []).some((/** @type {CoverageFeature} */ f) => "transit_share_within_30min" in f.properties);
}

/**
 * The report's departure ("2026-12-09T09:00", local time) in the page's language.
 * @returns {string}
 */
function transitDepart() {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(cv.report?.transit?.depart ?? ""));
  if (!m) return "";
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  return new Intl.DateTimeFormat(cv.state.lang, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" }).format(d);
}

/**
 * A table cell's content: the figure, or a dash read out as "no data".
 * @param {string} kind
 * @param {import("../types.js").Value} v
 * @returns {Array<string | HTMLElement>}
 */
function figure(kind, v) {
  if (kind === "flag") return [cv.tr(v === true ? "cov.complete.yes" : "cov.complete.no")];
  const text = formatValue(kind, v);
  if (text !== null) return [text];
  return [el("span", { textContent: "—", ariaHidden: "true" }), el("span", { className: "sr-only", textContent: cv.tr("cov.noData") })];
}

/**
 * A share by public transport that is not measured: a dash read out with why.
 * @param {string} reason the API's transit_reason
 * @returns {HTMLElement[]}
 */
function noFigure(reason) {
  return [el("span", { textContent: "—", ariaHidden: "true" }), el("span", { className: "sr-only", textContent: cv.tr(`cov.transit.reason.${reason}`) })];
}

/**
 * @param {CoverageFeature} f
 * @param {string} key
 */
function cellValue(f, key) {
  const v = f.properties[key];
  return v === undefined ? null : v;
}

/** The report's rows in the table's order. @returns {CoverageFeature[]} */
function sortedFeatures() {
  const features = [...(cv.report?.features ?? [])];
  const sort = cv.sort;
  if (!sort) return features;
  const collator = new Intl.Collator(cv.state.lang);
  return features.sort((a, b) => {
    const x = cellValue(a, sort.key);
    const y = cellValue(b, sort.key);
    if (x === null || y === null) return Number(x === null) - Number(y === null); // unknown last, either way
    return sort.dir * (typeof x === "string" ? collator.compare(x, y) : x - y);
  });
}

/** Draws the table of the last report. */
export function renderTable() {
  const tr = cv.tr;
  const m = measure();
  const transit = hasTransit();
  const columns = COLUMNS.filter((c) => (!c.areaOnly || cov.level === "area") && (!c.transit || transit));
  const caption = tr(`cov.caption.${cov.level}`);
  $("cov-caption").textContent = transit ? `${caption}. ${tr("cov.transit.note", { depart: transitDepart() })}` : caption;
  const table = /** @type {HTMLTableElement} */ ($("cov-table"));
  table.dataset.level = cov.level;
  table.dataset.query = cv.report ? cv.reportQuery : "";
  const head = el(
    "tr",
    {},
    ...columns.map((c) => {
      const th = el("th", { scope: "col" });
      th.dataset.key = c.key;
      if (c.key === m.prop) th.classList.add("measure");
      if (c.kind !== "text") th.classList.add("num");
      const sort = cv.sort;
      const sorted = sort?.key === c.key;
      if (sorted) th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
      const btn = el("button", { type: "button", className: "sort" }, el("span", { textContent: columnName(c) }), el("span", { className: "arrow", ariaHidden: "true", textContent: sorted ? (sort.dir > 0 ? "▲" : "▼") : "↕" }));
      btn.addEventListener("click", () => {
        cv.sort = cv.sort?.key === c.key ? { key: c.key, dir: -cv.sort.dir } : { key: c.key, dir: 1 };
        renderTable();
        /** @type {HTMLElement | null} */ (table.querySelector(`th[data-key="${c.key}"] button`))?.focus();
      });
      th.append(btn);
      return th;
    }),
  );
  table.tHead?.replaceChildren(head);
  const rows = sortedFeatures().map((f) => {
    const row = el("tr");
    row.dataset.id = f.id;
    row.dataset.complete = String(f.properties.complete === true);
    if (f.id === cov.row) row.classList.add("selected");
    for (const c of columns) {
      const v = cellValue(f, c.key);
      if (c.key === "name") {
        const btn = el("button", { type: "button", className: "pick", textContent: f.properties.name });
        btn.dataset.id = f.id;
        btn.setAttribute("aria-pressed", String(f.id === cov.row));
        btn.addEventListener("click", () => selectRow(f.id));
        const th = el("th", { scope: "row" }, btn);
        th.dataset.key = c.key;
        row.append(th);
        continue;
      }
      const reason = c.transit && v === null ? f.properties.transit_reason : null;
      const td = el("td", { className: "num" }, ...(reason ? noFigure(reason) : figure(c.kind, v)));
      if (reason) td.title = cv.tr(`cov.transit.reason.${reason}`);
      td.dataset.key = c.key;
      td.dataset.value = v === null ? "" : String(v);
      if (c.key === m.prop) td.classList.add("measure");
      row.append(td);
    }
    return row;
  });
  table.tBodies[0].replaceChildren(...rows);
}

/**
 * Selects a row: highlights its outline, zooms to it, marks it in the table.
 * @param {string | null} id
 * @param {{ zoom?: boolean }} [o]
 */
export function selectRow(id, { zoom = true } = {}) {
  cov.row = id;
  cv.writeHash();
  const f = cv.report?.features.find((/** @type {CoverageFeature} */ x) => x.id === id);
  for (const b of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#cov-table tbody button.pick"))) {
    b.setAttribute("aria-pressed", String(b.dataset.id === id));
    b.closest("tr")?.classList.toggle("selected", b.dataset.id === id);
  }
  highlightRow(id, f, zoom);
  if (f) say(cv.tr("cov.selected", { name: f.properties.name }));
  renderCaveat();
}

/**
 * What the figures rest on: for the chosen row, how many records the
 * directory holds there and whether it claims to hold them all; with none
 * chosen, how many areas it does not cover completely.
 */
export function renderCaveat() {
  const tr = cv.tr;
  const box = $("cov-caveat");
  const features = cv.report?.features ?? [];
  const f = features.find((x) => x.id === cov.row);
  let text = "";
  if (f) {
    const p = f.properties;
    const place = cov.level === "country" && COUNTRIES.includes(f.id) ? tr(`country.${f.id}`) : p.name;
    const vars = { place, n: num(p.records ?? 0), count: p.records ?? 0, category: cov.category ? tr(`category.${cov.category}`) : "" };
    if (p.complete) text = tr("cov.caveat.complete", vars);
    else text = tr(cov.category ? "cov.caveat.row" : "cov.caveat.rowAll", vars);
  } else {
    const incomplete = features.filter((x) => x.properties.complete !== true).length;
    if (incomplete) text = tr("cov.caveat.view", { n: num(incomplete), count: incomplete });
  }
  box.textContent = text;
  box.hidden = !text;
  box.dataset.row = f ? f.id : "";
  box.dataset.complete = f ? String(f.properties.complete === true) : "";
}
