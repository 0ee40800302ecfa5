// @ts-check
// The page's languages: which there are, which one to pick, and `t`, the
// text of a key. English (i18n/en.js) is always loaded and is the fallback;
// every other language is a module of its own, loaded (`loadLanguage`) when
// chosen. A count's text may be an object of Intl.PluralRules categories
// ({ one, few, many, other }); `t` picks the form for `count` (else `n`).

import en from "./i18n/en.js";
import { intlLocale } from "./format.js";

export { intlLocale };

/**
 * A text: a string, or its forms by plural category (`other` always).
 * @typedef {string | ({ other: string } & Partial<Record<Intl.LDMLPluralRule, string>>)} Text
 */

/** The languages, in the order of the switcher, with their own names. */
export const LANGUAGES = [
  { code: "it", name: "Italiano" },
  { code: "en", name: "English" },
  { code: "de", name: "Deutsch" },
  { code: "bg", name: "Български" },
  { code: "lt", name: "Lietuvių" },
];

// The words below are named once, in Rust, and served by /api/vocabulary:
// `setVocabulary` fills these lists in place before the page reads its
// fragment (app.js), so every module that imports them sees the served
// words. Their labels are the language files' `category.*`, `topic.*` and
// `country.*`.

/** The category ids, in legend order. @type {string[]} */
export const CATEGORIES = [];

/** The topic ids of the closed vocabulary. @type {string[]} */
export const TOPICS = [];

/** The countries witgis covers. @type {string[]} */
export const COUNTRIES = [];

/**
 * Takes the words of /api/vocabulary (a list missing from the answer stays as it was).
 * @param {{ countries?: string[], categories?: string[], topics?: string[] }} vocabulary
 */
export function setVocabulary({ countries, categories, topics }) {
  for (const [list, words] of /** @type {[string[], string[] | undefined][]} */ ([[COUNTRIES, countries], [CATEGORIES, categories], [TOPICS, topics]])) {
    if (Array.isArray(words)) list.splice(0, list.length, ...words.filter((w) => typeof w === "string"));
  }
}

/** The loaded string tables, by language. @type {Record<string, Record<string, Text>>} */
const tables = { en };

/**
 * The language for `wanted` (e.g. navigator.languages), English if none fits.
 * @param {Iterable<string> | null | undefined} wanted
 */
export function pickLanguage(wanted) {
  for (const tag of wanted ?? []) {
    const code = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.some((l) => l.code === code)) return code;
  }
  return "en";
}

/**
 * Loads the strings of `lang` (a code of LANGUAGES) once; its table.
 * @param {string} lang
 * @returns {Promise<Record<string, Text>>}
 */
export async function loadLanguage(lang) {
  if (!tables[lang]) {
    if (!LANGUAGES.some((l) => l.code === lang)) throw new Error(`no language '${lang}'`);
    tables[lang] = (await import(`./i18n/${lang}.js`)).default;
  }
  return tables[lang];
}

/** Rules by language, made once. @type {Map<string, Intl.PluralRules>} */
const rules = new Map();

/**
 * The form of `text` for the count in `vars` (`count`, else `n`).
 * @param {string} lang
 * @param {Text} text
 * @param {Record<string, unknown>} vars
 */
function form(lang, text, vars) {
  if (typeof text === "string") return text;
  const count = Number(vars.count ?? vars.n);
  let pr = rules.get(lang);
  if (!pr) rules.set(lang, (pr = new Intl.PluralRules(intlLocale(lang))));
  return (Number.isFinite(count) ? text[pr.select(count)] : undefined) ?? text.other;
}

/**
 * A country's name in `lang` from the browser's Intl data, else its code.
 * @param {string} lang
 * @param {string} code ISO 3166-1 alpha-2
 */
function regionName(lang, code) {
  try {
    return new Intl.DisplayNames([intlLocale(lang)], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * The text of `key` in `lang` (English while `lang` is not loaded, or lacks
 * it), with `{name}` placeholders filled from `vars`.
 * @param {string} lang
 * @param {string} key
 * @param {Record<string, unknown>} [vars]
 */
export function t(lang, key, vars = {}) {
  const own = tables[lang]?.[key];
  const text = own ?? en[key];
  if (text === undefined) {
    // Records may be of any country: one the tables do not name gets the browser's own name for it.
    const country = /^country\.([A-Z]{2})$/.exec(key);
    if (country) return regionName(lang, country[1]);
    throw new Error(`no string '${key}'`);
  }
  return form(own === undefined ? "en" : lang, text, vars).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}
