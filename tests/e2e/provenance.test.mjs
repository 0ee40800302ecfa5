// Provenance per fact (issue 35) in the words the card and the caller text
// use: who published a record's facts, on which page and date, read through
// a copy, and that nobody here checked them yet — in the page's five
// languages; the point's licence credited. Expected texts written by hand.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { ROOT } from "./harness.mjs";
import { pointCredit, provenanceText, trustText } from "../../web/js/trust.js";
import { serviceText } from "../../web/js/desk-text.js";
import { LANGUAGES, loadLanguage } from "../../web/js/i18n.js";

await Promise.all(LANGUAGES.map((l) => loadLanguage(l.code)));

const TODAY = new Date(2026, 11, 1, 10, 0, 0);
const ASL = {
  facts: ["phone", "opening_hours"],
  publisher: "ASL Roma 2",
  url: "https://www.aslroma2.it/guida.pdf",
  document: "Guida DSM",
  page_date: "2025-11-21",
  read_on: "2026-09-21",
  via_copy: true,
  copy: "someone/dataset",
};
const OSM = { facts: ["location"], publisher: "OpenStreetMap contributors", licence: "ODbL-1.0", via_copy: true };
const record = (extra = {}) => ({ last_verified: null, source: "https://www.aslroma2.it/guida.pdf", provenance: [OSM, ASL], ...extra });

test("who published the facts, and not yet checked by us, in five languages", () => {
  const want = {
    en: "As published by ASL Roma 2 (Guida DSM of 21 Nov 2025), read through a copy; not yet checked by us",
    it: "Come pubblicato da ASL Roma 2 (Guida DSM del 21 nov 2025), letto tramite una copia; non ancora verificato da noi",
    de: "Wie von ASL Roma 2 veröffentlicht (Guida DSM vom 21. Nov. 2025), über eine Kopie gelesen; von uns noch nicht geprüft",
  };
  for (const [lang, text] of Object.entries(want)) assert.equal(provenanceText(lang, record(), TODAY), text, lang);
  const bg = provenanceText("bg", record(), TODAY);
  assert.ok(bg.startsWith("Както е публикувано от ASL Roma 2 (Guida DSM от ") && bg.endsWith("все още не е проверено от нас"), bg);
  const lt = provenanceText("lt", record(), TODAY);
  assert.ok(lt.startsWith("Kaip paskelbė ASL Roma 2 (Guida DSM, ") && lt.endsWith("mūsų dar nepatikrinta"), lt);
});

test("the point's entry is not the facts' publisher, and its licence is credited", () => {
  // OSM gives only the point: the sentence names the ASL.
  assert.match(provenanceText("en", record(), TODAY), /^As published by ASL Roma 2/);
  assert.equal(pointCredit("en", record()), "Point: OpenStreetMap contributors (ODbL-1.0)");
  assert.equal(pointCredit("en", record({ provenance: [ASL] })), null);
  // Only a point's source: no publisher of the facts to name.
  assert.equal(provenanceText("en", record({ provenance: [OSM] }), TODAY), null);
});

test("without a page date or a document, and once an editor verified it", () => {
  const bare = { publisher: "Roma Capitale", via_copy: false };
  assert.equal(provenanceText("en", record({ provenance: [bare] }), TODAY), "As published by Roma Capitale; not yet checked by us");
  const dated = { publisher: "ASL Roma 1", page_date: "2026-06-19" };
  assert.equal(provenanceText("it", record({ provenance: [dated] }), TODAY), "Come pubblicato da ASL Roma 1 (pagina del 19 giu 2026); non ancora verificato da noi");
  assert.equal(
    provenanceText("en", record({ last_verified: "2026-10-01" }), TODAY),
    "As published by ASL Roma 2 (Guida DSM of 21 Nov 2025), read through a copy. Verified 2 months ago (2026-10-01)",
  );
});

test("the caller text carries the sentence; records without provenance read as before", () => {
  assert.equal(
    trustText("en", record(), TODAY),
    "As published by ASL Roma 2 (Guida DSM of 21 Nov 2025), read through a copy; not yet checked by us. Source: https://www.aslroma2.it/guida.pdf",
  );
  assert.equal(trustText("en", { last_verified: null, source: "knowledge", provenance: [] }, TODAY), "Never verified");
  const f = { type: "Feature", geometry: null, properties: { name: "X", category: "mental_health_centre", country: "IT", phone: "06 1", ...record() } };
  assert.match(serviceText("en", f), /As published by ASL Roma 2 \(Guida DSM of \d+ Nov 2025\), read through a copy; not yet checked by us/);
});

test("every shipped record with provenance names a publisher the text can say", () => {
  const seed = JSON.parse(readFileSync(join(ROOT, "data/resources.geojson"), "utf8"));
  const sourced = seed.features.filter((f) => f.properties.provenance?.some((/** @type {any} */ e) => !e.facts?.every((x) => x === "location")));
  assert.ok(sourced.length >= 73, `${sourced.length}`);
  for (const f of sourced) {
    const text = provenanceText("en", f.properties, TODAY);
    assert.ok(text?.endsWith("not yet checked by us"), `${f.id}: ${text}`);
  }
});
