// The witgis web map: filters, list, search, nearest, details, languages.
// Every request goes to this server unless an online basemap is configured.

import { CATEGORIES, COUNTRIES, LANGUAGES, TOPICS, pickLanguage, t } from "./i18n.js";
import { bindCombobox } from "./combobox.js";
import { MIXED, SYMBOLS, imageName, symbolDataUrl, symbolImageData } from "./symbols.js";
import { approxText, browserZone, canDirect, fmtDistance, hoursText, isApprox } from "./facts.js";
import { deskMarks, initDesk, readDeskHash, refer, renderDesk, showAreas, writeDeskHash } from "./desk.js";
import { coverageClick, initCoverage, readCoverageHash, refitCoverage, renderCoverage, showCoverage, writeCoverageHash } from "./coverage.js";
import { fillSelect } from "./dom.js";
import { freshness, sourceParts } from "./trust.js";
import { initEditor, renderEditor } from "./editor.js";

const NEAREST_K = 10;
const LIST_LIMIT = 1000;
const HOME_BOUNDS = [[5.5, 36.0], [28.5, 56.5]];
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- state ----
/** Everything the URL keeps; the page is a function of it. */
const state = {
  lang: "en",
  categories: new Set(CATEGORIES),
  country: "",
  topic: "",
  q: "",
  point: null, // [lon, lat]
  selected: null, // resource id
  view: null, // { zoom, lat, lon }
  mode: "", // "" (map), "desk" (help-desk operator view) or "coverage" (coverage for policymakers)
};

let map = null;
let mapReady = false;
let resources = []; // current filtered list (features)
let matched = 0;
let nearest = []; // features with distance_m, when a point is set
const known = new Map(); // id → feature, from every answer seen
let pointMarker = null;
let rankMarkers = [];
const clusterMarkers = new Map();
const stackMarkers = new Map(); // stack key → count button on the map
let stacks = new Map(); // stack key → the features sharing that point
let stackPopup = null;
let returnFocus = null;

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const langs = [p.get("lang"), ...(navigator.languages ?? [navigator.language])].filter(Boolean);
  state.lang = pickLanguage(langs);
  const cats = p.get("cat");
  state.categories = new Set(cats === null ? CATEGORIES : cats.split(",").filter((c) => CATEGORIES.includes(c)));
  state.country = COUNTRIES.includes(p.get("country")) ? p.get("country") : "";
  state.topic = TOPICS.includes(p.get("topic")) ? p.get("topic") : "";
  state.q = (p.get("q") ?? "").trim();
  state.point = parsePair(p.get("pt"));
  state.selected = p.get("sel") || null;
  state.mode = ["desk", "coverage"].includes(p.get("mode")) ? p.get("mode") : "";
  readDeskHash(p);
  readCoverageHash(p);
  const view = (p.get("map") ?? "").split("/").map(Number);
  state.view = view.length === 3 && view.every(Number.isFinite) ? { zoom: view[0], lat: view[1], lon: view[2] } : null;
}

function parsePair(text) {
  const v = (text ?? "").split(",").map(Number);
  if (v.length !== 2 || !v.every(Number.isFinite)) return null;
  if (Math.abs(v[0]) > 180 || Math.abs(v[1]) > 90) return null;
  return v;
}

let writtenHash = "";
function writeHash() {
  const p = new URLSearchParams();
  p.set("lang", state.lang);
  if (state.mode) p.set("mode", state.mode);
  if (state.mode === "desk") writeDeskHash(p);
  if (state.mode === "coverage") writeCoverageHash(p);
  if (state.categories.size !== CATEGORIES.length) p.set("cat", CATEGORIES.filter((c) => state.categories.has(c)).join(","));
  if (state.country) p.set("country", state.country);
  if (state.topic) p.set("topic", state.topic);
  if (state.q) p.set("q", state.q);
  if (state.point) p.set("pt", state.point.map((v) => v.toFixed(5)).join(","));
  if (state.selected) p.set("sel", state.selected);
  if (map) {
    const c = map.getCenter();
    p.set("map", `${map.getZoom().toFixed(2)}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`);
  }
  writtenHash = "#" + p.toString().replace(/%2C/g, ",").replace(/%2F/g, "/");
  if (location.hash !== writtenHash) history.replaceState(null, "", writtenHash);
}

// ----------------------------------------------------------------- text ----
const tr = (key, vars) => t(state.lang, key, vars);

/** The distance to a feature's point; "≈ 2 km" when the point is approximate. */
function distanceText(p) {
  return fmtDistance(state.lang, p.distance_m, isApprox(p));
}

