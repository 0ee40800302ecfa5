// @ts-check
// The help-desk view's place box: a combobox of the built-in places as you
// type (/api/places, geocoder=false), the offer of the server's external
// address search on request, and the pick that sets the caller's point or
// place.

import { combobox, noteOption } from "../combobox.js";
import { fmtDistance } from "../format.js";
import { el } from "../dom.js";
import { isAbort } from "../api.js";
import { $, desk, dk, input, say } from "./desk-context.js";
import { clearAnswer, explain, refer } from "./desk-answer.js";

/**
 * A suggestion: a GeoJSON place, or the offer of the address search.
 * @typedef {object} Suggestion
 * @property {string} [id]
 * @property {{ type: string, coordinates: [number, number] } | null} [geometry]
 * @property {import("../types.js").PlaceFeature["properties"]} [properties]
 * @property {"geocode"} [action] the offer of the address search, for `query`
 * @property {string} [query]
 */

/** The place box. @type {import("../combobox.js").Combobox<Suggestion>} */
let box;
let attribution = ""; // the external address search's credit for the listed results
let listAmbiguous = false; // the listed places lie in different cities: Enter opens the list, never picks
/** The text the listed places answer (typing may have gone on since). @type {string | null} */
let listQuery = null;

function closeSuggestions() {
  box.close();
}

/** The place box's text, trimmed. */
const current = () => input("desk-q").value.trim();

/**
 * The place box's text changed (typed, pasted, or set by a script and seen
 * at Enter): unless it is still the text the answer on screen was asked
 * for, that answer, its copy and print text are cleared at once, saying
 * why. Also forgets the option moved to in the list, which belongs to an
 * earlier text.
 */
function textChanged() {
  const text = current();
  if (text === dk.asked) return;
  dk.asked = text;
  clearAnswer(text.length >= 2 ? dk.tr("desk.why.looking", { q: text }) : dk.tr("desk.start"));
}

/**
 * Says why no answer is shown once the places for `text` are listed:
 * nothing found, a street needing a geocoder, several places to choose
 * from, or a list to pick from.
 * @param {string} text
 * @param {Suggestion[]} items
 * @param {boolean} needsGeocoder
 */
function explainList(text, items, needsGeocoder) {
  if (desk.answer || !text) return;
  const tr = dk.tr;
  if (needsGeocoder) explain(tr("desk.why.geocoder", { q: text }));
  else if (!items.length) explain(tr("desk.why.none", { q: text }));
  else if (listAmbiguous) explain(tr(romanPair(items) ? "desk.why.municipi" : "desk.why.several", { q: text }));
  else explain(tr("desk.why.pick", { q: text }), false);
}

/**
 * Whether the first two places are both in Rome (then they differ by
 * municipio, not by city).
 * @param {Suggestion[]} items
 */
const romanPair = (items) => items.length > 1 && items.slice(0, 2).every((f) => f.properties?.city === "Roma" && f.properties?.municipi?.length);

/**
 * Enter on the list shown: the first suggestion (or the one moved to),
 * unless the places listed lie in different cities: then the list stays
 * open for the operator to choose.
 */
function enterOnList() {
  if (!box.open || !box.items.length) return;
  if (box.active < 0 && listAmbiguous) {
    say(dk.tr(romanPair(box.items) ? "desk.ambiguousMunicipi" : "desk.ambiguous"));
    box.move(1);
    return;
  }
  pick(box.active >= 0 ? box.active : 0);
}

/**
 * Shows (or with "" hides) the external address search's credit: `where` is
 * "list" (under its results in the suggestions) or "place" (under the place
 * box, for a picked address).
 * @param {string} text
 * @param {"list" | "place"} where
 */
function credit(text, where) {
  const box = where === "list" ? $("desk-list-credit") : $("desk-attribution");
  box.hidden = !text;
  if (text) /** @type {HTMLElement} */ (box.querySelector(".credit-text")).textContent = text;
}

/**
 * Lists `items` (GeoJSON places). While typing (`external` null) a last
 * option offers the external address search, when the server has one: it is
 * asked only on that explicit request, never as you type (Nominatim's usage
 * policy forbids autocomplete). `external` is the answer of that search.
 * @param {Suggestion[]} items
 * @param {{ query?: string, external?: import("../types.js").PlacesAnswer | null, fc?: import("../types.js").PlacesAnswer | null }} [o]
 */
function openSuggestions(items, { query = "", external = null, fc = null } = {}) {
  const suggestions = [...items];
  listQuery = query;
  listAmbiguous = Boolean(fc?.ambiguous);
  const offer = Boolean(dk.getConfig()?.geocoder) && !external && query.length >= 3;
  const credited = external?.attribution && items.some((f) => f.properties?.source === "geocoder");
  attribution = credited ? external.attribution : "";
  credit(attribution, "list");
  credit("", "place");
  if (offer) suggestions.push({ action: "geocode", query });
  const needsGeocoder = fc?.address === "needs_geocoder" && !offer;
  const notes = !suggestions.length || needsGeocoder ? [noteOption(dk.tr(needsGeocoder ? "desk.needsGeocoder" : "search.none"), "none")] : [];
  box.show(
    suggestions,
    (f, li) => {
      if (f.action) {
        li.className = "action";
        li.append(el("span", { textContent: dk.tr("desk.searchAddresses", { q: f.query }) }));
        li.dataset.action = f.action;
      } else {
        li.append(el("span", { textContent: f.properties.name }), el("span", { className: "sub", textContent: ` — ${placeWhere(f)}` }));
        if (f.properties.source) li.dataset.source = f.properties.source;
      }
    },
    notes,
  );
  explainList(query, items, needsGeocoder);
}

