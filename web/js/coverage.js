// The coverage view for policymakers and coordinators: a choropleth of one
// measure by country, region or loaded area, the localities far from any matching
// service, a sortable table, a chart of resources per category and country,
// and downloads of what is shown. Everything comes from this server's
// /api/coverage (format=geojson for the map and the table) and
// /api/coverage/gaps.

import { initDemand, loadDemand, render as renderDemand } from "./demand.js";
import { CATEGORIES, COUNTRIES, TOPICS } from "./i18n.js";
import { fmtNumber } from "./format.js";
import { RESOURCE_LAYERS } from "./map.js";
import { el, fillSelect } from "./dom.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

/** The measures the map can show: the report's property, its kind, and whether more is better. */
export const MEASURES = [
  { id: "per_100k", prop: "resources_per_100k", kind: "rate", good: true },
  { id: "resources", prop: "resources", kind: "count", good: true },
  { id: "within_5km", prop: "share_within_5km", kind: "share", good: true, km: 5 },
  { id: "within_10km", prop: "share_within_10km", kind: "share", good: true, km: 10 },
  { id: "within_25km", prop: "share_within_25km", kind: "share", good: true, km: 25 },
  { id: "mean_km", prop: "mean_km", kind: "km", good: false },
  { id: "p90_km", prop: "p90_km", kind: "km", good: false },
];

/** Distances offered for marking far localities, km. */
export const GAP_KM = [5, 10, 25, 50, 100];
/** Most far localities drawn. */
const GAP_LIMIT = 500;
/** Far localities named in the side list. */
const GAP_LISTED = 10;

/**
 * Sequential ColorBrewer ramps (colour-blind safe): blue where more is
 * better, orange-red for distances, darker meaning more.
 */
export const RAMPS = {
  good: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
  bad: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
};

/** The table's columns: a property of the flat report and how to show it. */
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
  { key: "complete", kind: "flag", label: "cov.col.complete" },
];

/** Colours of the countries in the chart (Okabe–Ito); each bar is also labelled. */
const COUNTRY_COLOURS = { IT: "#0072B2", BG: "#009E73", DE: "#B35900", LT: "#AA4499" };

/** What the fragment keeps for the coverage view. */
/** What the rows are: the four countries, their regions, or the loaded areas. */
const LEVELS = ["country", "region", "area"];

export const cov = { level: "country", measure: "per_100k", category: "", gapKm: 25, row: null };

let ctx = null; // { state, tr, getJson, getMap, isMapReady, writeHash }
let report = null; // the FeatureCollection of /api/coverage?format=geojson
let reportQuery = ""; // the URL it answered
let gaps = null; // the FeatureCollection of /api/coverage/gaps
let chart = null; // the JSON report per country, all categories
let sort = null; // { key, dir: 1 | -1 }
let fitPending = true;
let layersAdded = false;

export function readCoverageHash(p) {
  cov.level = LEVELS.includes(p.get("level")) ? p.get("level") : "country";
  cov.measure = MEASURES.some((m) => m.id === p.get("measure")) ? p.get("measure") : "per_100k";
  cov.category = CATEGORIES.includes(p.get("category")) ? p.get("category") : "";
  const km = Number(p.get("gapkm"));
  cov.gapKm = GAP_KM.includes(km) ? km : 25;
  cov.row = p.get("row") || null;
}

export function writeCoverageHash(p) {
  p.set("level", cov.level);
  p.set("measure", cov.measure);
  if (cov.category) p.set("category", cov.category);
  p.set("gapkm", String(cov.gapKm));
  if (cov.row) p.set("row", cov.row);
}

// ---------------------------------------------------------------- text ----
const measure = () => MEASURES.find((m) => m.id === cov.measure) ?? MEASURES[0];

function num(v, options = {}) {
  return fmtNumber(ctx.state.lang, v, options);
}

