// Every string the page can show exists, non-empty, in all five languages
// (one module each, web/js/i18n/*.js), every category, topic and precision
// word of the Rust model has a name, and counted nouns follow each
// language's plural rules (Intl.PluralRules, the oracle).

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { CATEGORIES, COUNTRIES, LANGUAGES, TOPICS, loadLanguage, pickLanguage, setVocabulary, t } from "../../web/js/i18n.js";
import { ROOT, startServer } from "./harness.mjs";

// The page takes its countries, categories and topics from the server
// (/api/vocabulary, named once in Rust), and so does this test.
let server;
before(async () => {
  server = await startServer();
  setVocabulary(await server.api("/api/vocabulary"));
});
after(() => server?.stop());

const CODES = ["it", "en", "de", "bg", "lt"];
/** code → its table, loaded as the page loads it. */
const TABLES = Object.fromEntries(await Promise.all(CODES.map(async (c) => [c, await loadLanguage(c)])));
const EN = TABLES.en;
/** The forms of a text: a string, or its plural forms. */
const forms = (text) => (typeof text === "string" ? [text] : Object.values(text));

test("the five languages are offered, each in a module of its own", () => {
  assert.deepEqual(LANGUAGES.map((l) => l.code).sort(), [...CODES].sort());
  const files = readdirSync(join(ROOT, "web/js/i18n")).sort();
  assert.deepEqual(files, CODES.map((c) => `${c}.js`).sort());
});

test("every key has a non-empty text in all five languages", () => {
  const missing = [];
  const vars = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join();
  for (const code of CODES) {
    for (const key of Object.keys(TABLES[code])) if (!(key in EN)) missing.push(`${key}: only in ${code}`);
  }
  for (const [key, en] of Object.entries(EN)) {
    const want = vars(forms(en).at(-1));
    for (const code of CODES) {
      const text = TABLES[code][key];
      if (text === undefined || !forms(text).every((s) => typeof s === "string" && s.trim())) missing.push(`${key}.${code}`);
      else if (!forms(text).every((s) => vars(s) === want)) missing.push(`${key}.${code}: placeholders differ`);
    }
  }
  assert.deepEqual(missing, []);
});

test("a counted text has a form for every plural category of its language", () => {
  const wrong = [];
  let counted = 0;
  for (const code of CODES) {
    const categories = new Intl.PluralRules(code === "en" ? "en-GB" : code).resolvedOptions().pluralCategories;
    for (const [key, text] of Object.entries(TABLES[code])) {
      if (typeof text === "string") continue;
      counted++;
      const have = Object.keys(text).sort();
      if (have.join() !== [...categories].sort().join()) wrong.push(`${key}.${code}: ${have} (wants ${[...categories].sort()})`);
    }
  }
  assert.ok(counted >= 5, `found ${counted} counted texts`);
  assert.deepEqual(wrong, []);
});

test("t picks the plural form for the count", () => {
  for (const code of CODES) {
    const rules = new Intl.PluralRules(code === "en" ? "en-GB" : code);
    for (const [key, text] of Object.entries(TABLES[code])) {
      if (typeof text === "string") continue;
      for (const n of [0, 1, 2, 5, 11, 21, 22, 101]) {
        const vars = { n, count: n, place: "P", category: "C", people: "9" };
        const want = text[rules.select(n)].replace(/\{(\w+)\}/g, (_, v) => String(vars[v]));
        assert.equal(t(code, key, vars), want, `${key}.${code} for ${n}`);
        // A count formatted for display is given apart, as `count`.
        const shown = { ...vars, n: `#${n}` };
        assert.equal(t(code, key, shown), text[rules.select(n)].replace(/\{(\w+)\}/g, (_, v) => String(shown[v])), `${key}.${code} for "#${n}"`);
      }
    }
  }
  assert.equal(t("en", "ed.workCount", { n: 1 }), "1 record to fix.");
  assert.equal(t("en", "ed.workCount", { n: 3 }), "3 records to fix.");
});

test("every key the page uses exists", () => {
  const html = readFileSync(join(ROOT, "web/index.html"), "utf8");
  // Every module of the page (the string tables themselves aside).
  const files = readdirSync(join(ROOT, "web/js"), { recursive: true }).filter((f) => f.endsWith(".js") && !/(^|\/)i18n/.test(f));
  assert.ok(files.includes("app.js") && files.some((f) => f.startsWith("views/")), `found ${files.join(", ")}`);
  const js = files.map((f) => readFileSync(join(ROOT, "web/js", f), "utf8")).join("\n");
  const used = new Set([
    ...[...html.matchAll(/data-i18n(?:-placeholder|-label)?="([^"]+)"/g)].map((m) => m[1]),
    ...[...js.matchAll(/\btr\(\s*"([^"]+)"/g)].map((m) => m[1]),
    // The referral text is written in the caller's language: t(lang, "key", …).
    ...[...js.matchAll(/\bt\(\s*\w+\(?\)?,\s*"([^"]+)"/g)].map((m) => m[1]),
  ]);
  assert.ok(used.size > 30, `found ${used.size} keys in use`);
  assert.deepEqual([...used].filter((k) => !(k in EN)), []);
  // Keys built at run time: `category.${x}`, `topic.${x}`, `country.${x}`, …
  for (const prefix of js.matchAll(/\bt(?:r|\(\s*\w+\(?\)?,)\(?\s*`(\w+)\.\$\{/g)) {
    assert.ok(Object.keys(EN).some((k) => k.startsWith(`${prefix[1]}.`)), `${prefix[1]}.* exists`);
  }
});

test("every word of the Rust vocabularies has a name", () => {
  const vocab = readFileSync(join(ROOT, "crates/witgis-core/src/model/vocab.rs"), "utf8");
  const prefix = { category: "category", topic: "topic", coord_precision: "precision", access: "access", cost: "cost" };
  const found = {};
  for (const m of vocab.matchAll(/(\w+), "(\w+)" \{([^}]*)\}/g)) {
    found[m[2]] = [...m[3].matchAll(/= "(\w+)"/g)].map((w) => w[1]);
  }
  assert.deepEqual(Object.keys(found).sort(), Object.keys(prefix).sort());
  const missing = Object.entries(found).flatMap(([what, words]) =>
    words.filter((w) => !(`${prefix[what]}.${w}` in EN)).map((w) => `${prefix[what]}.${w}`),
  );
  assert.deepEqual(missing, []);
  assert.deepEqual([...CATEGORIES].sort(), [...found.category].sort());
  assert.deepEqual([...TOPICS].sort(), [...found.topic].sort());
  // Every covered country the server names has a name in every language.
  assert.ok(COUNTRIES.length >= 4, `served ${COUNTRIES}`);
  for (const code of CODES) assert.deepEqual(COUNTRIES.filter((c) => !(`country.${c}` in TABLES[code])), [], code);
});

test("the language comes from the browser, English when none fits", () => {
  assert.equal(pickLanguage(["de-AT", "en"]), "de");
  assert.equal(pickLanguage(["fr-FR", "lt"]), "lt");
  assert.equal(pickLanguage(["fr-FR"]), "en");
  assert.equal(pickLanguage([]), "en");
  assert.equal(t("bg", "list.count", { n: 7 }), "Места в този изглед на картата: 7");
});

test("a country the tables do not name gets the browser's name for it, not an error", () => {
  assert.equal(t("en", "country.PL"), new Intl.DisplayNames(["en"], { type: "region" }).of("PL"));
  assert.equal(t("de", "country.PL"), new Intl.DisplayNames(["de"], { type: "region" }).of("PL"));
  assert.throws(() => t("en", "no.such.key"));
});
