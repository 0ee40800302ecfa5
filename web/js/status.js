// @ts-check
// A service's status and its dated alerts in words, said the same way on the
// card and in the desk: "Temporarily closed since 2026-03-01 until
// 2026-03-31", "Admissions suspended since 2026-04-15: works". Days stay in
// ISO form, as the records give them.

import { t } from "./i18n.js";

/** The reasons a service is not offered on a day (the API's `unavailable`). */
export const UNAVAILABLE = ["closed", "temporarily_closed", "moved", "admissions_suspended"];

/** Today as YYYY-MM-DD in the browser's calendar. */
function isoToday(today = new Date()) {
  return `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
}

/**
 * " since D until U" in `lang` (each part only when known).
 * @param {string} lang
 * @param {string | null | undefined} since
 * @param {string | null | undefined} until
 * @param {boolean} [open] whether an unknown end is said ("until further notice")
 */
function days(lang, since, until, open = false) {
  let s = since ? ` ${t(lang, "status.since", { day: since })}` : "";
  if (until) s += ` ${t(lang, "status.until", { day: until })}`;
  else if (open) s += ` ${t(lang, "status.untilUnknown")}`;
  return s;
}

/**
 * The lines a card shows about a record's status and its alerts that have
 * not ended: none for an open record without alerts.
 * @param {string} lang
 * @param {import("./types.js").ResourceFeature["properties"]} p the record's properties
 * @param {Date} [today]
 * @returns {string[]}
 */
export function statusLines(lang, p, today = new Date()) {
  const lines = [];
  const status = p.status ?? "open";
  if (status !== "open") {
    let line = `${t(lang, `status.${status}`)}${days(lang, p.status_since, p.status_until, status === "temporarily_closed")}`;
    if (status === "moved") line += `: ${[p.moved_address, p.moved_to].filter(Boolean).join(" · ")}`;
    lines.push(line);
  }
  const day = isoToday(today);
  for (const a of p.alerts ?? []) {
    if (a.until && a.until < day) continue;
    lines.push(`${t(lang, `alert.${a.kind}`)}${days(lang, a.since, a.until)}${a.note ? `: ${a.note}` : ""}`);
  }
  return lines;
}
