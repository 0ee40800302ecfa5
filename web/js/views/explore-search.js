// @ts-check
// The explore view's search box: names on the map suggested as one types
// (a combobox), Enter on a suggestion opens it, Enter alone filters the list
// by the text.

import { combobox, noteOption } from "../combobox.js";
import { symbolDataUrl } from "../symbols.js";
import { isAbort } from "../api.js";
import { actions, ex, featureId, remember } from "./explore-context.js";

/** @typedef {import("./explore-context.js").Feature} Feature */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = () => /** @type {HTMLInputElement} */ ($("q"));

/** The search box. @type {import("../combobox.js").Combobox<Feature>} */
let box;

/** @param {Feature[]} items */
function openSuggestions(items) {
  const notes = items.length ? [] : [noteOption(ex.tr("search.none"))];
  box.show(
    items,
    (f, li) => {
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
  const f = box.items[i];
  box.close();
  if (!f) return;
  const { map } = ex;
  input().value = f.properties.name;
  remember([f]);
  if (f.geometry) {
    map?.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 12) });
    actions.setPoint(f.geometry.coordinates);
  }
  actions.select(featureId(f), { from: input() });
}

/** @param {string} text */
async function suggest(text) {
  if (text.length < 2) {
    box.close();
    return;
  }
  try {
    const fc = await ex.getJson("suggest", `/api/resources?${new URLSearchParams({ q: text, limit: "8" })}`);
    if (input().value.trim() === text) openSuggestions(fc.features);
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
