// Every string the page can show exists, non-empty, in all five languages,
// and every category, topic and precision word of the Rust model has a name.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { CATEGORIES, LANGUAGES, STRINGS, TOPICS, pickLanguage, t } from "../../web/js/i18n.js";
import { ROOT } from "./harness.mjs";

const CODES = ["it", "en", "de", "bg", "lt"];

test("the five languages are offered", () => {
  assert.deepEqual(LANGUAGES.map((l) => l.code).sort(), [...CODES].sort());
});

test("every key has a non-empty text in all five languages", () => {
  const missing = [];
  for (const [key, entry] of Object.entries(STRINGS)) {
    for (const code of CODES) if (typeof entry[code] !== "string" || !entry[code].trim()) missing.push(`${key}.${code}`);
    for (const code of Object.keys(entry)) if (!CODES.includes(code)) missing.push(`${key}: unknown language ${code}`);
    const vars = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join();
    for (const code of CODES) {
      if (entry[code] && vars(entry[code]) !== vars(entry.en)) missing.push(`${key}.${code}: placeholders differ`);
    }
  }
  assert.deepEqual(missing, []);
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
  assert.deepEqual([...used].filter((k) => !(k in STRINGS)), []);
  // Keys built at run time: `category.${x}`, `topic.${x}`, `country.${x}`, …
  for (const prefix of js.matchAll(/\bt(?:r|\(\s*\w+\(?\)?,)\(?\s*`(\w+)\.\$\{/g)) {
    assert.ok(Object.keys(STRINGS).some((k) => k.startsWith(`${prefix[1]}.`)), `${prefix[1]}.* exists`);
  }
});

test("every word of the Rust vocabularies has a name", () => {
  const vocab = readFileSync(join(ROOT, "src/model/vocab.rs"), "utf8");
  const prefix = { category: "category", topic: "topic", coord_precision: "precision", access: "access", cost: "cost" };
  const found = {};
  for (const m of vocab.matchAll(/(\w+), "(\w+)" \{([^}]*)\}/g)) {
    found[m[2]] = [...m[3].matchAll(/= "(\w+)"/g)].map((w) => w[1]);
  }
  assert.deepEqual(Object.keys(found).sort(), Object.keys(prefix).sort());
  const missing = Object.entries(found).flatMap(([what, words]) =>
    words.filter((w) => !(`${prefix[what]}.${w}` in STRINGS)).map((w) => `${prefix[what]}.${w}`),
  );
  assert.deepEqual(missing, []);
  assert.deepEqual([...CATEGORIES].sort(), [...found.category].sort());
  assert.deepEqual([...TOPICS].sort(), [...found.topic].sort());
});

test("the language comes from the browser, English when none fits", () => {
  assert.equal(pickLanguage(["de-AT", "en"]), "de");
  assert.equal(pickLanguage(["fr-FR", "lt"]), "lt");
  assert.equal(pickLanguage(["fr-FR"]), "en");
  assert.equal(pickLanguage([]), "en");
  assert.equal(t("bg", "list.count", { n: 7 }), "Намерени места: 7");
});
