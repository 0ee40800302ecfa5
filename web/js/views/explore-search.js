// @ts-check
// The explore view's search box: names on the map suggested as one types
// (a combobox), Enter on a suggestion opens it, Enter alone filters the list
// by the text.

import { bindCombobox } from "../combobox.js";
import { symbolDataUrl } from "../symbols.js";
import { isAbort } from "../api.js";
import { ex, featureId, remember } from "./explore-context.js";
import { select } from "./explore-details.js";
import { reload, renderTextFilter, setPoint } from "./explore.js";

/** @typedef {import("./explore-context.js").Feature} Feature */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = () => /** @type {HTMLInputElement} */ ($("q"));

/** @type {Feature[]} */
let suggestions = [];
let active = -1;

/** @param {Feature[]} items */
function openSuggestions(items) {
  suggestions = items;
  active = -1;
  const ul = $("suggestions");
  if (!items.length) {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.setAttribute("aria-disabled", "true");
    li.textContent = ex.tr("search.none");
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
  input().setAttribute("aria-expanded", "true");
  input().removeAttribute("aria-activedescendant");
}

/** Hides the suggestions. */
export function closeSuggestions() {
  $("suggestions").hidden = true;
  input().setAttribute("aria-expanded", "false");
  input().removeAttribute("aria-activedescendant");
  active = -1;
}

/** @param {number} delta */
function moveActive(delta) {
  if (!suggestions.length) return;
  active = (active + delta + suggestions.length) % suggestions.length;
  $("suggestions")
    .querySelectorAll("li")
    .forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
  input().setAttribute("aria-activedescendant", `sugg-${active}`);
  document.getElementById(`sugg-${active}`)?.scrollIntoView({ block: "nearest" });
}

/** @param {number} i */
function pick(i) {
  const f = suggestions[i];
  closeSuggestions();
  if (!f) return;
  const { map } = ex;
  input().value = f.properties.name;
  remember([f]);
  if (f.geometry) {
    map?.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 12) });
    setPoint(f.geometry.coordinates);
  }
  select(featureId(f), { from: input() });
}

/** @param {string} text */
async function suggest(text) {
  if (text.length < 2) {
    closeSuggestions();
    return;
  }
  try {
    const fc = await ex.getJson("suggest", `/api/resources?${new URLSearchParams({ q: text, limit: "8" })}`);
    if (input().value.trim() === text) openSuggestions(fc.features);
  } catch (e) {
    if (!isAbort(e)) closeSuggestions();
  }
}

/** Binds the search box and its form. */
export function bindSearch() {
  bindCombobox(input(), $("suggestions"), {
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
    ex.state.q = input().value.trim();
    renderTextFilter();
    reload();
  });
}
