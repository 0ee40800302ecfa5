// @ts-check
// The witgis web page's bootstrap: the fragment store, the API client, the
// map, and the views (explore, desk, coverage, editor) mounted with them;
// the language and the mode are the page's own.
// Every request goes to this server unless an online basemap is configured.

import { LANGUAGES, loadLanguage, setVocabulary, t } from "./i18n.js";
import { createStore } from "./state.js";
import { getJson } from "./api.js";
import { addOurLayers, createMap, localiseBasemap, localiseControls } from "./map.js";
import { mountBasemapNotice } from "./basemap-notice.js";
import { desk, mountDesk, readDeskHash, refer, renderDesk, showAreas, writeDeskHash } from "./views/desk.js";
import { coverageClick, mountCoverage, readCoverageHash, refitCoverage, renderCoverage, showCoverage, writeCoverageHash } from "./views/coverage.js";
import { mountEditor, renderEditor } from "./views/editor.js";
import { ex, remember } from "./views/explore-context.js";
import { clearPoint, loadCategories, loadNearest, loadResources, loadUnlocated, mountExplore, reload, renderExplore, setPoint, viewChanged } from "./views/explore.js";
import { select, renderDetails } from "./views/explore-details.js";
import { exploreClick, updateClusterLabels, updateHighlights, updateMapData } from "./views/explore-map.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const store = createStore();
const { state } = store;
store.addPart({ read: readDeskHash, write: (p, s) => s.mode === "desk" && writeDeskHash(p) });
store.addPart({ read: readCoverageHash, write: (p, s) => s.mode === "coverage" && writeCoverageHash(p) });
store.setViewSource(() => {
  if (!ex.map) return null;
  const c = ex.map.getCenter();
  return `${ex.map.getZoom().toFixed(2)}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`;
});

/** @type {(key: string, vars?: Record<string, unknown>) => string} */
const tr = (key, vars) => t(state.lang, key, vars);
const writeHash = () => store.write();

/** Loads the page's language and the caller's (help desk), when chosen; English is always there. */
async function loadLanguages() {
  await Promise.all([state.lang, desk.textLang].filter(Boolean).map((lang) => loadLanguage(lang).catch(() => null)));
}

/** Puts every text of the page in its language. */
function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = tr(/** @type {HTMLElement} */ (el).dataset.i18n ?? "");
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    /** @type {HTMLInputElement} */ (el).placeholder = tr(/** @type {HTMLElement} */ (el).dataset.i18nPlaceholder ?? "");
  }
  for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", tr(/** @type {HTMLElement} */ (el).dataset.i18nLabel ?? ""));
  document.title = `witgis — ${tr("app.tagline")}`;
  /** @type {HTMLSelectElement} */ ($("lang")).value = state.lang;
  renderExplore();
  if (ex.map) localiseControls(ex.map, tr);
  renderDesk();
  renderCoverage();
  renderEditor();
  if (ex.map && ex.mapReady) localiseBasemap(ex.map, ex.config, state.lang);
}

/**
 * Switches between the map view, the help-desk view and the coverage view.
 * @param {string} mode
 */
function setMode(mode) {
  const leftCoverage = document.body.dataset.mode === "coverage" && mode !== "coverage";
  state.mode = mode;
  document.body.dataset.mode = mode || "map";
  $("mode-desk").setAttribute("aria-pressed", String(mode === "desk"));
  $("mode-coverage").setAttribute("aria-pressed", String(mode === "coverage"));
  $("desk").hidden = mode !== "desk";
  $("coverage").hidden = mode !== "coverage";
  const skip = /** @type {HTMLElement} */ (document.querySelector(".skip"));
  skip.dataset.i18n = mode === "coverage" ? "cov.skip" : "app.skip";
  skip.textContent = tr(skip.dataset.i18n);
  writeHash();
  updateHighlights();
  showAreas();
  showCoverage();
  if (mode === "desk") refer();
  if (leftCoverage) {
    // The coverage view shares the topic and country filters: the list follows them.
    /** @type {HTMLSelectElement} */ ($("country")).value = state.country;
    /** @type {HTMLSelectElement} */ ($("topic")).value = state.topic;
    reload();
  }
}

