// @ts-check
// How fresh and how sourced a record is, said the same way in the details,
// the list and the caller text: "Verified 3 months ago", "Never verified",
// "As published by ASL Roma 2 (Guida DSM of 21 Nov 2025), read through a
// copy; not yet checked by us", and the source as a link when (and only
// when) it is an http(s) URL.

import { t } from "./i18n.js";
import { ago, fmtDay, intlLocale } from "./format.js";

const DAY_MS = 86400000;
/** A verification older than this many days is stale (as /api/quality: a year). */
export const STALE_DAYS = 365;

/** Days from `day` (YYYY-MM-DD) to `today` (a Date, local calendar day); null if not a date. */
export function daysSince(day, today = new Date()) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day ?? "");
  if (!m) return null;
  const then = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const now = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  return Math.round((now - then) / DAY_MS);
}

/** The freshness of a record: { text, stale, never } in `lang`. */
export function freshness(lang, lastVerified, today = new Date()) {
  const days = daysSince(lastVerified, today);
  if (days === null) return { text: t(lang, "trust.never"), stale: true, never: true };
  return { text: t(lang, "trust.verified", { when: ago(lang, days) }), stale: days > STALE_DAYS, never: false };
}

/** The source as an absolute http(s) URL, or null when it is not one. */
export function sourceUrl(source) {
  const s = (source ?? "").trim();
  if (!/^https?:\/\//i.test(s)) return null;
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * A source split at its semicolons into parts, each `{ url }` when it is an
 * http(s) URL and `{ text }` otherwise ("https://a; https://b", "knowledge").
 */
export function sourceParts(source) {
  return (source ?? "")
    .split(/;\s*/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (sourceUrl(s) && !/\s/.test(s) ? { url: sourceUrl(s) } : { text: s }));
}

/**
 * @typedef {{ publisher: string, url?: string, document?: string, page_date?: string,
 *   read_on?: string, via_copy?: boolean, licence?: string, facts?: string[] }} Provenance
 */

/** @param {Provenance} e */
const pointOnly = (e) => e.facts?.length === 1 && e.facts[0] === "location";

/**
 * The provenance entry of a record's facts other than its point (the first
 * one), or null when the record has none.
 * @param {{ provenance?: Provenance[] }} p
 * @returns {Provenance | null}
 */
export function mainSource(p) {
  return (Array.isArray(p.provenance) ? p.provenance : []).find((e) => !pointOnly(e)) ?? null;
}

/**
 * The entry that gives the record's point, when one names it.
 * @param {{ provenance?: Provenance[] }} p
 * @returns {Provenance | null}
 */
export function pointSource(p) {
  return (Array.isArray(p.provenance) ? p.provenance : []).find((e) => e.facts?.includes("location")) ?? null;
}

/**
 * "as published by ASL Roma 2 (Guida DSM of 21 Nov 2025), read through a copy".
 * @param {string} lang
 * @param {Provenance} e
 */
export function publishedText(lang, e) {
  const date = e.page_date ? fmtDay(lang, e.page_date) : "";
  const key = e.document && date ? "trust.publishedDoc" : date ? "trust.publishedOn" : "trust.published";
  const said = t(lang, key, { who: e.publisher, doc: e.document ?? "", date });
  return e.via_copy ? `${said}, ${t(lang, "trust.viaCopy")}` : said;
}

/**
 * Who published a record's facts and whether we checked them: "As published
 * by …; not yet checked by us" (or the verification when an editor made
 * one); null for a record with no provenance.
 */
export function provenanceText(lang, p, today = new Date()) {
  const e = mainSource(p);
  if (!e) return null;
  const said = publishedText(lang, e);
  const head = said.charAt(0).toLocaleUpperCase(lang) + said.slice(1);
  const f = freshness(lang, p.last_verified, today);
  return f.never ? `${head}; ${t(lang, "trust.notChecked")}` : `${head}. ${f.text} (${p.last_verified})`;
}

/** The credit of a record's point when its source names a licence (ODbL for OpenStreetMap), else null. */
export function pointCredit(lang, p) {
  const e = pointSource(p);
  return e?.licence ? t(lang, "trust.pointCredit", { who: e.publisher, licence: e.licence }) : null;
}

/** "www.aslroma1.it" → "aslroma1.it": a page's host, as its publisher's name. */
function hostOf(url) {
  try {
    return new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return "";
  }
}

/**
 * Who published a record's sources, where, and of when: the one place that
 * reads `source`. A structured source (`{ publisher, url, page_date }`, or a
 * list of them) is taken as it is; in a text source each http(s) URL is a
 * page, its host standing for the publisher. Words that are no page
 * ("knowledge") name no source we can show, and are left out.
 * @returns {Array<{ publisher: string, url: string | null, date: string | null }>}
 */
export function sources(source) {
  if (source && typeof source === "object") {
    return (Array.isArray(source) ? source : [source])
      .filter((x) => x && (x.publisher || sourceUrl(x.url)))
      .map((x) => ({ publisher: x.publisher || hostOf(x.url), url: sourceUrl(x.url), date: /^\d{4}-\d{2}-\d{2}$/.test(x.page_date ?? "") ? x.page_date : null }))
      .filter((x, i, all) => all.findIndex((y) => y.publisher === x.publisher && y.url === x.url && y.date === x.date) === i);
  }
  const urls = (String(source ?? "").match(/https?:\/\/[^\s;,]+/gi) ?? []).map(sourceUrl).filter(Boolean);
  return [...new Set(urls)].map((url) => ({ publisher: hostOf(url), url, date: null }));
}

/** A source named by its publisher, and the date of its page when known, in `lang`. */
export function sourceName(lang, s) {
  if (!s.date) return s.publisher;
  const [y, m, d] = s.date.split("-").map(Number);
  const date = new Intl.DateTimeFormat(intlLocale(lang), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
  return t(lang, "trust.pageOf", { publisher: s.publisher, date });
}

/**
 * The caller-text line: who published the facts and whether we checked them
 * (or the freshness with its date), and the sources named by their
 * publisher (and page date), each with its link: "As published by ASL Roma
 * 2 (Guida DSM of 21 Nov 2025), read through a copy; not yet checked by us.
 * Source: https://…" with the pages of the record's provenance (its point's
 * aside); without provenance, the pages its `source` text cites, each named
 * by its publisher: "Source: aslroma1.it (https://…)".
 */
export function trustText(lang, p, today = new Date()) {
  const f = freshness(lang, p.last_verified, today);
  const when = provenanceText(lang, p, today) ?? (f.never ? f.text : `${f.text} (${p.last_verified})`);
  const facts = (Array.isArray(p.provenance) ? p.provenance : []).filter((e) => !pointOnly(e));
  // With provenance, its publisher and date are said already: the pages' links follow.
  const named = facts.length
    ? [...new Set(sources(facts).flatMap((s) => (s.url ? [s.url] : [])))]
    : sources(p.source).map((s) => (s.url ? `${sourceName(lang, s)} (${s.url})` : sourceName(lang, s)));
  return named.length ? `${when}. ${t(lang, "trust.sourceIs", { v: named.join(facts.length ? " " : "; ") })}` : when;
}
