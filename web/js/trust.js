// @ts-check
// How fresh and how sourced a record is, said the same way in the details,
// the list and the caller text: "Verified 3 months ago", "Never verified",
// and the source as a link when (and only when) it is an http(s) URL.

import { t } from "./i18n.js";
import { ago } from "./format.js";

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

/** The caller-text line: freshness with its date, and the source's URLs if any. */
export function trustText(lang, p, today = new Date()) {
  const f = freshness(lang, p.last_verified, today);
  const when = f.never ? f.text : `${f.text} (${p.last_verified})`;
  const urls = sourceParts(p.source).flatMap((x) => (x.url ? [x.url] : []));
  return urls.length ? `${when}. ${t(lang, "trust.sourceIs", { v: urls.join(" ") })}` : when;
}
