// The words the page and the referral text use for hours, distances and
// approximate points (web/js/facts.js), run in Node on hand-made weeks shaped
// like the API's `hours_week`, against hand-written expectations.

import assert from "node:assert/strict";
import { test } from "node:test";

import { approxText, canDirect, hoursText, isApprox } from "../../web/js/facts.js";
import { fmtDistance } from "../../web/js/format.js";
import { LANGUAGES, loadLanguage } from "../../web/js/i18n.js";

// Every language, loaded as the page loads a chosen one.
await Promise.all(LANGUAGES.map((l) => loadLanguage(l.code)));

const DAY = [["08:00", "20:00"]];
const SAT = [["08:00", "14:00"]];
/** `days(["2026-12-07", intervals, extra], …)` → the API's day objects. */
const days = (rows) => rows.map(([date, intervals, extra = {}]) => ({ date, intervals, holiday: false, ...extra }));

/** "Mo-Fr 08:00-20:00; Sa 08:00-14:00; PH off" in Rome from Monday 7 December 2026 (8 December: Immacolata). */
const ROME = {
  time_zone: "Europe/Rome",
  days: days([
    ["2026-12-07", DAY],
    ["2026-12-08", [], { holiday: true, usual: DAY }],
    ["2026-12-09", DAY],
    ["2026-12-10", DAY],
    ["2026-12-11", DAY],
    ["2026-12-12", SAT],
    ["2026-12-13", []],
  ]),
  public_holidays: { date: "2026-12-08", intervals: [], usual: DAY },
};

test("a week with a public holiday reads as words in the five languages", () => {
  assert.equal(hoursText("en", ROME), "Mon–Fri 08:00–20:00; Sat 08:00–14:00; closed on public holidays (Tue 8 Dec)");
  assert.equal(hoursText("it", ROME), "lun–ven 08:00–20:00; sab 08:00–14:00; chiuso nei giorni festivi (mar 8 dic)");
  assert.equal(hoursText("de", ROME), "Mo–Fr 08:00–20:00; Sa 08:00–14:00; an Feiertagen geschlossen (Di., 8. Dez.)");
  assert.equal(hoursText("bg", ROME), "пн–пт 08:00–20:00; сб 08:00–14:00; затворено на официални празници (вт, 8.12)");
  assert.match(hoursText("lt", ROME), /^pr–pn 08:00–20:00; št 08:00–14:00; per valstybines šventes uždaryta \(.*8.*\)$/);
});

test("the same hours with no holiday in the week, starting on a Wednesday", () => {
  const week = {
    days: days([
      ["2026-12-16", DAY],
      ["2026-12-17", DAY],
      ["2026-12-18", DAY],
      ["2026-12-19", SAT],
      ["2026-12-20", []],
      ["2026-12-21", DAY],
      ["2026-12-22", DAY],
    ]),
    public_holidays: { date: "2026-12-25", intervals: [], usual: DAY },
  };
  assert.equal(hoursText("en", week), "Mon–Fri 08:00–20:00; Sat 08:00–14:00; closed on public holidays");
});

test("around the clock, closed all week, split and unsure times, holiday hours of their own", () => {
  const dates = ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13"];
  const always = { days: days(dates.map((d) => [d, [["00:00", "24:00"]]])), public_holidays: null };
  assert.equal(hoursText("en", always), "open 24 hours, every day");
  assert.equal(hoursText("it", always), "aperto 24 ore su 24, tutti i giorni");
  const off = { days: days(dates.map((d) => [d, []])), public_holidays: null };
  assert.equal(hoursText("en", off), "closed on each of the next seven days");
  const split = [["08:00", "12:00"], ["14:00", "18:00"]];
  const unsure = {
    days: days(dates.map((d, i) => (i < 5 ? [d, split] : i === 5 ? [d, [], { unknown: [["10:00", "12:00"]] }] : [d, []]))),
    public_holidays: null,
  };
  assert.equal(hoursText("en", unsure), "Mon–Fri 08:00–12:00, 14:00–18:00; Sat 10:00–12:00 (not certain)");
  const night = { days: days(dates.map((d, i) => [d, i === 4 ? [["22:00", "24:00"]] : i === 5 ? [["00:00", "02:00"]] : []])), public_holidays: null };
  assert.equal(hoursText("en", night), "Fri 22:00–24:00; Sat 00:00–02:00");
  const own = {
    days: days(dates.map((d, i) => (i === 1 ? [d, [["09:00", "12:00"]], { holiday: true, usual: DAY }] : [d, i < 5 ? DAY : []]))),
    public_holidays: { date: "2026-12-08", intervals: [["09:00", "12:00"]], usual: DAY },
  };
  assert.equal(hoursText("en", own), "Mon–Fri 08:00–20:00; public holidays 09:00–12:00 (Tue 8 Dec)");
  assert.equal(hoursText("en", undefined), "");
  // Read from another time zone, the service's zone is named (except around the clock).
  const vilnius = { ...ROME, time_zone: "Europe/Vilnius" };
  assert.equal(hoursText("en", vilnius, "Europe/Rome"), `${hoursText("en", vilnius)} (Eastern European Time)`);
  assert.equal(hoursText("de", vilnius, "Europe/Rome"), `${hoursText("de", vilnius)} (Osteuropäische Zeit)`);
  assert.equal(hoursText("en", ROME, "Europe/Rome"), hoursText("en", ROME), "same zone: not named");
  assert.equal(hoursText("en", { ...always, time_zone: "Europe/Vilnius" }, "Europe/Rome"), "open 24 hours, every day");
});

test("approximate points: named, distances rounded and marked, no directions", () => {
  const district = { coord_precision: "district", city: "Roma", country: "IT" };
  const city = { coord_precision: "city", city: "Vilnius", country: "LT" };
  assert.equal(isApprox(district) && isApprox(city), true);
  assert.equal(isApprox({ coord_precision: "street" }) || isApprox({ coord_precision: "building" }), false);
  assert.equal(approxText("en", district), "approximate location: centre of a quarter of Roma");
  assert.equal(approxText("en", city), "approximate location: centre of Vilnius");
  assert.equal(approxText("de", city), "ungefährer Standort: Mitte von Vilnius");
  const named = { coord_precision: "district", city: "Berlin", country: "DE", centre_of: "Neukölln" };
  assert.equal(approxText("en", named), "approximate location: centre of Neukölln");
  assert.equal(approxText("it", named), "posizione approssimativa: centro di Neukölln");
  assert.equal(fmtDistance("en", 2345, true), "≈ 2 km");
  assert.equal(fmtDistance("en", 2345), "2.3 km");
  assert.equal(fmtDistance("en", 420, true), "≈ 400 m");
  assert.equal(fmtDistance("en", 30, true), "≈ 100 m");
  assert.equal(fmtDistance("de", 12600, true), "≈ 13 km");
  const point = { type: "Point", coordinates: [12.5, 41.9] };
  assert.equal(canDirect({ geometry: point, properties: { coord_precision: "street" } }), true);
  assert.equal(canDirect({ geometry: point, properties: district }), false);
  assert.equal(canDirect({ geometry: null, properties: {} }), false);
});
