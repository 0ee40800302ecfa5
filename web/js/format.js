// @ts-check
// The one formatting module: numbers, distances, dates and times, relative
// ages and counted nouns, each in the page's language (Intl). Plain
// functions of a language, so that Node can import them in the tests.

/**
 * The locale for dates and numbers in a page language: English as written in
 * Europe (24-hour clock, day before month), the others as they are.
 * @param {string} lang
 */
export function intlLocale(lang) {
  return lang === "en" ? "en-GB" : lang;
}

/**
 * A number in `lang`.
 * @param {string} lang
 * @param {number} v
 * @param {Intl.NumberFormatOptions} [options]
 */
export function fmtNumber(lang, v, options = {}) {
  return new Intl.NumberFormat(intlLocale(lang), options).format(v);
}

/**
 * A distance in `lang`: "450 m", "2.3 km"; to an approximate point rounded
 * and marked, "≈ 500 m", "≈ 2 km".
 * @param {string} lang
 * @param {number} m metres
 * @param {boolean} [approx]
 */
export function fmtDistance(lang, m, approx = false) {
  /** @param {string} u @param {number} v @param {number} digits */
  const unit = (u, v, digits) => fmtNumber(lang, v, { style: "unit", unit: u, maximumFractionDigits: digits });
  if (approx) return `≈ ${m < 1000 ? unit("meter", Math.max(100, Math.round(m / 100) * 100), 0) : unit("kilometer", Math.round(m / 1000), 0)}`;
  if (m < 1000) return unit("meter", Math.round(m / 10) * 10, 0);
  return unit("kilometer", m / 1000, m < 10000 ? 1 : 0);
}

/**
 * A next opening or closing (RFC 3339 in the service's own local time, as
 * /api/referral gives it), shown in that local time: "Wed 25 Nov, 20:00".
 * @param {string} lang
 * @param {string | null | undefined} iso
 */
export function fmtChange(lang, iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso ?? "");
  if (!m) return "";
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  /** @type {Intl.DateTimeFormatOptions} */
  const opts = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" };
  return new Intl.DateTimeFormat(intlLocale(lang), opts).format(new Date(Date.UTC(y, mo - 1, d, h, mi)));
}

/**
 * A moment (the viewer's time zone) as a medium date and a short time.
 * @param {string} lang
 * @param {Date} when
 */
export function fmtDateTime(lang, when) {
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "medium", timeStyle: "short" }).format(when);
}

/**
 * A calendar day (YYYY-MM-DD) as "21 Nov 2025" in `lang`; other text as it is.
 * @param {string} lang
 * @param {string} day
 */
export function fmtDay(lang, day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const when = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(intlLocale(lang), { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(when);
}

/**
 * "3 months ago", "today", "2 years ago" in `lang`.
 * @param {string} lang
 * @param {number} days
 */
export function ago(lang, days) {
  const rtf = new Intl.RelativeTimeFormat(intlLocale(lang), { numeric: "auto" });
  const d = Math.max(0, days);
  if (d < 31) return rtf.format(-d, "day");
  if (d < 730) return rtf.format(-Math.max(1, Math.round(d / 30.44)), "month");
  return rtf.format(-Math.floor(d / 365.25), "year");
}
