// @ts-check
// The coverage view for policymakers and coordinators: a choropleth of one
// measure by country, region or loaded area, the localities far from any matching
// service, a sortable table, a chart of resources per category and country,
// and downloads of what is shown. Everything comes from this server's
// /api/coverage (format=geojson for the map and the table) and
// /api/coverage/gaps. Mounted with the store and the API client; its parts
// are coverage-*.js and demand.js.

import { initDemand, loadDemand, render as renderDemand } from "./demand.js";
import { CATEGORIES, COUNTRIES, TOPICS } from "../i18n.js";
import { fillSelect } from "../dom.js";
import { isAbort } from "../api.js";
import { $, LEVELS, chartUrl, cov, cv, gapsUrl, num, reportUrl, say } from "./coverage-context.js";
import { GAP_KM, MEASURES, formatValue, measureName } from "./coverage-scale.js";
import { areaAt, drawAreas, drawGaps, showLayers } from "./coverage-map.js";
import { renderCaveat, renderTable, selectRow } from "./coverage-table.js";
import { renderChart, renderDownloads, renderGaps, renderLegend } from "./coverage-panels.js";

/** @typedef {import("../types.js").AnyFeature} AnyFeature */
/** @typedef {import("../types.js").FeatureCollection} FeatureCollection */

/** What the fragment keeps for the view. */
export { cov };

/**
 * Takes the view's part of the fragment: level, measure, category, distance, row.
 * @param {URLSearchParams} p
 */
export function readCoverageHash(p) {
  const level = p.get("level") ?? "";
  cov.level = LEVELS.includes(level) ? level : "country";
  const measure = p.get("measure") ?? "";
  cov.measure = MEASURES.some((m) => m.id === measure) ? measure : "per_100k";
  const category = p.get("category") ?? "";
  cov.category = CATEGORIES.includes(category) ? category : "";
  const km = Number(p.get("gapkm"));
  cov.gapKm = GAP_KM.includes(km) ? km : 25;
  cov.row = p.get("row") || null;
}

/**
 * Puts the view's part in the fragment.
 * @param {URLSearchParams} p
 */
export function writeCoverageHash(p) {
  p.set("level", cov.level);
  p.set("measure", cov.measure);
  if (cov.category) p.set("category", cov.category);
  p.set("gapkm", String(cov.gapKm));
  if (cov.row) p.set("row", cov.row);
}

/** Loads the report, the far localities and the chart for the current choices. */
export async function loadCoverage() {
  if (!cv.mounted || cv.state.mode !== "coverage") return;
  renderDownloads();
  say(cv.tr("status.loading"));
  const fail = (/** @type {unknown} */ e) => {
    if (!isAbort(e)) say(cv.tr("status.error", { detail: /** @type {Error} */ (e).message }));
  };
  const url = reportUrl("geojson");
  const main = cv.getJson("coverage", url).then((answer) => {
    const fc = /** @type {import("../types.js").CoverageReport} */ (answer);
    cv.report = fc;
    cv.reportQuery = url;
    if (cov.row && !fc.features.some((/** @type {AnyFeature} */ f) => f.id === cov.row)) cov.row = null;
    renderTable();
    renderLegend();
    renderCaveat();
    drawAreas();
    const n = fc.features.length;
    say(n ? cv.tr("cov.count", { n: num(n) }) : cv.tr(cov.level === "area" ? "cov.noAreas" : "cov.none"));
  }, fail);
  const far = cv.getJson("coverage-gaps", gapsUrl()).then((fc) => {
    cv.gaps = /** @type {FeatureCollection} */ (fc);
    renderGaps();
    drawGaps();
  }, fail);
  const bars = cv.getJson("coverage-chart", chartUrl()).then((r) => {
    cv.chart = /** @type {import("../types.js").CoverageChart} */ (r);
    renderChart();
  }, fail);
  await Promise.all([main, far, bars, loadDemand()]);
}

