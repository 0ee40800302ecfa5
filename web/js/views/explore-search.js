// @ts-check
// The explore view's search box: names on the map and places (addresses,
// streets, neighbourhoods, towns from /api/places) suggested as one types (a
// combobox). Enter on a record opens it; on a place, the map flies there and
// measures distances from it; Enter alone filters the list by the text.

import { combobox, noteOption } from "../combobox.js";
import { symbolDataUrl } from "../symbols.js";
import { isAbort } from "../api.js";
import { actions, ex, featureId, remember } from "./explore-context.js";

/** @typedef {import("./explore-context.js").Feature} Feature */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = () => /** @type {HTMLInputElement} */ ($("q"));

/**
 * A suggestion: a record, or a place from /api/places.
 * @typedef {{ record?: Feature, place?: import("../types.js").PlaceFeature }} Item
 */

/** The search box. @type {import("../combobox.js").Combobox<Item>} */
let box;

/** How close the map comes to a place, by its precision. */
const ZOOM = { house: 17, street: 16, neighbourhood: 14, district: 13, locality: 12 };

/**
 * A place's line: its name, then what it is and where ("street, Roma"), the
 * note when the house number asked for is not known, and its credit.
 * @param {import("../types.js").PlaceFeature} f
 * @param {HTMLLIElement} li
 */
function placeOption(f, li) {
  const p = f.properties;
  li.dataset.kind = "place";
  li.dataset.precision = p.precision;
  const text = document.createElement("span");
  text.textContent = p.name;
  const sub = document.createElement("span");
  sub.className = "sub";
  const what = ex.tr(`place.precision.${p.precision}`);
  const approx = p.approximate ? ` (${ex.tr("place.approximate")})` : "";
  sub.textContent = ` — ${what}${approx}`;
  text.append(sub);
  li.append(text);
  if (p.note) {
    const note = document.createElement("span");
    note.className = "sub place-note";
    note.textContent = ` ${ex.tr("place.numberUnknown", { n: p.housenumber_asked })}`;
    li.append(note);
  }
  if (p.attribution) {
    const credit = document.createElement("span");
    credit.className = "sub credit";
    credit.textContent = ` · ${p.attribution}`;
    li.append(credit);
  }
}

/** @param {Item[]} items */
function openSuggestions(items) {
  const notes = items.length ? [] : [noteOption(ex.tr("search.none"))];
  box.show(
    items,
    (item, li) => {
      if (item.place) {
        placeOption(item.place, li);
        return;
      }
      const f = /** @type {Feature} */ (item.record);
      const p = f.properties;
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
    },
    notes,
  );
}

/** @param {number} i */
function pick(i) {
  const item = box.items[i];
  box.close();
  if (!item) return;
  if (item.place) {
    pickPlace(item.place);
    return;
  }
  const f = /** @type {Feature} */ (item.record);
  const { map } = ex;
  input().value = f.properties.name;
  remember([f]);
  if (f.geometry) {
    map?.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 12) });
    actions.setPoint(f.geometry.coordinates);
  }
  actions.select(featureId(f), { from: input() });
}

/**
 * Flies to a picked place (to a street's whole extent) and measures the
 * list's distances from it.
 * @param {import("../types.js").PlaceFeature} f
 */
function pickPlace(f) {
  const { map } = ex;
  input().value = f.properties.name;
  if (!f.geometry) return;
  const zoom = ZOOM[/** @type {keyof typeof ZOOM} */ (f.properties.precision)] ?? 12;
  if (map && f.bbox && f.properties.precision === "street") {
    map.fitBounds([[f.bbox[0], f.bbox[1]], [f.bbox[2], f.bbox[3]]], { padding: 60, maxZoom: zoom });
  } else {
    map?.easeTo({ center: f.geometry.coordinates, zoom });
  }
  actions.setPoint(f.geometry.coordinates);
}

/** The map's view as west,south,east,north, for ranking near places first. */
function view() {
  const b = ex.map?.getBounds?.();
  if (!b) return null;
  const clamp = (/** @type {number} */ v, /** @type {number} */ m) => Math.max(-m, Math.min(m, v)).toFixed(4);
  const [w, s, e, n] = [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)];
  return Number(w) < Number(e) && Number(s) < Number(n) ? `${w},${s},${e},${n}` : null;
}

/**
 * Records and places for `text`. A typed address (a street with a house
 * number the server's street map knows) lists its places first; otherwise
 * records come first, then places.
 * @param {string} text
 */
async function suggest(text) {
  if (text.length < 2) {
    box.close();
    return;
  }
  const placeParams = new URLSearchParams({ q: text, limit: "5", geocoder: "false" });
  const v = view();
  if (v) placeParams.set("view", v);
  const places = ex.getJson("suggest-places", `/api/places?${placeParams}`).catch((e) => {
    if (isAbort(e)) throw e;
    return { features: [] }; // records alone, when place search fails
  });
  try {
    const [fc, pc] = /** @type {[import("./explore-context.js").ResourcePage, import("../types.js").PlacesAnswer]} */ (await Promise.all([ex.getJson("suggest", `/api/resources?${new URLSearchParams({ q: text, limit: "8" })}`), places]));
    if (input().value.trim() !== text) return;
    /** @type {Item[]} */
    const records = fc.features.map((/** @type {Feature} */ record) => ({ record }));
    /** @type {Item[]} */
    const found = (pc.features ?? []).filter((f) => f.geometry).map((place) => ({ place }));
    const address = pc.address === "house" || pc.address === "street";
    openSuggestions(address ? [...found, ...records] : [...records, ...found]);
  } catch (e) {
    if (!isAbort(e)) box.close();
  }
}

/** Binds the search box and its form. */
export function bindSearch() {
  box = combobox(input(), $("suggestions"), {
    idPrefix: "sugg",
    delay: 180,
    suggest,
    pick,
    enter: (b) => {
      if (!b.open || b.active < 0) return false; // the form's submit filters by the text
      pick(b.active);
      return true;
    },
  });
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    box.close();
    ex.state.q = input().value.trim();
    actions.renderTextFilter();
    actions.reload();
  });
}