function humanise(slug) {
  return String(slug).replace(/_/g, " ");
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = tr(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = tr(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", tr(el.dataset.i18nLabel));
  document.title = `witgis — ${tr("app.tagline")}`;
  $("lang").value = state.lang;
  fillFilter($("country"), tr("filters.allCountries"), COUNTRIES.map((c) => [c, tr(`country.${c}`)]), state.country);
  const topics = TOPICS.map((c) => [c, tr(`topic.${c}`)]).sort((a, b) => a[1].localeCompare(b[1], state.lang));
  fillFilter($("topic"), tr("filters.allTopics"), topics, state.topic);
  renderLegend();
  renderTextFilter();
  renderList();
  renderDetails();
  localiseMap();
  renderDesk();
  renderCoverage();
  renderEditor();
  localiseBasemap();
}

/** MapLibre's own control labels, in the page's language. */
function mapLocale() {
  return {
    "NavigationControl.ZoomIn": tr("map.zoomIn"),
    "NavigationControl.ZoomOut": tr("map.zoomOut"),
    "AttributionControl.ToggleAttribution": tr("map.attribution"),
    "Map.Title": tr("map.label"),
    "Popup.Close": tr("details.close"),
  };
}

function localiseMap() {
  if (!map) return;
  map.getCanvas().setAttribute("aria-label", tr("map.label"));
  const label = (selector, key) => {
    for (const el of map.getContainer().querySelectorAll(selector)) {
      el.title = tr(key);
      el.setAttribute("aria-label", tr(key));
    }
  };
  label(".maplibregl-ctrl-zoom-in", "map.zoomIn");
  label(".maplibregl-ctrl-zoom-out", "map.zoomOut");
  label(".maplibregl-ctrl-attrib-button", "map.attribution");
  for (const el of map.getContainer().querySelectorAll(".stack-count[data-stack]")) {
    el.setAttribute("aria-label", tr("stack.open", { n: stacks.get(el.dataset.stack)?.length ?? el.textContent }));
  }
  if (stackPopup) openStack(stackPopup.key, stackPopup.from, false); // in the new language, leaving the focus where it is
}

/** A select of "all" (the empty value) and the options. */
function fillFilter(select, allLabel, options, value) {
  fillSelect(select, [["", allLabel], ...options], value);
}

// ------------------------------------------------------------------ API ----
const controllers = {};
async function getJson(kind, path) {
  controllers[kind]?.abort();
  const ctl = (controllers[kind] = new AbortController());
  const res = await fetch(path, { signal: ctl.signal, headers: { accept: "application/json" } });
  // A newer request of the same kind aborts this one, also while its body is
  // read: that must reject (AbortError), not answer an empty object.
  const body = await res.json().catch((e) => {
    if (ctl.signal.aborted) throw e;
    return {};
  });
  if (!res.ok) throw new Error(body.detail ?? `HTTP ${res.status}`);
  return body;
}

function filterParams() {
  const p = new URLSearchParams();
  if (state.categories.size !== CATEGORIES.length) p.set("category", [...state.categories].join(","));
  if (state.country) p.set("country", state.country);
  if (state.topic) p.set("topic", state.topic);
  if (state.q) p.set("q", state.q);
  return p;
}

function remember(features) {
  for (const f of features) known.set(f.id ?? f.properties.id, f);
}

let categoryCounts = {};
async function loadCategories() {
  try {
    const rows = await getJson("categories", "/api/categories");
    categoryCounts = Object.fromEntries(rows.map((r) => [r.category, r.count]));
    renderLegend();
  } catch (e) {
    if (e.name !== "AbortError") showError(e);
  }
}

async function loadResources() {
  setStatus(tr("status.loading"));
  if (state.categories.size === 0) {
    resources = [];
    matched = 0;
  } else {
    const p = filterParams();
    p.set("limit", String(LIST_LIMIT));
    try {
      const fc = await getJson("resources", `/api/resources?${p}`);
      resources = fc.features;
      matched = fc.numberMatched ?? fc.features.length;
    } catch (e) {
      if (e.name !== "AbortError") showError(e);
      return;
    }
  }
  remember(resources);
  updateMapData();
  renderList();
}

async function loadNearest() {
  if (!state.point) {
    nearest = [];
    updateHighlights();
    renderList();
    return;
  }
  if (state.categories.size === 0) {
    nearest = [];
  } else {
    const p = filterParams();
    p.set("lon", state.point[0].toFixed(6));
    p.set("lat", state.point[1].toFixed(6));
    p.set("k", String(NEAREST_K));
    try {
      nearest = (await getJson("nearest", `/api/nearest?${p}`)).features;
    } catch (e) {
      if (e.name !== "AbortError") showError(e);
      return;
    }
  }
  remember(nearest);
  updateHighlights();
  renderList();
}

function reload() {
  writeHash();
  loadResources();
  loadNearest();
}

function showError(e) {
  setStatus(tr("status.error", { detail: e.message }));
}

function setStatus(text) {
  $("status").textContent = text;
}

// --------------------------------------------------------------- legend ----
function renderLegend() {
  const ul = $("legend");
  ul.replaceChildren(
    ...CATEGORIES.map((c) => {
      const li = document.createElement("li");
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = c;
      box.checked = state.categories.has(c);
      box.addEventListener("change", () => {
        if (box.checked) state.categories.add(c);
        else state.categories.delete(c);
        reload();
      });
      const img = document.createElement("img");
      img.src = symbolDataUrl(c);
      img.alt = "";
      const name = document.createElement("span");
      name.textContent = tr(`category.${c}`);
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = categoryCounts[c] ?? "";
      label.append(box, img, name, count);
      li.append(label);
      return li;
    }),
  );
  // How a point is drawn: exact, approximate, or shared by several services.
  const mark = (src, key, extra = null) => {
    const img = Object.assign(document.createElement("img"), { src, alt: "", width: 24, height: 24 });
    const li = document.createElement("li");
    li.dataset.mark = key;
    const label = Object.assign(document.createElement("span"), { textContent: tr(`legend.${key}`) });
    li.append(...[img, extra, label].filter(Boolean));
    return li;
  };
  const badge = Object.assign(document.createElement("span"), { className: "stack-count sample", textContent: "3" });
  badge.setAttribute("aria-hidden", "true");
  $("legend-marks-title").textContent = tr("legend.title");
  $("legend-marks").replaceChildren(
    mark(symbolDataUrl("mental_health_centre", 24), "exact"),
    mark(symbolDataUrl("mental_health_centre", 24, true), "approx"),
    mark(symbolDataUrl(MIXED, 24), "stack", badge),
  );
}

function renderTextFilter() {
  $("text-filter").hidden = !state.q;
  $("text-filter-label").textContent = `${tr("filters.text")}: “${state.q}”`;
}

// ----------------------------------------------------------------- list ----
function featureId(f) {
  return f.id ?? f.properties.id;
}

function renderList() {
  const ol = $("list");
  const showNearest = state.point !== null;
  $("results-title").textContent = tr(showNearest ? "list.nearestTitle" : "list.title");
  const items = showNearest ? nearest : resources;
  ol.dataset.mode = showNearest ? "nearest" : "all";
  ol.replaceChildren(
    ...items.map((f, i) => {
      const p = f.properties;
      const li = document.createElement("li");
      const btn = document.createElement("button");
      btn.type = "button";
      btn.dataset.id = featureId(f);
      if (featureId(f) === state.selected) btn.setAttribute("aria-current", "true");
      const rank = document.createElement("span");
      rank.className = "rank";
      rank.textContent = showNearest ? `${i + 1}.` : "";
      const img = document.createElement("img");
      img.src = symbolDataUrl(p.category);
      img.alt = "";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = p.name;
      const sub = document.createElement("span");
      sub.className = "sub";
      const where = [p.city, tr(`country.${p.country}`)].filter(Boolean).join(", ");
      const sourced = sourceParts(p.source).some((x) => x.url) ? tr("trust.linkedSource") : tr("ed.q.missing_source_url");
      sub.textContent = `${tr(`category.${p.category}`)} · ${where}${f.geometry ? "" : ` · ${tr("list.noLocation")}`} · ${freshness(state.lang, p.last_verified).text} · ${sourced}`;
      name.append(sub);
      const dist = document.createElement("span");
      dist.className = "dist";
      dist.textContent = showNearest && p.distance_m != null ? distanceText(p) : "";
      if (showNearest) btn.append(rank, img, name, dist);
      else btn.append(img, name);
      btn.addEventListener("click", () => select(featureId(f), { fly: true, from: btn }));
      li.append(btn);
      return li;
    }),
  );
  let status;
  if (showNearest) status = tr("list.nearestCount", { n: items.length });
  else status = tr("list.count", { n: matched });
  if (!items.length) status += ` ${tr("list.none")}`;
  if (!showNearest && matched > items.length && items.length) status += ` ${tr("list.truncated", { n: items.length })}`;
  setStatus(status);
}

// -------------------------------------------------------------- details ----
async function select(id, { fly = false, from = null, focus = true } = {}) {
  state.selected = id;
  returnFocus = from ?? document.activeElement;
  let f = known.get(id);
  if (!f) {
    try {
      f = await getJson("details", `/api/resources/${encodeURIComponent(id)}`);
      remember([f]);
    } catch (e) {
      if (e.name !== "AbortError") showError(e);
      state.selected = null;
      writeHash();
      return;
    }
  }
  writeHash();
  renderDetails();
  updateHighlights();
  for (const b of $("list").querySelectorAll("button[data-id]")) {
    b.toggleAttribute("aria-current", b.dataset.id === id);
    if (b.dataset.id === id) b.setAttribute("aria-current", "true");
  }
  if (fly && f.geometry && map) {
    // Keep the place clear of the details panel: right of it on a desk, above it on a phone.
    const wide = window.matchMedia("(min-width: 761px)").matches;
    if (!wide) document.querySelector(".layout").scrollTo({ top: 0 });
    const offset = wide ? [-200, 0] : [0, -Math.round(map.getContainer().clientHeight / 4)];
    map.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 12), offset });
  }
  if (focus) $("details").focus();
}