/** Shows or hides the coverage view on the map, and loads it when shown. */
export function showCoverage() {
  if (!cv.mounted) return;
  const on = cv.state.mode === "coverage";
  $("cov-legend").hidden = !on;
  showLayers(on);
  if (on) {
    renderCoverage();
    if (cv.report) {
      drawAreas();
      drawGaps();
    }
    loadCoverage();
  }
}

/**
 * A click on the map in the coverage view: select the area under it.
 * @param {{ point: maplibregl.Point }} e a MapLibre click
 */
export function coverageClick(e) {
  const id = areaAt(e.point);
  if (!id) return;
  selectRow(id, { zoom: false });
  document.querySelector(`#cov-table tbody button.pick[data-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: "nearest" });
}

/** Re-renders everything in the page's language. */
export function renderCoverage() {
  if (!cv.mounted) return;
  const tr = cv.tr;
  const { state } = cv;
  fillSelect($("cov-level"), LEVELS.map((l) => [l, tr(`cov.level.${l}`)]), cov.level);
  fillSelect($("cov-measure"), MEASURES.map((m) => [m.id, measureName(m)]), cov.measure);
  fillSelect($("cov-category"), [["", tr("cov.allCategories")], ...CATEGORIES.map((c) => [c, tr(`category.${c}`)])], cov.category);
  const topics = TOPICS.map((c) => [c, tr(`topic.${c}`)]).sort((a, b) => a[1].localeCompare(b[1], state.lang));
  fillSelect($("cov-topic"), [["", tr("filters.allTopics")], ...topics], state.topic);
  fillSelect($("cov-country"), [["", tr("filters.allCountries")], ...COUNTRIES.map((c) => [c, tr(`country.${c}`)])], state.country);
  fillSelect($("cov-gapkm"), GAP_KM.map((k) => [String(k), formatValue("km", k) ?? ""]), String(cov.gapKm));
  renderTable();
  renderLegend();
  renderCaveat();
  renderGaps();
  renderChart();
  renderDownloads();
  renderDemand();
}

/**
 * Mounts the coverage view.
 * @param {object} o
 * @param {import("../state.js").Store} o.store
 * @param {(kind: string, path: string) => Promise<unknown>} o.getJson
 * @param {(key: string, vars?: Record<string, unknown>) => string} o.tr
 * @param {() => maplibregl.Map} o.getMap the MapLibre map, once made
 * @param {() => boolean} o.isMapReady
 */
export function mountCoverage({ store, getJson, tr, getMap, isMapReady }) {
  Object.assign(cv, { state: store.state, getJson, tr, getMap, isMapReady, mounted: true });
  cv.writeHash = () => store.write();
  const { state } = cv;
  initDemand({ state, tr, num });
  cv.fitPending = !state.view;
  /**
   * @param {string} id
   * @param {(value: string) => void} apply
   * @param {{ refit?: boolean }} [o]
   */
  const change = (id, apply, { refit = false } = {}) =>
    $(id).addEventListener("change", (e) => {
      apply(/** @type {HTMLSelectElement} */ (e.target).value);
      if (refit) cv.fitPending = true;
      cv.writeHash();
      loadCoverage();
    });
  change(
    "cov-level",
    (v) => {
      cov.level = LEVELS.includes(v) ? v : "country";
      cov.row = null;
      cv.sort = null;
    },
    { refit: true },
  );
  $("cov-measure").addEventListener("change", (e) => {
    cov.measure = /** @type {HTMLSelectElement} */ (e.target).value;
    cv.writeHash();
    renderTable();
    renderLegend();
    drawAreas();
  });
  change("cov-category", (v) => (cov.category = v));
  change("cov-topic", (v) => (state.topic = v));
  change("cov-country", (v) => (state.country = v), { refit: true });
  change("cov-gapkm", (v) => (cov.gapKm = Number(v)));
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => state.mode === "coverage" && renderChart(), 200);
  });
}

/** Fits the map to the rows on the next answer (after the view was entered). */
export function refitCoverage() {
  cv.fitPending = true;
}
