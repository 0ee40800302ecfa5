// The help-desk (operator) view: a caller's place → the competent centres,
// the alternatives for a need, and a referral text in the caller's language.
// Everything comes from this server (/api/places, /api/referral, /api/areas);
// nothing about the caller is asked for or kept, except the point and the need
// in the page's own URL fragment, which never leaves the browser.

import { combobox, noteOption } from "./combobox.js";
import { LANGUAGES, TOPICS, loadLanguage } from "./i18n.js";
import { fmtChange, fmtDistance } from "./format.js";
import { symbolDataUrl } from "./symbols.js";
import { el } from "./dom.js";
import { approxText, browserZone, canDirect, hoursText, isApprox } from "./facts.js";
import { address, answerText, directionsUrl, noDirections, serviceText } from "./desk-text.js";

const K = 5;
const $ = (id) => document.getElementById(id);

/** What the fragment keeps for the desk: need, open-now, referral language. */
export const desk = { need: "", openOnly: false, textLang: "", answer: null, areasShown: true, place: null };

let ctx = null; // { state, tr, getJson, getConfig, getMap, isMapReady, setPoint, clearPoint, writeHash, redrawHighlights }
/** The place box (a combobox of places, and the offer of the address search). */
let box = null;
let lastText = null; // () => string, to re-make the text when its language changes
let areasLoaded = false;
let attribution = ""; // the external address search's credit for the listed results
let listAmbiguous = false; // the listed places lie in different cities: Enter opens the list, never picks
let listQuery = null; // the text the listed places answer (typing may have gone on since)
let boundaries = null; // whether any area outline is loaded (null: not known yet)

const textLang = () => desk.textLang || ctx.state.lang;

export function readDeskHash(p) {
  desk.need = TOPICS.includes(p.get("need")) ? p.get("need") : "";
  desk.openOnly = p.get("open") === "1";
  desk.textLang = LANGUAGES.some((l) => l.code === p.get("rlang")) ? p.get("rlang") : "";
  // A quarter or municipio picked by name, with the point it was picked at.
  const place = p.get("place");
  const at = p.get("pt")?.split(",").map(Number);
  desk.place = place && /^[a-z0-9-]{1,80}$/.test(place) ? { id: place, name: place, at: at?.length === 2 && at.every(Number.isFinite) ? at : null } : null;
}

export function writeDeskHash(p) {
  if (desk.need) p.set("need", desk.need);
  if (desk.openOnly) p.set("open", "1");
  if (desk.textLang) p.set("rlang", desk.textLang);
  if (desk.place) p.set("place", desk.place.id);
}

// -------------------------------------------------------------- render ----
function openLabel(f) {
  const o = f.properties.open_now;
  return ctx.tr(o === true ? "desk.open" : o === false ? "desk.closed" : "desk.hoursUnknown");
}