/** A figure as people read it in the page's language; null when unknown. */
export function formatValue(kind, v) {
  if (v === null || v === undefined || Number.isNaN(v)) return null;
  switch (kind) {
    case "count":
      return num(v, { maximumFractionDigits: 0 });
    case "rate":
      return num(v, v !== 0 && Math.abs(v) < 1 ? { maximumSignificantDigits: 2 } : { maximumFractionDigits: 1 });
    case "share":
      return num(v, { style: "percent", maximumFractionDigits: 1 });
    case "km":
      return num(v, { style: "unit", unit: "kilometer", maximumFractionDigits: 1 });
    default:
      return String(v);
  }
}

function measureName(m) {
  return m.km ? ctx.tr("cov.m.within", { km: num(m.km) }) : ctx.tr(`cov.m.${m.id}`);
}

function columnName(c) {
  return c.km ? ctx.tr(c.label, { km: num(c.km) }) : ctx.tr(c.label);
}

/** A table cell's content: the figure, or a dash read out as "no data". */
function figure(kind, v) {
  if (kind === "flag") return [ctx.tr(v === true ? "cov.complete.yes" : "cov.complete.no")];
  const text = formatValue(kind, v);
  if (text !== null) return [text];
  return [el("span", { textContent: "—", ariaHidden: "true" }), el("span", { className: "sr-only", textContent: ctx.tr("cov.noData") })];
}

// ------------------------------------------------------------- classes ----
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x - 1e-12) return m * p;
  return 10 * p;
}