/**
 * Where a suggested place is: kind, municipi, city, region, country, distance from home.
 * @param {Suggestion} f
 */
function placeWhere(f) {
  const p = f.properties;
  const tr = dk.tr;
  const kind = tr(`desk.kind.${p.kind}`) + (p.detail ? ` (${p.detail})` : "");
  const bits = [kind];
  if (p.municipi?.length && p.kind !== "municipio") bits.push(p.municipi.map((/** @type {{ name: string }} */ m) => m.name).join(" / "));
  if (p.city && p.city !== p.name) bits.push(p.city);
  if (p.region) bits.push(p.region);
  if (p.country) bits.push(tr(`country.${p.country}`));
  if (p.distance_from_home_m != null && p.distance_from_home_m > 1000) bits.push(tr("desk.fromHome", { d: fmtDistance(dk.state.lang, p.distance_from_home_m) }));
  if (p.housenumber_asked) bits.splice(1, 0, tr("place.numberUnknown", { n: p.housenumber_asked }));
  return bits.join(", ") + (p.source === "geocoder" ? " · OpenStreetMap" : p.attribution ? ` · ${p.attribution}` : "");
}

/**
 * The suggestion `i` was chosen: search addresses, or refer the place.
 * @param {number} i
 */
function pick(i) {
  const f = box.items[i];
  if (f?.action === "geocode") return searchAddresses(f.query);
  const credited = f?.properties.source === "geocoder" ? attribution : "";
  closeSuggestions();
  if (!f) return;
  credit(credited, "place");
  input("desk-q").value = f.properties.name;
  // The answer to come is for this text.
  dk.asked = f.properties.name;
  const map = dk.getMap();
  const zoom = f.properties.kind === "locality" && (f.properties.population ?? 0) > 100000 ? 11 : f.properties.precision === "house" ? 17 : f.properties.precision === "street" ? 16 : 13;
  const p = f.properties;
  // A quarter or municipio is referred by its municipi, point or no point.
  const named = p.municipi?.length && p.id;
  // A point standing for a municipio, or for the municipio holding a quarter
  // (its interior point), is no place of the caller's: the map goes there,
  // but the caller's point is not set and nothing is measured from it.
  const representative = named && (p.kind === "municipio" || p.kind === "area" || p.point_source === "area_interior");
  const coords = representative ? null : (f.geometry?.coordinates ?? null);
  desk.place = named ? { id: p.id, name: p.name, at: coords } : null;
  if (coords) {
    map?.easeTo({ center: coords, zoom });
    dk.setPoint(coords);
  } else {
    // No point is known: no marker stands for the caller on the map, which
    // shows the competent centres instead (for a click on the caller's street).
    dk.clearPoint();
    refer().then(() => {
      const pts = (desk.answer?.competent.features ?? []).filter((x) => x.geometry).map((x) => x.geometry.coordinates);
      if (!map || !pts.length) return;
      const lons = pts.map((q) => q[0]);
      const lats = pts.map((q) => q[1]);
      map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 80, maxZoom: 13 });
    });
  }
}

/**
 * Suggests the built-in places for the text typed.
 * @param {string} text
 */
async function suggest(text) {
  if (text.length < 2) return closeSuggestions();
  try {
    // As you type: the built-in places only.
    const q = new URLSearchParams({ q: text, limit: "8", geocoder: "false" });
    // The map's view, when zoomed in on a region, is preferred like home.
    const map = dk.getMap();
    if (map && dk.isMapReady() && map.getZoom() >= 8) q.set("view", map.getBounds().toArray().flat().map((/** @type {number} */ v) => v.toFixed(4)).join(","));
    const fc = /** @type {import("../types.js").PlacesAnswer} */ (await dk.getJson("places", `/api/places?${q}`));
    if (current() === text) openSuggestions(fc.features, { query: text, fc });
  } catch (e) {
    if (!isAbort(e)) closeSuggestions();
  }
}

/**
 * Asks the server's external address search, on the operator's request.
 * @param {string} text
 */
async function searchAddresses(text) {
  say(dk.tr("status.loading"));
  try {
    const q = new URLSearchParams({ q: text, limit: "8", lang: dk.state.lang });
    const fc = /** @type {import("../types.js").PlacesAnswer} */ (await dk.getJson("places", `/api/places?${q}`));
    say(fc.geocoder === "busy" ? dk.tr("desk.geocoderBusy") : fc.geocoder && fc.geocoder !== "ok" ? dk.tr("desk.geocoderDown") : "");
    if (input("desk-q").value.trim() === text) openSuggestions(fc.features, { query: text, external: fc, fc });
  } catch (e) {
    if (!isAbort(e)) {
      say(dk.tr("desk.geocoderDown"));
      closeSuggestions();
    }
  }
}

/** Makes the place box. */
export function bindPlaceBox() {
  box = combobox(input("desk-q"), $("desk-suggestions"), {
    idPrefix: "desk-sugg",
    delay: 120,
    suggest,
    pick,
    enter: () => {
      const text = current();
      // Set by a script, the text may have changed with no input event.
      textChanged();
      // The list on screen may answer an earlier text (typing outran the
      // server: "Municipio Roma" lists Municipio I first while "Municipio
      // Roma VII" is typed; "Trastevere" pasted over the list for "Ostia",
      // an option of it moved to), or none be shown yet. Enter never acts
      // on an earlier text's list, nor on the option moved to in it: it
      // asks for this text's list and decides on that one.
      if (listQuery !== text) {
        suggest(text).then(() => {
          if (current() === text && listQuery === text) enterOnList();
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
  input("desk-q").addEventListener("input", textChanged);
}