function serviceItem(f, i, group) {
  const p = f.properties;
  const tr = ctx.tr;
  const id = `desk-${group}-${i}`;
  const meta = [tr(`category.${p.category}`)];
  const approx = (Boolean(f.geometry) && isApprox(p)) || desk.answer?.point?.approximate === true;
  if (p.distance_m != null) meta.push(fmtDistance(ctx.state.lang, p.distance_m, approx));
  // A place spanning several municipi: which one each competent centre is for.
  const areas = desk.answer?.areas ?? [];
  if (group === "competent" && areas.length > 1) {
    const served = areas.filter((x) => (p.serves_areas ?? []).includes(x.id)).map((x) => x.name);
    if (served.length) meta.push(tr("desk.servesFor", { area: served.join(", ") }));
  }
  const badges = el("span", { className: "badges" });
  if (p.reach === "phone") badges.append(el("span", { className: "badge phone", textContent: tr("desk.phoneOnly") }));
  badges.append(el("span", { className: `badge open-${p.open_now}`, textContent: openLabel(f) }));
  if (p.next_change) {
    const key = p.open_now === true ? "desk.closes" : "desk.opens";
    const next = el("span", { className: "next", textContent: tr(key, { t: fmtChange(ctx.state.lang, p.next_change) }) });
    next.dataset.nextChange = p.next_change;
    badges.append(next);
  }
  const lines = [];
  if (f.geometry) lines.push(el("span", { className: "address", textContent: address(ctx.state.lang, p) || tr("desk.addressUnknown") }));
  if (approx) lines.push(el("span", { className: "approx", textContent: approxText(ctx.state.lang, p) }));
  if (p.phone) lines.push(el("a", { href: `tel:${p.phone.replace(/[^\d+]/g, "")}`, textContent: p.phone }));
  else lines.push(el("span", { className: "phone-unknown", textContent: tr("desk.phoneUnknown") }));
  const hours = hoursText(ctx.state.lang, p.hours_week, browserZone());
  if (hours) lines.push(el("span", { className: "hours", textContent: hours }));
  if (canDirect(f)) {
    const a = el("a", { href: directionsUrl(f), target: "_blank", rel: "noopener noreferrer", textContent: tr("details.directions") });
    a.append(el("span", { className: "sr-only", textContent: ` ${tr("details.newWindow")}` }));
    lines.push(a);
  } else if (approx) {
    lines.push(el("span", { className: "no-directions", textContent: tr(noDirections(p)) }));
  }
  const copy = el("button", { type: "button", className: "btn small copy", textContent: tr("desk.copyOne") });
  copy.setAttribute("aria-label", tr("desk.copyOneNamed", { name: p.name }));
  copy.addEventListener("click", () =>
    copyText(() => serviceText(textLang(), f, true, desk.answer?.point?.approximate === true), copy),
  );
  const li = el(
    "li",
    { className: `service ${p.reach}` },
    el("span", { className: "rank", textContent: group === "competent" ? "C" : `${i + 1}` }),
    el(
      "div",
      { className: "body" },
      el("h4", { id, className: "name" }, el("img", { src: symbolDataUrl(p.category, 18), alt: "", width: 18, height: 18 }), el("span", { textContent: p.name })),
      el("p", { className: "meta", textContent: meta.join(" · ") }, " ", badges),
      el("p", { className: "lines" }, ...lines.flatMap((l, j) => (j ? [el("br"), l] : [l]))),
      copy,
    ),
  );
  li.dataset.id = f.id ?? p.id;
  return li;
}

function section(key, listId, features, group, noneKey) {
  const h = el("h3", { textContent: ctx.tr(key) });
  if (!features?.length) return [h, el("p", { className: "none", textContent: ctx.tr(noneKey) })];
  return [h, el("ol", { id: listId, className: "services" }, ...features.map((f, i) => serviceItem(f, i, group)))];
}