/** Class breaks for the values of a measure: fixed fifths for shares, else up to five nice steps from 0. */
export function breaksFor(kind, values) {
  if (kind === "share") return [0, 0.2, 0.4, 0.6, 0.8, 1];
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const step = niceStep(max > 0 ? max / 5 : 1);
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** The class of a value: breaks[i] ≤ v < breaks[i + 1], the last class closed. −1 for no data. */
export function classOf(breaks, v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return -1;
  let i = 0;
  while (i < breaks.length - 2 && v >= breaks[i + 1]) i++;
  return i;
}

function rampFor(m, n) {
  const ramp = m.good ? RAMPS.good : RAMPS.bad;
  if (n === 1) return [ramp[2]];
  return Array.from({ length: n }, (_, i) => ramp[Math.round((i * (ramp.length - 1)) / (n - 1))]);
}

function legendData() {
  const m = measure();
  const features = report?.features ?? [];
  const values = features.map((f) => f.properties[m.prop]);
  const breaks = breaksFor(m.kind, values);
  const colours = rampFor(m, breaks.length - 1);
  return { m, breaks, colours, values };
}

// ------------------------------------------------------------------ API ----
function params(extra = {}) {
  const p = new URLSearchParams();
  if (cov.category) p.set("category", cov.category);
  if (ctx.state.topic) p.set("topic", ctx.state.topic);
  if (ctx.state.country) p.set("country", ctx.state.country);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

function reportUrl(format) {
  return `/api/coverage?${params({ level: cov.level, format })}`;
}

function gapsUrl() {
  return `/api/coverage/gaps?${params({ min_km: String(cov.gapKm), limit: String(GAP_LIMIT) })}`;
}

function chartUrl() {
  const p = new URLSearchParams({ level: "country" });
  if (ctx.state.topic) p.set("topic", ctx.state.topic);
  if (ctx.state.country) p.set("country", ctx.state.country);
  return `/api/coverage?${p}`;
}

function say(text) {
  $("cov-status").textContent = text;
}

/** Loads the report, the far localities and the chart for the current choices. */
export async function loadCoverage() {
  if (!ctx || ctx.state.mode !== "coverage") return;
  renderDownloads();
  say(ctx.tr("status.loading"));
  const fail = (e) => {
    if (e.name !== "AbortError") say(ctx.tr("status.error", { detail: e.message }));
  };
  const url = reportUrl("geojson");
  const main = ctx.getJson("coverage", url).then((fc) => {
    report = fc;
    reportQuery = url;
    if (cov.row && !fc.features.some((f) => f.id === cov.row)) cov.row = null;
    renderTable();
    renderLegend();
    renderCaveat();
    drawAreas();
    const n = fc.features.length;
    say(n ? ctx.tr("cov.count", { n: num(n) }) : ctx.tr(cov.level === "area" ? "cov.noAreas" : "cov.none"));
  }, fail);
  const far = ctx.getJson("coverage-gaps", gapsUrl()).then((fc) => {
    gaps = fc;
    renderGaps();
    drawGaps();
  }, fail);
  const bars = ctx.getJson("coverage-chart", chartUrl()).then((r) => {
    chart = r;
    renderChart();
  }, fail);
  await Promise.all([main, far, bars, loadDemand()]);
}

// ----------------------------------------------------------------- map ----
const OUR_LAYERS = ["cov-fill", "cov-nodata", "cov-incomplete", "cov-line", "cov-hl", "cov-gaps"];

/** A diagonal hatch for "no data", drawn here so no sprite is fetched. */
function hatch() {
  const size = 8;
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (x + y) % size < 2;
      data.set(on ? [110, 110, 110, 255] : [245, 245, 245, 235], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

/**
 * Thin dark lines the other way on a clear ground, over the choropleth: the
 * directory does not claim to list every service of the area.
 */
function incompleteHatch() {
  const size = 10;
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = (x - y + size) % size;
      // A dark line with a light edge, seen on every colour of the ramps.
      if (d < 2) data.set([30, 30, 30, 230], (y * size + x) * 4);
      else if (d === 2) data.set([255, 255, 255, 220], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

const AREA_LAYERS = ["cov-fill", "cov-nodata", "cov-incomplete", "cov-line", "cov-hl"];

function ensureLayers(map) {
  if (layersAdded) return;
  layersAdded = true;
  if (!map.hasImage("cov-hatch")) map.addImage("cov-hatch", hatch());
  if (!map.hasImage("cov-incomplete-hatch")) map.addImage("cov-incomplete-hatch", incompleteHatch());
  map.addSource("cov-gaps", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  const before = map.getLayer("clusters") ? "clusters" : undefined;
  map.addLayer(
    {
      id: "cov-gaps",
      type: "circle",
      source: "cov-gaps",
      paint: {
        // Area proportional to the inhabitants: radius ∝ √population.
        "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "population"]], 0, 1.5, 100, 2.5, 1000, 10, 2000, 16],
        "circle-color": "#1b1b1b",
        "circle-opacity": 0.7,
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1.2,
      },
    },
    before,
  );
  setAreas(map, { type: "FeatureCollection", features: [] });
}

/**
 * Replaces the choropleth's source and layers. A new source rather than
 * setData: MapLibre (5.24) can keep answering queryRenderedFeatures, and so
 * map clicks, from stale tiles after setData and a zoom.
 */
function setAreas(map, data) {
  for (const id of AREA_LAYERS) if (map.getLayer(id)) map.removeLayer(id);
  if (map.getSource("cov-areas")) map.removeSource("cov-areas");
  map.addSource("cov-areas", { type: "geojson", data });
  const visibility = ctx.state.mode === "coverage" ? "visible" : "none";
  const layers = [
    { id: "cov-fill", type: "fill", filter: [">=", ["get", "cls"], 0], paint: { "fill-color": ["get", "color"], "fill-opacity": 0.85 } },
    { id: "cov-nodata", type: "fill", filter: ["<", ["get", "cls"], 0], paint: { "fill-pattern": "cov-hatch", "fill-opacity": 0.85 } },
    { id: "cov-incomplete", type: "fill", filter: ["!=", ["get", "complete"], true], paint: { "fill-pattern": "cov-incomplete-hatch" } },
    { id: "cov-line", type: "line", paint: { "line-color": "#3a3a3a", "line-width": 1 } },
    { id: "cov-hl", type: "line", filter: ["==", ["get", "cid"], cov.row ?? ""], paint: { "line-color": "#1b1b1b", "line-width": 4 } },
  ];
  for (const layer of layers) map.addLayer({ ...layer, source: "cov-areas", layout: { visibility } }, "cov-gaps");
}

/** Shows or hides the coverage view on the map, and loads it when shown. */
export function showCoverage() {
  if (!ctx) return;
  const on = ctx.state.mode === "coverage";
  $("cov-legend").hidden = !on;
  const map = ctx.getMap();
  if (map && ctx.isMapReady()) {
    if (on) ensureLayers(map);
    for (const id of OUR_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
    for (const id of RESOURCE_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "none" : "visible");
  }
  if (on) {
    renderCoverage();
    if (report) {
      drawAreas();
      drawGaps();
    }
    loadCoverage();
  }
}

function drawAreas() {
  const map = ctx.getMap();
  if (!map || !ctx.isMapReady() || !report || !layersAdded) return;
  const { m, breaks, colours } = legendData();
  const features = report.features
    .filter((f) => f.geometry)
    .map((f) => {
      const value = f.properties[m.prop];
      const cls = classOf(breaks, value);
      return {
        type: "Feature",
        geometry: f.geometry,
        properties: { cid: f.id, name: f.properties.name, value, cls, color: cls >= 0 ? colours[cls] : "#f5f5f5", complete: f.properties.complete === true },
      };
    });
  // Move first, then set the data: the tiles are then made once, for the new view.
  if (fitPending && features.length) {
    fitPending = false;
    const box = bbox(features);
    if (box) map.fitBounds(box, { padding: fitPadding(map), duration: 0, maxZoom: 12 });
  }
  setAreas(map, { type: "FeatureCollection", features });
}

function drawGaps() {
  const map = ctx.getMap();
  if (!map || !ctx.isMapReady() || !gaps || !layersAdded) return;
  map.getSource("cov-gaps").setData(gaps);
}

/** Room around fitted shapes, keeping them clear of the legend on a wide map. */
function fitPadding(map) {
  const legend = $("cov-legend");
  const wide = map.getContainer().clientWidth > 600 && !legend.hidden;
  return { top: 24, right: 24, bottom: 24, left: wide ? legend.offsetWidth + 30 : 24 };
}

function bbox(features) {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]);
      e = Math.max(e, c[0]);
      s = Math.min(s, c[1]);
      n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  for (const f of features) if (f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

/** Selects a row: highlights its outline, zooms to it, marks it in the table. */
export function selectRow(id, { zoom = true } = {}) {
  cov.row = id;
  ctx.writeHash();
  const map = ctx.getMap();
  if (map && layersAdded) map.setFilter("cov-hl", ["==", ["get", "cid"], id ?? ""]);
  for (const b of document.querySelectorAll("#cov-table tbody button.pick")) {
    b.setAttribute("aria-pressed", String(b.dataset.id === id));
    b.closest("tr").classList.toggle("selected", b.dataset.id === id);
  }
  const f = report?.features.find((x) => x.id === id);
  if (zoom && map && f?.geometry) {
    const box = bbox([f]);
    if (box) map.fitBounds(box, { padding: fitPadding(map), maxZoom: 12 });
  }
  if (f) say(ctx.tr("cov.selected", { name: f.properties.name }));
  renderCaveat();
}

/**
 * What the figures rest on: for the chosen row, how many records the
 * directory holds there and whether it claims to hold them all; with none
 * chosen, how many areas it does not cover completely.
 */
function renderCaveat() {
  const box = $("cov-caveat");
  const features = report?.features ?? [];
  const f = features.find((x) => x.id === cov.row);
  let text = "";
  if (f) {
    const p = f.properties;
    const place = cov.level === "country" && COUNTRIES.includes(f.id) ? ctx.tr(`country.${f.id}`) : p.name;
    const vars = { place, n: num(p.records ?? 0), count: p.records ?? 0, category: cov.category ? ctx.tr(`category.${cov.category}`) : "" };
    if (p.complete) text = ctx.tr("cov.caveat.complete", vars);
    else text = ctx.tr(cov.category ? "cov.caveat.row" : "cov.caveat.rowAll", vars);
  } else {
    const incomplete = features.filter((x) => x.properties.complete !== true).length;
    if (incomplete) text = ctx.tr("cov.caveat.view", { n: num(incomplete), count: incomplete });
  }
  box.textContent = text;
  box.hidden = !text;
  box.dataset.row = f ? f.id : "";
  box.dataset.complete = f ? String(f.properties.complete === true) : "";
}

/** A click on the map in the coverage view: select the area under it. */
export function coverageClick(e) {
  const map = ctx.getMap();
  const hit = map.queryRenderedFeatures(e.point, { layers: ["cov-fill", "cov-nodata", "cov-incomplete"] })[0];
  if (!hit) return;
  selectRow(hit.properties.cid, { zoom: false });
  document.querySelector(`#cov-table tbody button.pick[data-id="${CSS.escape(hit.properties.cid)}"]`)?.scrollIntoView({ block: "nearest" });
}

// -------------------------------------------------------------- render ----
/** Re-renders everything in the page's language. */
export function renderCoverage() {
  if (!ctx) return;
  const tr = ctx.tr;
  fillSelect($("cov-level"), LEVELS.map((l) => [l, tr(`cov.level.${l}`)]), cov.level);
  fillSelect($("cov-measure"), MEASURES.map((m) => [m.id, measureName(m)]), cov.measure);
  fillSelect($("cov-category"), [["", tr("cov.allCategories")], ...CATEGORIES.map((c) => [c, tr(`category.${c}`)])], cov.category);
  const topics = TOPICS.map((c) => [c, tr(`topic.${c}`)]).sort((a, b) => a[1].localeCompare(b[1], ctx.state.lang));
  fillSelect($("cov-topic"), [["", tr("filters.allTopics")], ...topics], ctx.state.topic);
  fillSelect($("cov-country"), [["", tr("filters.allCountries")], ...COUNTRIES.map((c) => [c, tr(`country.${c}`)])], ctx.state.country);
  fillSelect($("cov-gapkm"), GAP_KM.map((k) => [String(k), formatValue("km", k)]), String(cov.gapKm));
  renderTable();
  renderLegend();
  renderCaveat();
  renderGaps();
  renderChart();
  renderDownloads();
  renderDemand();
}

function cellValue(f, key) {
  const v = f.properties[key];
  return v === undefined ? null : v;
}

function sortedFeatures() {
  const features = [...(report?.features ?? [])];
  if (!sort) return features;
  const collator = new Intl.Collator(ctx.state.lang);
  return features.sort((a, b) => {
    const x = cellValue(a, sort.key);
    const y = cellValue(b, sort.key);
    if (x === null || y === null) return (x === null) - (y === null); // unknown last, either way
    return sort.dir * (typeof x === "string" ? collator.compare(x, y) : x - y);
  });
}

function renderTable() {
  const tr = ctx.tr;
  const m = measure();
  const columns = COLUMNS.filter((c) => !c.areaOnly || cov.level === "area");
  $("cov-caption").textContent = tr(`cov.caption.${cov.level}`);
  const table = $("cov-table");
  table.dataset.level = cov.level;
  table.dataset.query = report ? reportQuery : "";
  const head = el(
    "tr",
    {},
    ...columns.map((c) => {
      const th = el("th", { scope: "col" });
      th.dataset.key = c.key;
      if (c.key === m.prop) th.classList.add("measure");
      if (c.kind !== "text") th.classList.add("num");
      const sorted = sort?.key === c.key;
      if (sorted) th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
      const btn = el("button", { type: "button", className: "sort" }, el("span", { textContent: columnName(c) }), el("span", { className: "arrow", ariaHidden: "true", textContent: sorted ? (sort.dir > 0 ? "▲" : "▼") : "↕" }));
      btn.addEventListener("click", () => {
        sort = sort?.key === c.key ? { key: c.key, dir: -sort.dir } : { key: c.key, dir: 1 };
        renderTable();
        table.querySelector(`th[data-key="${c.key}"] button`)?.focus();
      });
      th.append(btn);
      return th;
    }),
  );
  table.tHead.replaceChildren(head);
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
      const td = el("td", { className: "num" }, ...figure(c.kind, v));
      td.dataset.key = c.key;
      td.dataset.value = v === null ? "" : String(v);
      if (c.key === m.prop) td.classList.add("measure");
      row.append(td);
    }
    return row;
  });
  table.tBodies[0].replaceChildren(...rows);
}

function renderLegend() {
  const tr = ctx.tr;
  const { m, breaks, colours, values } = legendData();
  $("cov-legend-title").textContent = measureName(m);
  const filters = [cov.category ? tr(`category.${cov.category}`) : tr("cov.allCategories")];
  if (ctx.state.topic) filters.push(tr(`topic.${ctx.state.topic}`));
  if (ctx.state.country) filters.push(tr(`country.${ctx.state.country}`));
  const items = colours.map((colour, i) => {
    const last = i === colours.length - 1;
    const count = values.filter((v) => classOf(breaks, v) === i).length;
    const range = `${formatValue(m.kind, breaks[i])} – ${formatValue(m.kind, breaks[i + 1])}`;
    const li = el("li", {}, el("span", { className: "swatch", ariaHidden: "true" }), el("span", { textContent: range }), el("span", { className: "n", textContent: `(${num(count)})` }));
    li.querySelector(".swatch").style.background = colour;
    Object.assign(li.dataset, { from: String(breaks[i]), to: String(breaks[i + 1]), color: colour, closed: String(last) });
    return li;
  });
  const missing = values.filter((v) => classOf(breaks, v) < 0).length;
  const nodata = el("li", { className: "nodata" }, el("span", { className: "swatch hatch", ariaHidden: "true" }), el("span", { textContent: tr("cov.noData") }), el("span", { className: "n", textContent: `(${num(missing)})` }));
  nodata.dataset.nodata = "true";
  const incomplete = values.length - (report?.features ?? []).filter((f) => f.properties.complete === true).length;
  const partial = el("li", { className: "incomplete" }, el("span", { className: "swatch hatch-incomplete", ariaHidden: "true" }), el("span", { textContent: tr("cov.legend.incomplete") }), el("span", { className: "n", textContent: `(${num(incomplete)})` }));
  partial.dataset.incomplete = String(incomplete);
  const gap = el("li", { className: "gap" }, el("span", { className: "swatch dot", ariaHidden: "true" }), el("span", { textContent: tr("cov.legend.gap", { km: num(cov.gapKm) }) }));
  $("cov-legend-classes").replaceChildren(...items, nodata, partial, gap);
  $("cov-legend-hint").textContent = `${filters.join(" · ")}. ${tr(m.good ? "cov.legend.better" : "cov.legend.farther")}`;
}

function renderGaps() {
  const tr = ctx.tr;
  const km = num(cov.gapKm);
  $("cov-gaps-title").textContent = tr("cov.gaps.title", { km });
  const list = $("cov-gaps");
  if (!gaps) {
    $("cov-gaps-summary").textContent = "";
    list.replaceChildren();
    return;
  }
  const n = gaps.features.length;
  const people = gaps.features.reduce((s, f) => s + (f.properties.population ?? 0), 0);
  let summary = n ? tr("cov.gaps.count", { n: num(n), count: n, people: num(people) }) : tr("cov.gaps.none", { km });
  if (n >= GAP_LIMIT) summary += ` ${tr("cov.gaps.more", { n: num(GAP_LIMIT) })}`;
  if (gaps.features.some((f) => f.properties.complete !== true)) summary += ` ${tr("cov.gaps.incomplete")}`;
  $("cov-gaps-summary").textContent = summary;
  list.replaceChildren(
    ...gaps.features.slice(0, GAP_LISTED).map((f) => {
      const p = f.properties;
      const vars = { name: p.name, country: p.country ? tr(`country.${p.country}`) : "—", people: num(p.population ?? 0) };
      const text = p.nearest_km == null ? tr("cov.gaps.itemNone", vars) : tr("cov.gaps.item", { ...vars, km: formatValue("km", p.nearest_km) });
      const li = el("li", { textContent: text });
      li.dataset.id = String(f.id);
      return li;
    }),
  );
}

/** The download links: the API's own answers (the server names the report files after what they hold). */
function renderDownloads() {
  $("cov-csv").href = reportUrl("csv");
  $("cov-geojson").href = reportUrl("geojson");
  const gapParts = ["witgis-far-places", `${cov.gapKm}km`, cov.category, ctx.state.topic, ctx.state.country].filter(Boolean).join("-");
  $("cov-gaps-geojson").href = gapsUrl();
  $("cov-gaps-geojson").download = `${gapParts}.geojson`;
}

/** Grouped horizontal bars: for each category, one labelled bar per country. */
function renderChart() {
  const box = $("cov-chart");
  const table = $("cov-chart-table");
  if (!chart) {
    box.replaceChildren();
    table.replaceChildren();
    return;
  }
  const tr = ctx.tr;
  const rows = chart.rows;
  const count = (row, c) => row.by_category.find((x) => x.category === c)?.count ?? 0;
  const max = Math.max(1, ...rows.flatMap((r) => CATEGORIES.map((c) => count(r, c))));
  const width = Math.max(260, Math.min(box.clientWidth || 480, 640));
  const [labelH, barH, gapY, groupGap, codeW, valueW] = [18, 13, 3, 10, 30, 42];
  const svg = document.createElementNS(SVG, "svg");
  const add = (parent, tag, attrs, text) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    parent.append(e);
    return e;
  };
  let y = 0;
  for (const c of CATEGORIES) {
    const g = add(svg, "g", { class: `group${c === cov.category ? " chosen" : ""}`, "data-category": c });
    if (c === cov.category) add(g, "rect", { x: 0, y, width, height: labelH + rows.length * (barH + gapY) + 4, fill: "#fff3c4" });
    add(g, "text", { x: 2, y: y + 13, class: "label" }, tr(`category.${c}`));
    y += labelH;
    for (const r of rows) {
      const n = count(r, c);
      const w = ((width - codeW - valueW) * n) / max;
      add(g, "text", { x: 2, y: y + barH - 2, class: "code" }, r.id);
      const bar = add(g, "rect", { x: codeW, y, width: Math.max(n ? 1 : 0, w), height: barH, fill: COUNTRY_COLOURS[r.id] ?? "#555", "data-country": r.id, "data-count": n });
      add(bar, "title", {}, `${tr(`country.${r.id}`)}: ${num(n)}`);
      add(g, "text", { x: codeW + w + 4, y: y + barH - 2, class: "value" }, num(n));
      y += barH + gapY;
    }
    y += groupGap;
  }
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(y));
  svg.setAttribute("viewBox", `0 0 ${width} ${y}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", tr("cov.chart.alt"));
  box.replaceChildren(svg);

  const head = el("tr", {}, el("th", { scope: "col", textContent: tr("cov.category") }), ...rows.map((r) => el("th", { scope: "col", className: "num", textContent: tr(`country.${r.id}`) })));
  const body = CATEGORIES.map((c) => el("tr", {}, el("th", { scope: "row", textContent: tr(`category.${c}`) }), ...rows.map((r) => el("td", { className: "num", textContent: num(count(r, c)) }))));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

// ---------------------------------------------------------------- init ----
export function initCoverage(context) {
  ctx = context;
  initDemand({ state: ctx.state, tr: ctx.tr, num });
  fitPending = !ctx.state.view;
  const change = (id, apply, { refit = false } = {}) =>
    $(id).addEventListener("change", (e) => {
      apply(e.target.value);
      if (refit) fitPending = true;
      ctx.writeHash();
      loadCoverage();
    });
  change(
    "cov-level",
    (v) => {
      cov.level = LEVELS.includes(v) ? v : "country";
      cov.row = null;
      sort = null;
    },
    { refit: true },
  );
  $("cov-measure").addEventListener("change", (e) => {
    cov.measure = e.target.value;
    ctx.writeHash();
    renderTable();
    renderLegend();
    drawAreas();
  });
  change("cov-category", (v) => (cov.category = v));
  change("cov-topic", (v) => (ctx.state.topic = v));
  change("cov-country", (v) => (ctx.state.country = v), { refit: true });
  change("cov-gapkm", (v) => (cov.gapKm = Number(v)));
  let timer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctx.state.mode === "coverage" && renderChart(), 200);
  });
}

/** Fits the map to the rows on the next answer (after the view was entered). */
export function refitCoverage() {
  fitPending = true;
}
