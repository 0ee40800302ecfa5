// @ts-check
// The help-desk (operator) view: a caller's place → the competent centres,
// the alternatives for a need, and a referral text in the caller's language.
// Everything comes from this server (/api/places, /api/referral, /api/areas);
// nothing about the caller is asked for or kept, except the point and the need
// in the page's own URL fragment, which never leaves the browser.
// Mounted with the store and the API client; its parts are desk-*.js.

import { LANGUAGES, TOPICS, loadLanguage } from "../i18n.js";
import { ApiError } from "../api.js";
import { answerText } from "../desk-text.js";
import { $, desk, dk, input, textLang } from "./desk-context.js";
import { copyText, refer, renderDesk, renderNotice } from "./desk-answer.js";
import { showAreas } from "./desk-areas.js";
import { bindPlaceBox } from "./desk-places.js";
import { areaNames, bindLog } from "./desk-log.js";

/** What the bootstrap and the explore view use of the parts. */
export { desk, refer, renderDesk, showAreas };

/**
 * Takes the desk's part of the fragment: need, open-now, referral language, place.
 * @param {URLSearchParams} p
 */
export function readDeskHash(p) {
  const need = p.get("need") ?? "";
  desk.need = TOPICS.includes(need) ? need : "";
  desk.openOnly = p.get("open") === "1";
  const rlang = p.get("rlang") ?? "";
  desk.textLang = LANGUAGES.some((l) => l.code === rlang) ? rlang : "";
  // A quarter or municipio picked by name, with the point it was picked at.
  const place = p.get("place");
  const at = p.get("pt")?.split(",").map(Number);
  desk.place = place && /^[a-z0-9-]{1,80}$/.test(place) ? { id: place, name: place, at: at?.length === 2 && at.every(Number.isFinite) ? at : null } : null;
}

/**
 * Puts the desk's part in the fragment.
 * @param {URLSearchParams} p
 */
export function writeDeskHash(p) {
  if (desk.need) p.set("need", desk.need);
  if (desk.openOnly) p.set("open", "1");
  if (desk.textLang) p.set("rlang", desk.textLang);
  if (desk.place) p.set("place", desk.place.id);
}

/**
 * The services to mark on the map: competent ("C"), then numbered alternatives.
 * @returns {Array<{ f: import("./desk-context.js").Feature, label: string, strong: boolean }>}
 */
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

/** Learns whether any outline is loaded, for the fresh-install notice. */
async function checkBoundaries() {
  try {
    const fc = /** @type {import("../types.js").FeatureCollection} */ (await dk.getJson("areas-loaded", "/api/areas"));
    if (dk.boundaries == null) dk.boundaries = fc.features.length > 0;
    for (const f of fc.features) if (f.properties?.name) areaNames.set(f.id ?? f.properties.id, f.properties.name);
  } catch (e) {
    // Not known (no answer): the notice stays as it is.
    if (!(e instanceof ApiError)) return;
  }
  renderNotice();
}

/**
 * Mounts the desk view.
 * @param {object} o
 * @param {import("../state.js").Store} o.store
 * @param {(kind: string, path: string) => Promise<unknown>} o.getJson
 * @param {(key: string, vars?: Record<string, unknown>) => string} o.tr
 * @param {() => import("../map.js").Config} o.getConfig what /api/config said
 * @param {() => maplibregl.Map} o.getMap the MapLibre map, once made
 * @param {() => boolean} o.isMapReady
 * @param {(ll: number[]) => void} o.setPoint sets the caller's point
 * @param {() => void} o.clearPoint
 * @param {() => void} o.redrawHighlights redraws the answer's marks on the map
 */
export function mountDesk({ store, getJson, tr, getConfig, getMap, isMapReady, setPoint, clearPoint, redrawHighlights }) {
  Object.assign(dk, { state: store.state, tr, getJson, getConfig, getMap, isMapReady, setPoint, clearPoint, redrawHighlights, mounted: true });
  dk.writeHash = () => store.write();
  checkBoundaries();
  const langSel = /** @type {HTMLSelectElement} */ ($("desk-lang"));
  langSel.replaceChildren(...LANGUAGES.map((l) => Object.assign(new Option(l.name, l.code), { lang: l.code })));
  bindPlaceBox();
  bindLog();
  $("desk-need").addEventListener("change", (e) => {
    desk.need = /** @type {HTMLSelectElement} */ (e.target).value;
    dk.writeHash();
    refer();
  });
  $("desk-open").addEventListener("change", (e) => {
    desk.openOnly = /** @type {HTMLInputElement} */ (e.target).checked;
    dk.writeHash();
    refer();
  });
  $("desk-transit").addEventListener("change", (e) => {
    desk.byTransit = /** @type {HTMLInputElement} */ (e.target).checked;
    refer();
  });
  $("desk-depart").addEventListener("change", (e) => {
    desk.depart = /** @type {HTMLInputElement} */ (e.target).value;
    if (desk.byTransit) refer();
  });
  langSel.addEventListener("change", async () => {
    desk.textLang = langSel.value === dk.state.lang ? "" : langSel.value;
    dk.writeHash();
    await loadLanguage(textLang()); // the caller's language, loaded when chosen
    if (dk.lastText) {
      const text = dk.lastText();
      input("desk-text").value = text;
      $("print-sheet").textContent = text;
    }
  });
  $("desk-areas").addEventListener("change", (e) => {
    desk.areasShown = /** @type {HTMLInputElement} */ (e.target).checked;
    showAreas();
  });
  $("desk-copy-all").addEventListener("click", (e) => {
    const a = desk.answer;
    if (a) copyText(() => answerText(textLang(), a), /** @type {HTMLElement} */ (e.currentTarget));
  });
  $("desk-print").addEventListener("click", async () => {
    const a = desk.answer;
    if (!a) return;
    await loadLanguage(textLang());
    $("print-sheet").textContent = answerText(textLang(), a);
    window.print();
  });
}