function noteText(note) {
  if (/^no loaded area/.test(note)) return ctx.tr("desk.noArea");
  if (/outside the countries/.test(note)) return ctx.tr("desk.outside");
  let m;
  if ((m = /^(.+) spans (.+): the caller's street decides/.exec(note))) return ctx.tr("desk.note.split", { name: m[1], list: m[2] });
  if ((m = /^only part of (.+) is known to lie in (.+): the caller's/.exec(note))) return ctx.tr("desk.note.part", { name: m[1], list: m[2] });
  if ((m = /^(.+) is taken to lie in (.+), where its map point is/.exec(note))) return ctx.tr("desk.note.point", { name: m[1], list: m[2] });
  if ((m = /^the alternatives are measured from an approximate point for (.+), not/.exec(note))) return ctx.tr("desk.note.approx", { name: m[1] });
  if ((m = /^no point is known for (.+): ask/.exec(note))) return ctx.tr("desk.note.noPoint", { name: m[1] });
  if ((m = /^no service .* lies within ([\d.]+) km/.exec(note))) return ctx.tr("desk.note.noneWithin", { km: m[1] });
  return note;
}

/** The fresh-install notice: shown while no area outline is loaded. */
function renderNotice() {
  let box = $("desk-notice");
  if (!box) {
    box = el("p", { id: "desk-notice", className: "notice" });
    box.setAttribute("role", "note");
    $("desk-answer").before(box);
  }
  box.hidden = boundaries !== false;
  box.textContent = ctx.tr("desk.noBoundaries");
}

export function renderDesk() {
  if (!ctx) return;
  const tr = ctx.tr;
  $("desk-need").replaceChildren(
    new Option(tr("desk.anyNeed"), ""),
    ...TOPICS.map((c) => [c, tr(`topic.${c}`)])
      .sort((a, b) => a[1].localeCompare(b[1], ctx.state.lang))
      .map(([v, l]) => new Option(l, v)),
  );
  $("desk-need").value = desk.need;
  $("desk-open").checked = desk.openOnly;
  $("desk-lang").value = textLang();
  $("desk-areas").checked = desk.areasShown;
  renderNotice();
  const a = desk.answer;
  const box = $("desk-answer");
  $("desk-copy-all").disabled = !a;
  $("desk-print").disabled = !a;
  if (!a) {
    box.replaceChildren(el("p", { className: "hint", textContent: tr("desk.start") }));
    box.removeAttribute("data-at");
    return;
  }
  box.dataset.at = a.at;
  if (a.point) box.dataset.point = `${a.point.lon},${a.point.lat}`;
  else box.removeAttribute("data-point");
  if (a.place) box.dataset.place = a.place.id;
  else box.removeAttribute("data-place");
  const place = placeLabel(a) || tr("desk.point", { lat: a.point.lat.toFixed(5), lon: a.point.lon.toFixed(5) });
  const parts = [el("p", { className: "for", textContent: tr("desk.for", { place }) })];
  // The fresh-install note is the notice above; the others are listed here.
  const notes = a.notes.filter((n) => !/^no boundaries are loaded/.test(n));
  if (notes.length) parts.push(el("ul", { className: "notes" }, ...notes.map((n) => el("li", { textContent: noteText(n) }))));
  parts.push(...section("desk.competent", "desk-competent", a.competent.features, "competent", "desk.competentNone"));
  parts.push(...section("desk.alternatives", "desk-nearest", a.nearest.features, "nearest", "desk.alternativesNone"));
  if (a.after_hours?.features.length) parts.push(...section("desk.afterHours", "desk-after", a.after_hours.features, "after", "desk.alternativesNone"));
  box.replaceChildren(...parts);
  if (lastText) $("desk-text").value = lastText();
}

// ------------------------------------------------------------- actions ----
function say(text, screenReaderOnly = false) {
  $("desk-status").textContent = text;
  $("desk-status").classList.toggle("sr-only", screenReaderOnly);
}

async function copyText(make, from) {
  lastText = make;
  await loadLanguage(textLang()); // chosen a moment ago: wait for its strings
  const text = make();
  const area = $("desk-text");
  area.value = text;
  $("print-sheet").textContent = text;
  try {
    await navigator.clipboard.writeText(text);
    say(ctx.tr("desk.copied"));
    from?.focus();
  } catch {
    area.focus();
    area.select();
    say(ctx.tr("desk.copyFailed"));
  }
}

/** "Tuscolano · Municipio Roma V · Municipio Roma VII", or the areas holding the point. */
function placeLabel(a) {
  const areas = a.areas.map((x) => x.name);
  return (a.place ? [a.place.name, ...areas] : areas).join(" · ");
}

const samePoint = (p, q) => (p == null && q == null) || (p != null && q != null && p[0] === q[0] && p[1] === q[1]);

export async function refer() {
  if (!ctx || ctx.state.mode !== "desk") return;
  const pt = ctx.state.point;
  // A map click (or any new point) replaces a place picked by name.
  if (desk.place && !samePoint(desk.place.at, pt)) {
    desk.place = null;
    ctx.writeHash();
  }
  if (!pt && !desk.place) {
    desk.answer = null;
    renderDesk();
    ctx.redrawHighlights();
    highlightArea();
    return;
  }
  const p = desk.place ? new URLSearchParams({ place: desk.place.id, k: String(K) }) : new URLSearchParams({ lon: pt[0].toFixed(5), lat: pt[1].toFixed(5), k: String(K) });
  if (desk.need) p.set("need", desk.need);
  if (desk.openOnly) p.set("open_now", "true");
  say(ctx.tr("status.loading"));
  try {
    desk.answer = await ctx.getJson("referral", `/api/referral?${p}`);
  } catch (e) {
    if (e.name === "AbortError") return;
    say(ctx.tr("status.error", { detail: e.message }));
    return;
  }
  const a = desk.answer;
  boundaries = a.boundaries_loaded;
  // A text made for the previous answer no longer holds.
  lastText = null;
  $("desk-text").value = "";
  // Announced to screen readers; on screen the answer's own heading says the same.
  say(ctx.tr("desk.for", { place: placeLabel(a) || "—" }), true);
  renderDesk();
  ctx.redrawHighlights();
  highlightArea();
}

/** The services to mark on the map: competent ("C"), then numbered alternatives. */
export function deskMarks() {
  const a = desk.answer;
  if (!a) return [];
  // A competent centre that is also an alternative gets one mark: "C·2".
  const rank = new Map(a.nearest.features.map((f, i) => [f.id, i + 1]));
  const competent = new Set(a.competent.features.map((f) => f.id));
  return [
    ...a.competent.features.map((f) => ({ f, label: rank.has(f.id) ? `C·${rank.get(f.id)}` : "C", strong: true })),
    ...a.nearest.features.filter((f) => !competent.has(f.id)).map((f) => ({ f, label: String(rank.get(f.id)), strong: false })),
  ].filter((m) => m.f.geometry);
}

// ------------------------------------------------------------ map areas ----
export async function showAreas() {
  const map = ctx?.getMap();
  if (!map || !ctx.isMapReady()) return;
  const on = ctx.state.mode === "desk" && desk.areasShown;
  if (on && !areasLoaded) {
    areasLoaded = true;
    try {
      const fc = await ctx.getJson("areas", "/api/areas");
      const features = fc.features.map((f) => ({ ...f, properties: { aid: f.id ?? f.properties.id, name: f.properties.name } }));
      map.addSource("desk-areas", { type: "geojson", data: { type: "FeatureCollection", features } });
      const before = map.getLayer("clusters") ? "clusters" : undefined;
      map.addLayer({ id: "desk-area-fill", type: "fill", source: "desk-areas", filter: ["==", ["get", "aid"], ""], paint: { "fill-color": "#e69f00", "fill-opacity": 0.18 } }, before);
      map.addLayer({ id: "desk-area-line", type: "line", source: "desk-areas", paint: { "line-color": "#5a4a7a", "line-width": 1.2 } }, before);
      map.addLayer({ id: "desk-area-hl", type: "line", source: "desk-areas", filter: ["==", ["get", "aid"], ""], paint: { "line-color": "#1b1b1b", "line-width": 3 } }, before);
    } catch {
      areasLoaded = false;
      return;
    }
  }
  for (const id of ["desk-area-fill", "desk-area-line", "desk-area-hl"]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
  }
  highlightArea();
}

function highlightArea() {
  const map = ctx?.getMap();
  if (!map || !map.getLayer("desk-area-hl")) return;
  const ids = (desk.answer?.areas ?? []).map((a) => a.id);
  const filter = ["in", ["get", "aid"], ["literal", ids]];
  map.setFilter("desk-area-hl", filter);
  map.setFilter("desk-area-fill", filter);
}

// ------------------------------------------------------------ place box ----
function closeSuggestions() {
  box.close();
}

/**
 * Enter on the list shown: the first suggestion (or the one moved to),
 * unless the places listed lie in different cities: then the list stays
 * open for the operator to choose.
 */
function enterOnList() {
  if (!box.open || !box.items.length) return;
  if (box.active < 0 && listAmbiguous) {
    say(ctx.tr("desk.ambiguous"));
    box.move(1);
    return;
  }
  pick(box.active >= 0 ? box.active : 0);
}

/**
 * Shows (or with "" hides) the external address search's credit: `where` is
 * "list" (under its results in the suggestions) or "place" (under the place
 * box, for a picked address).
 */
function credit(text, where) {
  const box = where === "list" ? $("desk-list-credit") : $("desk-attribution");
  box.hidden = !text;
  if (text) box.querySelector(".credit-text").textContent = text;
}

/**
 * Lists `items` (GeoJSON places). While typing (`external` null) a last
 * option offers the external address search, when the server has one: it is
 * asked only on that explicit request, never as you type (Nominatim's usage
 * policy forbids autocomplete). `external` is the answer of that search.
 */
function openSuggestions(items, { query = "", external = null, fc = null } = {}) {
  const suggestions = [...items];
  listQuery = query;
  listAmbiguous = Boolean(fc?.ambiguous);
  const offer = Boolean(ctx.getConfig()?.geocoder) && !external && query.length >= 3;
  const credited = external?.attribution && items.some((f) => f.properties.source === "geocoder");
  attribution = credited ? external.attribution : "";
  credit(attribution, "list");
  credit("", "place");
  if (offer) suggestions.push({ action: "geocode", query });
  const needsGeocoder = fc?.address === "needs_geocoder" && !offer;
  const notes = !suggestions.length || needsGeocoder ? [noteOption(ctx.tr(needsGeocoder ? "desk.needsGeocoder" : "search.none"), "none")] : [];
  box.show(
    suggestions,
    (f, li) => {
      if (f.action) {
        li.className = "action";
        li.append(el("span", { textContent: ctx.tr("desk.searchAddresses", { q: f.query }) }));
        li.dataset.action = f.action;
      } else {
        li.append(el("span", { textContent: f.properties.name }), el("span", { className: "sub", textContent: ` — ${placeWhere(f)}` }));
        if (f.properties.source) li.dataset.source = f.properties.source;
      }
    },
    notes,
  );
}

/** Where a suggested place is: kind, municipi, city, region, country, distance from home. */
function placeWhere(f) {
  const p = f.properties;
  const kind = ctx.tr(`desk.kind.${p.kind}`) + (p.detail ? ` (${p.detail})` : "");
  const bits = [kind];
  if (p.municipi?.length && p.kind !== "municipio") bits.push(p.municipi.map((m) => m.name).join(" / "));
  if (p.city && p.city !== p.name) bits.push(p.city);
  if (p.region) bits.push(p.region);
  if (p.country) bits.push(ctx.tr(`country.${p.country}`));
  if (p.distance_from_home_m != null && p.distance_from_home_m > 1000) bits.push(ctx.tr("desk.fromHome", { d: fmtDistance(ctx.state.lang, p.distance_from_home_m) }));
  return bits.join(", ") + (p.source === "geocoder" ? " · OpenStreetMap" : "");
}

function pick(i) {
  const f = box.items[i];
  if (f?.action === "geocode") return searchAddresses(f.query);
  const credited = f?.properties.source === "geocoder" ? attribution : "";
  closeSuggestions();
  if (!f) return;
  credit(credited, "place");
  $("desk-q").value = f.properties.name;
  const map = ctx.getMap();
  const zoom = f.properties.kind === "locality" && (f.properties.population ?? 0) > 100000 ? 11 : 13;
  const coords = f.geometry?.coordinates ?? null;
  // A quarter or municipio is referred by its municipi, point or no point.
  const named = f.properties.municipi?.length && f.properties.id;
  desk.place = named ? { id: f.properties.id, name: f.properties.name, at: coords } : null;
  if (coords) {
    map?.easeTo({ center: coords, zoom });
    ctx.setPoint(coords);
  } else {
    // No point is known: no marker stands for the caller on the map, which
    // shows the competent centres instead (for a click on the caller's street).
    ctx.clearPoint();
    refer().then(() => {
      const pts = (desk.answer?.competent.features ?? []).filter((x) => x.geometry).map((x) => x.geometry.coordinates);
      if (!map || !pts.length) return;
      const lons = pts.map((q) => q[0]);
      const lats = pts.map((q) => q[1]);
      map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 80, maxZoom: 13 });
    });
  }
}

async function suggest(text) {
  if (text.length < 2) return closeSuggestions();
  try {
    // As you type: the built-in places only.
    const q = new URLSearchParams({ q: text, limit: "8", geocoder: "false" });
    // The map's view, when zoomed in on a region, is preferred like home.
    const map = ctx.getMap();
    if (map && ctx.isMapReady() && map.getZoom() >= 8) q.set("view", map.getBounds().toArray().flat().map((v) => v.toFixed(4)).join(","));
    const fc = await ctx.getJson("places", `/api/places?${q}`);
    if ($("desk-q").value.trim() === text) openSuggestions(fc.features, { query: text, fc });
  } catch (e) {
    if (e.name !== "AbortError") closeSuggestions();
  }
}

/** Asks the server's external address search, on the operator's request. */
async function searchAddresses(text) {
  say(ctx.tr("status.loading"));
  try {
    const q = new URLSearchParams({ q: text, limit: "8", lang: ctx.state.lang });
    const fc = await ctx.getJson("places", `/api/places?${q}`);
    say(fc.geocoder === "busy" ? ctx.tr("desk.geocoderBusy") : fc.geocoder && fc.geocoder !== "ok" ? ctx.tr("desk.geocoderDown") : "");
    if ($("desk-q").value.trim() === text) openSuggestions(fc.features, { query: text, external: fc, fc });
  } catch (e) {
    if (e.name !== "AbortError") {
      say(ctx.tr("desk.geocoderDown"));
      closeSuggestions();
    }
  }
}

// ---------------------------------------------------------------- init ----
export function initDesk(context) {
  ctx = context;
  // Whether any outline is loaded, for the fresh-install notice.
  fetch("/api/areas")
    .then((r) => (r.ok ? r.json() : null))
    .then((fc) => {
      if (fc && boundaries == null) boundaries = fc.features.length > 0;
      renderNotice();
    })
    .catch(() => {});
  const langSel = $("desk-lang");
  langSel.replaceChildren(...LANGUAGES.map((l) => Object.assign(new Option(l.name, l.code), { lang: l.code })));
  box = combobox($("desk-q"), $("desk-suggestions"), {
    idPrefix: "desk-sugg",
    delay: 120,
    suggest,
    pick,
    enter: (b) => {
      const text = $("desk-q").value.trim();
      // The list on screen may answer an earlier text (typing outran the
      // server: "Municipio Roma" lists Municipio I first while "Municipio
      // Roma VII" is typed), or none be shown yet. Enter never picks from an
      // earlier text's list: it asks for this text's and decides on that one.
      if (b.active < 0 && listQuery !== text) {
        suggest(text).then(() => {
          if ($("desk-q").value.trim() === text && listQuery === text) enterOnList();
        });
        return true;
      }
      enterOnList();
      return true;
    },
    onClose: () => {
      listQuery = null;
      credit("", "list");
    },
  });
  $("desk-need").addEventListener("change", (e) => {
    desk.need = e.target.value;
    ctx.writeHash();
    refer();
  });
  $("desk-open").addEventListener("change", (e) => {
    desk.openOnly = e.target.checked;
    ctx.writeHash();
    refer();
  });
  langSel.addEventListener("change", async () => {
    desk.textLang = langSel.value === ctx.state.lang ? "" : langSel.value;
    ctx.writeHash();
    await loadLanguage(textLang()); // the caller's language, loaded when chosen
    if (lastText) {
      const text = lastText();
      $("desk-text").value = text;
      $("print-sheet").textContent = text;
    }
  });
  $("desk-areas").addEventListener("change", (e) => {
    desk.areasShown = e.target.checked;
    showAreas();
  });
  $("desk-copy-all").addEventListener("click", (e) => {
    const a = desk.answer;
    if (a) copyText(() => answerText(textLang(), a), e.currentTarget);
  });
  $("desk-print").addEventListener("click", async () => {
    const a = desk.answer;
    if (!a) return;
    await loadLanguage(textLang());
    $("print-sheet").textContent = answerText(textLang(), a);
    window.print();
  });
}