function closeDetails() {
  if (!state.selected) return;
  state.selected = null;
  writeHash();
  renderDetails();
  updateHighlights();
  for (const b of $("list").querySelectorAll("button[aria-current]")) b.removeAttribute("aria-current");
  const back = returnFocus && document.contains(returnFocus) ? returnFocus : $("results");
  back.focus();
}

function renderDetails() {
  const panel = $("details");
  const f = state.selected ? known.get(state.selected) : null;
  panel.hidden = !f;
  if (!f) return;
  const p = f.properties;
  const body = $("details-body");
  const el = (tag, props = {}, ...children) => {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...children);
    return e;
  };
  const rows = [];
  const row = (key, ...value) => {
    if (value.length && value.every((v) => v !== null && v !== undefined && v !== "")) {
      rows.push(el("dt", { textContent: tr(key) }), el("dd", {}, ...value));
    }
  };
  const ext = (href, text) => {
    const a = el("a", { href, textContent: text, target: "_blank", rel: "noopener noreferrer" });
    a.append(el("span", { className: "sr-only", textContent: ` ${tr("details.newWindow")}` }));
    return a;
  };
  const near = nearest.find((n) => featureId(n) === featureId(f));
  if (near?.properties.distance_m != null) row("details.distance", distanceText(near.properties));
  const address = [p.address, [p.postcode, p.city].filter(Boolean).join(" "), tr(`country.${p.country}`)]
    .filter(Boolean)
    .join(", ");
  // A city is not an address: say that the street is not known.
  row("details.address", p.address || !f.geometry ? address : `${tr("desk.addressUnknown")} (${address})`);
  if (p.phone) row("details.phone", el("a", { href: `tel:${p.phone.replace(/[^\d+]/g, "")}`, textContent: p.phone }));
  if (p.email) row("details.email", el("a", { href: `mailto:${p.email}`, textContent: p.email }));
  if (p.website && /^https?:\/\//i.test(p.website)) row("details.website", ext(p.website, p.website.replace(/^https?:\/\//i, "")));
  // The next seven days in words (never the raw OpenStreetMap syntax).
  row("details.hours", hoursText(state.lang, p.hours_week, browserZone()));
  if (p.topics?.length) row("details.topics", p.topics.map((x) => tr(`topic.${x}`)).join(", "));
  if (p.target_groups?.length) row("details.targetGroups", p.target_groups.map(humanise).join(", "));
  if (p.access) row("details.access", tr(`access.${p.access}`));
  if (p.cost) row("details.cost", tr(`cost.${p.cost}`));
  if (f.geometry && isApprox(p)) row("details.location", el("span", { className: "approx", textContent: approxText(state.lang, p) }));
  else if (p.coord_precision) row("details.precision", tr(`precision.${p.coord_precision}`));
  const source = sourceParts(p.source).flatMap((x, i) => [i ? "; " : "", x.url ? ext(x.url, x.url.replace(/^https?:\/\//i, "")) : x.text]);
  if (source.length) rows.push(el("dt", { textContent: tr("details.source") }), el("dd", {}, ...source));
  const fresh = freshness(state.lang, p.last_verified);
  const verified = el("span", { className: fresh.stale ? "fresh stale" : "fresh", textContent: fresh.never ? fresh.text : `${fresh.text} (${p.last_verified})${fresh.stale ? ` · ${tr("trust.stale")}` : ""}` });
  rows.push(el("dt", { textContent: tr("details.lastVerified") }), el("dd", {}, verified));

  const catImg = el("img", { src: symbolDataUrl(p.category), alt: "", width: 20, height: 20 });
  const parts = [
    el("h2", { id: "details-name", textContent: p.name }),
    p.name_en && p.name_en !== p.name ? el("p", { className: "alt", textContent: p.name_en }) : "",
    el("p", { className: "cat" }, catImg, el("span", { textContent: tr(`category.${p.category}`) })),
    p.description ? el("p", { textContent: p.description }) : "",
    el("dl", {}, ...rows),
  ];
  if (canDirect(f)) {
    const [lon, lat] = f.geometry.coordinates;
    const href = `https://www.openstreetmap.org/directions?to=${lat.toFixed(6)},${lon.toFixed(6)}`;
    const a = ext(href, tr("details.directions"));
    a.className = "directions";
    parts.push(a);
  } else if (f.geometry) {
    // The point is only the centre of a quarter or a city: no directions to it.
    const key = p.address ? "approx.address" : p.phone ? "approx.noAddressCall" : "approx.noAddress";
    parts.push(el("p", { className: "no-directions", textContent: tr(key) }));
  } else {
    parts.push(el("p", { textContent: tr("details.noLocation") }));
  }
  body.replaceChildren(...parts.filter(Boolean));
}

// ------------------------------------------------------------------ map ----
function offlineStyle() {
  const ours = ["380", "100", "276", "440"]; // IT, BG, DE, LT (ISO 3166-1 numeric)
  return {
    version: 8,
    sources: {
      countries: {
        type: "geojson",
        data: new URL("/vendor/countries.geojson", location.href).href,
        attribution: "Natural Earth",
      },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#d4e4ee" } },
      {
        id: "land",
        type: "fill",
        source: "countries",
        paint: {
          "fill-color": ["case", ["in", ["get", "iso_n3"], ["literal", ours]], "#fbfaf5", "#eceae2"],
        },
      },
      {
        id: "borders",
        type: "line",
        source: "countries",
        paint: { "line-color": "#8a8a8a", "line-width": ["interpolate", ["linear"], ["zoom"], 3, 0.6, 10, 1.6] },
      },
    ],
  };
}

/** The MapLibre source name of the local PMTiles basemap. */
const BASEMAP_SOURCE = "protomaps";
let pmtilesProtocol = false;

/**
 * The local vector basemap (`--basemap`): the PMTiles archive and glyphs
 * from this server, drawn with the Protomaps light layers, names in the
 * page's language (else the local name).
 */
function localStyle() {
  if (!pmtilesProtocol) {
    maplibregl.addProtocol("pmtiles", new pmtiles.Protocol().tile);
    pmtilesProtocol = true;
  }
  return {
    version: 8,
    glyphs: `${location.origin}/fonts/{fontstack}/{range}.pbf`,
    sources: {
      [BASEMAP_SOURCE]: {
        type: "vector",
        url: `pmtiles://${location.origin}${config.basemap_pmtiles}`,
        attribution: "© OpenStreetMap contributors",
      },
    },
    layers: basemapLayers(),
  };
}

/** The Protomaps light layers, faded so that our symbols stay readable. */
function basemapLayers() {
  return basemaps.layers(BASEMAP_SOURCE, basemaps.namedFlavor("light"), { lang: state.lang });
}

/** Re-sets the basemap's label layers in the page's language. */
function localiseBasemap() {
  if (!map || !mapReady || !config.basemap_pmtiles) return;
  for (const layer of basemapLayers()) {
    if (layer.type !== "symbol" || layer.layout?.["text-field"] === undefined || !map.getLayer(layer.id)) continue;
    map.setLayoutProperty(layer.id, "text-field", layer.layout["text-field"]);
  }
}

function addOurLayers() {
  for (const c of [...CATEGORIES, MIXED]) {
    for (const approx of [false, true]) {
      const name = imageName(c, approx);
      if (!map.hasImage(name)) map.addImage(name, symbolImageData(c, 22, 2, approx), { pixelRatio: 2 });
    }
  }
  map.addSource("resources", {
    type: "geojson",
    data: { type: "FeatureCollection", features: [] },
    cluster: true,
    clusterRadius: 40,
    clusterMaxZoom: 9,
    // A cluster counts the services in it, stacks included.
    clusterProperties: { records: ["+", ["get", "count"]] },
  });
  map.addSource("highlight", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({
    id: "clusters",
    type: "circle",
    source: "resources",
    filter: ["has", "point_count"],
    paint: {
      "circle-color": "#33414f",
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
      "circle-radius": ["step", ["get", "point_count"], 14, 10, 18, 50, 23],
    },
  });
  map.addLayer({
    id: "points",
    type: "symbol",
    source: "resources",
    filter: ["!", ["has", "point_count"]],
    layout: { "icon-image": ICON, "icon-allow-overlap": true },
  });
  map.addLayer({
    id: "hl-halo",
    type: "circle",
    source: "highlight",
    paint: {
      "circle-radius": ["case", ["get", "selected"], 19, 15],
      "circle-color": ["case", ["get", "selected"], "#fff3b0", "#ffffff"],
      "circle-opacity": 0.9,
      "circle-stroke-color": "#1b1b1b",
      "circle-stroke-width": ["case", ["get", "selected"], 3, 2],
    },
  });
  map.addLayer({
    id: "hl-icons",
    type: "symbol",
    source: "highlight",
    layout: { "icon-image": ICON, "icon-allow-overlap": true },
  });
}

/** The map image of a feature: its category's symbol, in a dashed ring when the point is approximate. */
const ICON = ["concat", "sym-", ["case", ["get", "approx"], "approx-", ""], ["get", "category"]];

/** A key shared by features on the same point (to about 10 cm). */
const pointKey = (f) => f.geometry.coordinates.map((v) => v.toFixed(6)).join(",");

/**
 * Draws the listed resources: one symbol per point, so that services sharing
 * a point (often a city's centre) are one stack that says how many they are
 * and lists them on a click.
 */
function updateMapData() {
  if (!mapReady) return;
  stacks = new Map();
  for (const f of resources) {
    if (!f.geometry) continue;
    const key = pointKey(f);
    if (!stacks.has(key)) stacks.set(key, []);
    stacks.get(key).push(f);
  }
  const slim = [...stacks].map(([key, fs]) => {
    const categories = new Set(fs.map((f) => f.properties.category));
    const properties = {
      id: fs.length === 1 ? featureId(fs[0]) : `stack:${key}`,
      category: categories.size === 1 ? fs[0].properties.category : MIXED,
      approx: fs.some((f) => isApprox(f.properties)),
      count: fs.length,
    };
    if (fs.length > 1) properties.stack = key;
    return { type: "Feature", geometry: fs[0].geometry, properties };
  });
  map.getSource("resources").setData({ type: "FeatureCollection", features: slim });
  if (stackPopup && !stacks.has(stackPopup.key)) closeStack();
}

/** Lists the services sharing the point `key` in a popup, each a button that opens its details. */
function openStack(key, from = null, focus = true) {
  const fs = stacks.get(key);
  if (!fs || !map) return;
  closeStack();
  const box = document.createElement("div");
  box.className = "stack-list";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-labelledby", "stack-title");
  const h = Object.assign(document.createElement("h2"), { id: "stack-title", textContent: tr("stack.title", { n: fs.length }) });
  box.append(h);
  const approx = fs.find((f) => isApprox(f.properties));
  if (approx) box.append(Object.assign(document.createElement("p"), { className: "approx", textContent: approxText(state.lang, approx.properties) }));
  const ul = document.createElement("ul");
  for (const f of [...fs].sort((a, b) => a.properties.name.localeCompare(b.properties.name, state.lang))) {
    const btn = Object.assign(document.createElement("button"), { type: "button" });
    btn.dataset.id = featureId(f);
    const img = Object.assign(document.createElement("img"), { src: symbolDataUrl(f.properties.category, 18), alt: "", width: 18, height: 18 });
    const name = Object.assign(document.createElement("span"), { textContent: f.properties.name });
    const sub = Object.assign(document.createElement("span"), { className: "sub", textContent: tr(`category.${f.properties.category}`) });
    name.append(sub);
    btn.append(img, name);
    btn.addEventListener("click", () => select(featureId(f), { from: from ?? btn }));
    const li = document.createElement("li");
    li.append(btn);
    ul.append(li);
  }
  box.append(ul);
  const popup = new maplibregl.Popup({ closeOnClick: true, maxWidth: "320px", focusAfterOpen: false })
    .setLngLat(fs[0].geometry.coordinates)
    .setDOMContent(box)
    .addTo(map);
  stackPopup = { key, popup, from };
  popup.on("close", () => {
    if (stackPopup?.popup === popup) stackPopup = null;
  });
  if (focus) box.querySelector("button")?.focus();
}

function closeStack() {
  const open = stackPopup;
  stackPopup = null;
  open?.popup.remove();
  return open;
}

function updateHighlights() {
  if (!mapReady) return;
  const features = [];
  // In the help-desk view the marks are the desk's: competent ("C") and numbered alternatives.
  const marks = state.mode === "desk" ? deskMarks() : nearest.map((f, i) => ({ f, label: String(i + 1), strong: false }));
  for (const { f, strong } of marks) {
    if (f.geometry) {
      const selected = strong || featureId(f) === state.selected;
      features.push({ type: "Feature", geometry: f.geometry, properties: { id: featureId(f), category: f.properties.category, approx: isApprox(f.properties), selected } });
    }
  }
  const sel = state.selected ? known.get(state.selected) : null;
  if (sel?.geometry && !features.some((f) => f.properties.id === state.selected)) {
    features.push({ type: "Feature", geometry: sel.geometry, properties: { id: state.selected, category: sel.properties.category, approx: isApprox(sel.properties), selected: true } });
  }
  map.getSource("highlight").setData({ type: "FeatureCollection", features });

  for (const m of rankMarkers) m.remove();
  rankMarkers = marks
    .filter(({ f }) => f.geometry)
    .map(({ f, label }) => {
      const el = document.createElement("div");
      el.className = "rank-badge";
      el.textContent = label;
      el.setAttribute("aria-hidden", "true");
      return new maplibregl.Marker({ element: el, offset: [14, -14] }).setLngLat(f.geometry.coordinates).addTo(map);
    });

  if (pointMarker) pointMarker.remove();
  pointMarker = null;
  if (state.point) {
    const el = document.createElement("div");
    el.className = "point-marker";
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", tr("point.marker"));
    el.innerHTML =
      '<svg viewBox="0 0 28 28" width="28" height="28" aria-hidden="true"><circle cx="14" cy="14" r="10" fill="#fff" stroke="#1b1b1b" stroke-width="3"/><circle cx="14" cy="14" r="4" fill="#1b1b1b"/></svg>';
    pointMarker = new maplibregl.Marker({ element: el }).setLngLat(state.point).addTo(map);
  }
  $("clear-point").hidden = !state.point;
}

/**
 * Count labels on clusters as HTML, so no glyphs have to be fetched; on a
 * stack (services sharing one point) the count is a button that lists them.
 */
function updateClusterLabels() {
  // While the source reloads its tiles it lists nothing: keep the labels (and the focus on one) as they are.
  if (!mapReady || !map.getSource("resources") || !map.isSourceLoaded("resources")) return;
  const seen = new Set();
  const stacked = new Set();
  for (const f of map.querySourceFeatures("resources")) {
    const p = f.properties;
    if (p.stack && !p.cluster) {
      if (stacked.has(p.stack)) continue;
      stacked.add(p.stack);
      let marker = stackMarkers.get(p.stack);
      if (!marker) {
        const el = document.createElement("button");
        el.type = "button";
        el.className = "stack-count";
        el.dataset.stack = p.stack;
        el.textContent = String(p.count);
        el.setAttribute("aria-label", tr("stack.open", { n: p.count }));
        el.addEventListener("click", (e) => {
          e.stopPropagation();
          openStack(p.stack, el);
        });
        // Added once: adding again would take the focus off the button.
        marker = new maplibregl.Marker({ element: el, offset: [14, 14] }).setLngLat(f.geometry.coordinates).addTo(map);
        stackMarkers.set(p.stack, marker);
      }
      continue;
    }
    if (!p.cluster) continue;
    const id = p.cluster_id;
    if (seen.has(id)) continue;
    seen.add(id);
    let marker = clusterMarkers.get(id);
    if (!marker) {
      const el = document.createElement("div");
      el.className = "cluster-count";
      el.setAttribute("aria-hidden", "true");
      el.textContent = String(p.records ?? p.point_count);
      marker = new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates);
      clusterMarkers.set(id, marker);
    }
    marker.addTo(map);
  }
  for (const [id, marker] of clusterMarkers) {
    if (!seen.has(id)) {
      marker.remove();
      clusterMarkers.delete(id);
    }
  }
  for (const [key, marker] of stackMarkers) {
    if (!stacked.has(key)) {
      marker.remove();
      stackMarkers.delete(key);
    }
  }
}

function setPoint(lonlat) {
  state.point = [Number(lonlat[0]), Number(lonlat[1])];
  writeHash();
  if (state.mode === "desk") {
    updateHighlights();
    refer();
    loadNearest();
    return;
  }
  loadNearest().then(() => $("results").focus({ preventScroll: true }));
}

/** Switches between the map view, the help-desk view and the coverage view. */
function setMode(mode) {
  const leftCoverage = document.body.dataset.mode === "coverage" && mode !== "coverage";
  state.mode = mode;
  document.body.dataset.mode = mode || "map";
  $("mode-desk").setAttribute("aria-pressed", String(mode === "desk"));
  $("mode-coverage").setAttribute("aria-pressed", String(mode === "coverage"));
  $("desk").hidden = mode !== "desk";
  $("coverage").hidden = mode !== "coverage";
  const skip = document.querySelector(".skip");
  skip.dataset.i18n = mode === "coverage" ? "cov.skip" : "app.skip";
  skip.textContent = tr(skip.dataset.i18n);
  writeHash();
  updateHighlights();
  showAreas();
  showCoverage();
  if (mode === "desk") refer();
  if (leftCoverage) {
    // The coverage view shares the topic and country filters: the list follows them.
    $("country").value = state.country;
    $("topic").value = state.topic;
    reload();
  }
}

function clearPoint() {
  state.point = null;
  nearest = [];
  writeHash();
  updateHighlights();
  renderList();
}

/** What /api/config said (basemap style, whether an address search is configured). */
let config = {};

async function initMap() {
  try {
    config = await getJson("config", "/api/config");
  } catch {
    config = {};
  }
  const options = {
    container: "map",
    style: config.basemap_style || (config.basemap_pmtiles ? localStyle() : offlineStyle()),
    attributionControl: { compact: true },
    dragRotate: false,
    touchPitch: false,
    locale: mapLocale(),
  };
  if (state.view) Object.assign(options, { center: [state.view.lon, state.view.lat], zoom: state.view.zoom });
  else options.bounds = HOME_BOUNDS;
  map = new maplibregl.Map(options);
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl(), "bottom-left");
  window.witgis = { map, state };
  map.on("styleimagemissing", (e) => {
    const approx = e.id.startsWith("sym-approx-");
    const c = e.id.replace(/^sym-(approx-)?/, "");
    if ((SYMBOLS[c] || c === MIXED) && !map.hasImage(e.id)) map.addImage(e.id, symbolImageData(c, 22, 2, approx), { pixelRatio: 2 });
    // The Protomaps style's town dots and POI icons come from a sprite we do not
    // serve: they are left blank, so that only our symbols are icons.
    else if (config.basemap_pmtiles && !map.hasImage(e.id)) map.addImage(e.id, { width: 1, height: 1, data: new Uint8Array(4) });
  });
  map.on("load", () => {
    addOurLayers();
    mapReady = true;
    localiseMap();
    updateMapData();
    updateHighlights();
    showAreas();
    showCoverage();
    map.once("idle", () => (document.body.dataset.mapReady = "true"));
  });
  map.on("render", updateClusterLabels);
  map.on("moveend", writeHash);
  for (const layer of ["clusters", "points", "hl-icons"]) {
    map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
  }
  map.on("click", async (e) => {
    if (state.mode === "coverage") {
      coverageClick(e);
      return;
    }
    const pad = 6;
    const box = [[e.point.x - pad, e.point.y - pad], [e.point.x + pad, e.point.y + pad]];
    const hits = map.queryRenderedFeatures(box, { layers: ["hl-icons", "points", "clusters"] });
    const hit = hits[0];
    if (hit?.properties.cluster) {
      const zoom = await map.getSource("resources").getClusterExpansionZoom(hit.properties.cluster_id);
      map.easeTo({ center: hit.geometry.coordinates, zoom });
    } else if (hit?.properties.stack) {
      openStack(hit.properties.stack, map.getCanvas());
    } else if (hit) {
      select(hit.properties.id, { from: map.getCanvas() });
    } else {
      setPoint([e.lngLat.lng, e.lngLat.lat]);
    }
  });
}

// ----------------------------------------------------------- search box ----
let suggestions = [];
let active = -1;

function openSuggestions(items) {
  suggestions = items;
  active = -1;
  const ul = $("suggestions");
  const input = $("q");
  if (!items.length) {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.setAttribute("aria-disabled", "true");
    li.textContent = tr("search.none");
    ul.replaceChildren(li);
  } else {
    ul.replaceChildren(
      ...items.map((f, i) => {
        const p = f.properties;
        const li = document.createElement("li");
        li.id = `sugg-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const img = document.createElement("img");
        img.src = symbolDataUrl(p.category, 18);
        img.alt = "";
        img.width = 18;
        img.height = 18;
        const text = document.createElement("span");
        text.textContent = p.name;
        const sub = document.createElement("span");
        sub.className = "sub";
        sub.textContent = ` — ${[p.address, p.city].filter(Boolean).join(", ")}`;
        text.append(sub);
        li.append(img, text);
        li.addEventListener("mousedown", (ev) => ev.preventDefault());
        li.addEventListener("click", () => pick(i));
        return li;
      }),
    );
  }
  ul.hidden = false;
  input.setAttribute("aria-expanded", "true");
  input.removeAttribute("aria-activedescendant");
}

function closeSuggestions() {
  $("suggestions").hidden = true;
  $("q").setAttribute("aria-expanded", "false");
  $("q").removeAttribute("aria-activedescendant");
  active = -1;
}

function moveActive(delta) {
  if (!suggestions.length) return;
  active = (active + delta + suggestions.length) % suggestions.length;
  $("suggestions").querySelectorAll("li").forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
  $("q").setAttribute("aria-activedescendant", `sugg-${active}`);
  $(`sugg-${active}`)?.scrollIntoView({ block: "nearest" });
}

function pick(i) {
  const f = suggestions[i];
  closeSuggestions();
  if (!f) return;
  $("q").value = f.properties.name;
  remember([f]);
  if (f.geometry) {
    map?.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 12) });
    setPoint(f.geometry.coordinates);
  }
  select(featureId(f), { from: $("q") });
}

async function suggest(text) {
  if (text.length < 2) {
    closeSuggestions();
    return;
  }
  try {
    const fc = await getJson("suggest", `/api/resources?${new URLSearchParams({ q: text, limit: "8" })}`);
    if ($("q").value.trim() === text) openSuggestions(fc.features);
  } catch (e) {
    if (e.name !== "AbortError") closeSuggestions();
  }
}

function bindSearch() {
  const input = $("q");
  bindCombobox(input, $("suggestions"), {
    delay: 180,
    suggest,
    move: moveActive,
    enter: (open) => {
      if (!open || active < 0) return false; // the form's submit filters by the text
      pick(active);
      return true;
    },
    close: closeSuggestions,
  });
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    closeSuggestions();
    state.q = input.value.trim();
    renderTextFilter();
    reload();
  });
}

// ------------------------------------------------------------- controls ----
function bindControls() {
  const langSelect = $("lang");
  langSelect.replaceChildren(...LANGUAGES.map((l) => Object.assign(new Option(l.name, l.code), { lang: l.code })));
  langSelect.addEventListener("change", () => {
    state.lang = langSelect.value;
    writeHash();
    applyLanguage();
  });
  $("country").addEventListener("change", (e) => {
    state.country = e.target.value;
    reload();
  });
  $("topic").addEventListener("change", (e) => {
    state.topic = e.target.value;
    reload();
  });
  $("text-filter-remove").addEventListener("click", () => {
    state.q = "";
    $("q").value = "";
    renderTextFilter();
    reload();
    $("q").focus();
  });
  $("reset").addEventListener("click", () => {
    state.categories = new Set(CATEGORIES);
    state.country = "";
    state.topic = "";
    state.q = "";
    $("q").value = "";
    applyLanguage();
    reload();
  });
  $("centre").addEventListener("click", () => {
    if (!map) return;
    const c = map.getCenter();
    setPoint([c.lng, c.lat]);
  });
  $("clear-point").addEventListener("click", () => {
    clearPoint();
    $("centre").focus();
  });
  $("locate").addEventListener("click", () => {
    if (!navigator.geolocation) {
      setStatus(tr("point.denied"));
      return;
    }
    setStatus(tr("point.locating"));
    // The position stays in this page and goes only to this server's /api/nearest.
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const ll = [pos.coords.longitude, pos.coords.latitude];
        map?.easeTo({ center: ll, zoom: Math.max(map.getZoom(), 11) });
        setPoint(ll);
      },
      () => setStatus(tr("point.denied")),
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 },
    );
  });
  $("details-close").addEventListener("click", closeDetails);
  $("mode-desk").addEventListener("click", () => {
    setMode(state.mode === "desk" ? "" : "desk");
    if (state.mode === "desk") $("desk-q").focus();
  });
  $("mode-coverage").addEventListener("click", () => {
    if (state.mode !== "coverage") refitCoverage();
    setMode(state.mode === "coverage" ? "" : "coverage");
    if (state.mode === "coverage") $("cov-level").focus();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && stackPopup) {
      e.preventDefault();
      const { from } = closeStack();
      if (from && document.contains(from)) from.focus();
      return;
    }
    if (e.key === "Escape" && !$("details").hidden) {
      e.preventDefault();
      closeDetails();
    }
  });
  document.querySelector(".skip").addEventListener("click", (e) => {
    e.preventDefault();
    const target = { desk: "desk-q", coverage: "cov-table-wrap" }[state.mode] ?? "results";
    $(target).focus();
  });
  window.addEventListener("hashchange", () => {
    if (location.hash === writtenHash || !location.hash.includes("=")) return;
    readHash();
    if (!state.view) refitCoverage();
    $("q").value = state.q;
    applyLanguage();
    setMode(state.mode);
    if (map && state.view) map.jumpTo({ center: [state.view.lon, state.view.lat], zoom: state.view.zoom });
    reload();
    if (state.selected) select(state.selected, { focus: false });
  });
  if (window.matchMedia("(max-width: 760px)").matches) $("filters").removeAttribute("open");
}

// ----------------------------------------------------------------- start ----
function start() {
  readHash();
  bindControls();
  bindSearch();
  initDesk({
    state,
    tr,
    getJson,
    getConfig: () => config,
    getMap: () => map,
    isMapReady: () => mapReady,
    setPoint,
    clearPoint,
    writeHash,
    redrawHighlights: updateHighlights,
  });
  initCoverage({ state, tr, getJson, getMap: () => map, isMapReady: () => mapReady, writeHash });
  // After a write: forget the cached record, reload the list, redraw the details.
  initEditor({ state, tr, getMap: () => map, onChanged: (id, f) => (f ? remember([f]) : known.delete(id), reload(), renderDetails()) });
  $("q").value = state.q;
  applyLanguage();
  setMode(state.mode);
  loadCategories();
  initMap();
  loadResources();
  loadNearest();
  if (state.selected) select(state.selected, { focus: false });
}

start();