/** Makes the map once /api/config has answered, and draws on it when loaded. */
async function initMap() {
  try {
    ex.config = /** @type {import("./map.js").Config} */ (await getJson("config", "/api/config"));
  } catch {
    ex.config = {};
  }
  const map = createMap({ config: ex.config, lang: state.lang, tr, view: state.view });
  ex.map = map;
  // For the browser tests: the map and the state.
  Object.assign(window, { witgis: { map, state } });
  map.on("load", () => {
    addOurLayers(map);
    ex.mapReady = true;
    localiseControls(map, tr);
    updateMapData();
    loadResources();
    updateHighlights();
    showAreas();
    showCoverage();
    mountBasemapNotice(map, ex.config);
    map.once("idle", () => (document.body.dataset.mapReady = "true"));
  });
  map.on("render", updateClusterLabels);
  map.on("moveend", (/** @type {maplibregl.MapMouseEvent & { keepList?: boolean }} */ e) => {
    writeHash();
    // The list follows the view, except when the page only brought a picked place into sight.
    if (!e.keepList) viewChanged();
  });
  map.on("click", (/** @type {maplibregl.MapMouseEvent} */ e) => (state.mode === "coverage" ? coverageClick(e) : exploreClick(e)));
}

/** The page's own controls: language, modes, the skip link. */
function bindControls() {
  const langSelect = /** @type {HTMLSelectElement} */ ($("lang"));
  langSelect.replaceChildren(...LANGUAGES.map((l) => Object.assign(new Option(l.name, l.code), { lang: l.code })));
  langSelect.addEventListener("change", async () => {
    state.lang = langSelect.value;
    writeHash();
    await loadLanguages();
    // A quicker choice after this one has already redrawn the page.
    if (state.lang === langSelect.value) applyLanguage();
  });
  $("mode-desk").addEventListener("click", () => {
    setMode(state.mode === "desk" ? "" : "desk");
    if (state.mode === "desk") $("desk-q").focus();
  });
  $("mode-coverage").addEventListener("click", () => {
    if (state.mode !== "coverage") refitCoverage();
    setMode(state.mode === "coverage" ? "" : "coverage");
    if (state.mode === "coverage") $("cov-level").focus();
  });
  /** @type {HTMLElement} */ (document.querySelector(".skip")).addEventListener("click", (e) => {
    e.preventDefault();
    const target = { desk: "desk-q", coverage: "cov-table-wrap" }[state.mode] ?? "results";
    $(target).focus();
  });
  // A fragment changed from outside (a pasted link, back): the page follows it.
  store.subscribe(async () => {
    await loadLanguages();
    if (!state.view) refitCoverage();
    /** @type {HTMLInputElement} */ ($("q")).value = state.q;
    applyLanguage();
    setMode(state.mode);
    if (ex.map && state.view) ex.map.jumpTo({ center: [state.view.lon, state.view.lat], zoom: state.view.zoom });
    reload();
    if (state.selected) select(state.selected, { focus: false });
  });
}

/** Takes the countries, categories and topics from the server, before anything reads them. */
async function loadVocabulary() {
  try {
    setVocabulary(/** @type {Parameters<typeof setVocabulary>[0]} */ (await getJson("vocabulary", "/api/vocabulary")));
  } catch (e) {
    console.error("witgis: /api/vocabulary did not answer", e);
  }
}

async function start() {
  await loadVocabulary();
  store.read();
  await loadLanguages();
  mountExplore({ store, getJson, tr, onReset: applyLanguage });
  bindControls();
  const getMap = () => ex.map;
  mountDesk({
    store,
    tr,
    getJson,
    getConfig: () => ex.config,
    getMap,
    isMapReady: () => ex.mapReady,
    setPoint,
    clearPoint,
    redrawHighlights: updateHighlights,
  });
  mountCoverage({ store, tr, getJson, getMap, isMapReady: () => ex.mapReady });
  // After a write: forget the cached record, reload the list, redraw the details.
  mountEditor({ store, tr, getMap, onChanged: (/** @type {string} */ id, /** @type {import("./views/explore-context.js").Feature | null} */ f) => (f ? remember([f]) : ex.known.delete(id), reload(), renderDetails()) });
  /** @type {HTMLInputElement} */ ($("q")).value = state.q;
  applyLanguage();
  setMode(state.mode);
  loadCategories();
  initMap();
  loadUnlocated();
  loadNearest();
  if (state.selected) select(state.selected, { focus: false });
}

start();
