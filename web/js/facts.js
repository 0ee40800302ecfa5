// @ts-check
// What the page and the referral text say about a service's place and hours:
// how precise its point is, distances to it, whether directions make sense,
// and its next seven days of opening hours in words (distances: format.js). Plain functions of a
// feature and a language, so that Node can import them in the tests.

import { t } from "./i18n.js";
import { intlLocale } from "./format.js";

/** Precisions that place the site itself: the point can be walked to. */
const EXACT = new Set(["building", "street"]);

/** Whether a located feature's point is only the centre of a quarter or a city. */
export function isApprox(p) {
  return Boolean(p.coord_precision) && !EXACT.has(p.coord_precision);
}

/** Whether a feature has a point good enough for directions. */
export function canDirect(f) {
  return Boolean(f.geometry) && EXACT.has(f.properties.coord_precision);
}

/**
 * "approximate location: centre of Sofia", in `lang`: a `district` point
 * names its quarter when the API knows it (`centre_of`: "centre of
 * Neukölln"), else "centre of a quarter of Berlin".
 */
export function approxText(lang, p) {
  if (p.coord_precision === "district" && p.centre_of) return t(lang, "approx.city", { place: p.centre_of });
  const place = p.city || t(lang, `country.${p.country}`);
  return t(lang, p.coord_precision === "district" ? "approx.district" : "approx.city", { place });
}

// ---------------------------------------------------------------- hours ----
/** Monday 5 January 2026, so that `MONDAY + i` days is weekday i (0 = Monday). */
const MONDAY = Date.UTC(2026, 0, 5);
const DAY_MS = 86400000;

function weekdayName(lang, i) {
  return new Intl.DateTimeFormat(intlLocale(lang), { weekday: "short", timeZone: "UTC" }).format(new Date(MONDAY + i * DAY_MS));
}

/** A local date "2026-12-08" as a Date at UTC midnight (the API's dates are the service's own). */
function utcDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** 0 = Monday … 6 = Sunday. */
function weekdayOf(iso) {
  return (utcDate(iso).getUTCDay() + 6) % 7;
}

function dayLabel(lang, iso) {
  return new Intl.DateTimeFormat(intlLocale(lang), { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }).format(utcDate(iso));
}

const spans = (intervals) => intervals.map(([a, b]) => `${a}–${b}`).join(", ");
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The time zone of this browser, e.g. "Europe/Rome". */
export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A time zone's name in `lang`, e.g. "Eastern European Time". */
function zoneName(lang, zone) {
  try {
    const parts = new Intl.DateTimeFormat(intlLocale(lang), { timeZone: zone, timeZoneName: "longGeneric" }).formatToParts(new Date(MONDAY));
    return parts.find((x) => x.type === "timeZoneName")?.value ?? zone;
  } catch {
    return zone;
  }
}

/**
 * The next seven days (`hours_week` of the API) in words, in `lang`:
 * "Mon–Fri 08:00–20:00; Sat 08:00–14:00; closed on public holidays (Tue 8 Dec)".
 * Days are grouped Monday to Sunday when their hours are equal; a public
 * holiday counts with its ordinary hours there and is named apart. The times
 * are the service's own: when `viewerZone` (the reader's time zone) differs
 * from the service's, its zone is named, "… (Eastern European Time)". ""
 * when there is no week.
 */
export function hoursText(lang, week, viewerZone = null) {
  if (!week?.days?.length) return "";
  const byWeekday = new Array(7).fill(null);
  for (const d of week.days) {
    const open = d.holiday && d.usual ? d.usual : d.intervals;
    byWeekday[weekdayOf(d.date)] = { open, unknown: d.unknown ?? [] };
  }
  const allDay = (x) => x && x.unknown.length === 0 && same(x.open, [["00:00", "24:00"]]);
  const parts = [];
  if (byWeekday.every(allDay)) {
    parts.push(t(lang, "hours.always"));
  } else {
    for (let i = 0; i < 7; ) {
      let j = i;
      while (j + 1 < 7 && same(byWeekday[j + 1], byWeekday[i])) j++;
      const x = byWeekday[i];
      if (x && (x.open.length || x.unknown.length)) {
        const days = i === j ? weekdayName(lang, i) : `${weekdayName(lang, i)}–${weekdayName(lang, j)}`;
        const times = [];
        if (x.open.length) times.push(allDay(x) ? t(lang, "hours.allDay") : spans(x.open));
        if (x.unknown.length) times.push(t(lang, "hours.unsure", { v: spans(x.unknown) }));
        parts.push(`${days} ${times.join(", ")}`);
      }
      i = j + 1;
    }
    if (!parts.length) parts.push(t(lang, "hours.closedWeek"));
  }
  const rule = week.public_holidays;
  const ruleText = (intervals) => (intervals.length ? t(lang, "hours.phOpen", { v: spans(intervals) }) : t(lang, "hours.phClosed"));
  const covered = [];
  for (const d of week.days) {
    if (!d.holiday || !d.usual || same(d.intervals, d.usual)) continue;
    if (rule && same(d.intervals, rule.intervals)) covered.push(dayLabel(lang, d.date));
    else parts.push(t(lang, "hours.holidayOn", { day: dayLabel(lang, d.date), v: d.intervals.length ? spans(d.intervals) : t(lang, "hours.closed") }));
  }
  if (rule) parts.push(covered.length ? `${ruleText(rule.intervals)} (${covered.join(", ")})` : ruleText(rule.intervals));
  const text = parts.join("; ");
  const always = byWeekday.every(allDay) && !rule;
  if (!viewerZone || !week.time_zone || week.time_zone === viewerZone || always) return text;
  return `${text} (${zoneName(lang, week.time_zone)})`;
}
