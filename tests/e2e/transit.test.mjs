// Reach by public transport in real headless Chromium: the desk's "By
// public transport, leaving at …" asks /api/referral with by=transit, lists
// the alternatives by arrival with minutes and lines, and the caller's text
// says "≈ 19 min: metro FA (leaving 09:00)" in the caller's language. The
// feed and the places are our own fixtures (tests/fixtures/gtfs/), not real.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";
import { transitText } from "../../web/js/desk-text.js";
import { LANGUAGES, loadLanguage } from "../../web/js/i18n.js";

await Promise.all(LANGUAGES.map((l) => loadLanguage(l.code)));

const FEED = join(ROOT, "tests/fixtures/gtfs/rome-fixture");
const PLACES = join(ROOT, "tests/fixtures/gtfs/transit-places.geojson");
// Beside the fixture's Fixture Alfa stops.
const PT = "12.47120,41.90020";

test("the transit line of the text, by hand", () => {
  const legs = [
    { mode: "walk", from: null, to: "A" },
    { mode: "bus", line: "105", from: "A", to: "B" },
    { mode: "walk", from: "B", to: "C" },
    { mode: "metro", line: "C", from: "C", to: "D" },
    { mode: "walk", from: "D", to: null },
  ];
  const p = { travel_s: 35 * 60 + 10, transit: { depart: "2026-12-09T09:00:00+01:00", legs } };
  assert.equal(transitText("en", p), "≈ 35 min: bus 105, then metro C (leaving 09:00)");
  assert.equal(transitText("it", p), "≈ 35 min: autobus 105, poi metro C (partenza 09:00)");
  assert.equal(transitText("de", p), "≈ 35 Min.: Bus 105, dann U-Bahn C (Abfahrt 09:00)");
  assert.equal(transitText("bg", p), "≈ 35 мин: автобус 105, после метро C (тръгване 09:00)");
  assert.equal(transitText("lt", p), "≈ 35 min: autobusas 105, tada metro C (išvykimas 09:00)");
  const walk = { travel_s: 1200, transit: { depart: "2026-12-09T09:00:00+01:00", legs: [{ mode: "walk", from: null, to: null }] } };
  assert.equal(transitText("en", walk), "≈ 20 min on foot (leaving 09:00)");
  assert.equal(transitText("en", { travel_s: null, transit: { reachable: false, budget_s: 5400 } }), "Not reachable by public transport within 90 min");
  assert.equal(transitText("en", { distance_m: 10 }), "");
});

describe("the desk by public transport", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { resources: [PLACES], gtfs: [[FEED, "rome"]] });
    browser = await startBrowser({ timezoneId: "Europe/Rome" });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const names = () => page.$$eval("#desk-nearest li", (lis) => lis.map((li) => li.querySelector(".transit")?.textContent ?? ""));

  test("leaving at 09:00 on a Wednesday, the metro's far end comes first with its minutes and line", async () => {
    await page.goto(`${server.base}/#lang=en&mode=desk&need=mental_health_care&pt=${PT}`);
    await waitForMap(page);
    await page.waitForSelector("#desk-answer[data-at] #desk-nearest li");
    await page.fill("#desk-depart", "2026-12-09T09:00");
    await page.check("#desk-transit");
    await waitFor(async () => (await names()).some((t) => t.includes("metro FA")), { what: "the transit answer" });
    const lines = await names();
    assert.match(lines[0], /^≈ 1[89] min: metro FA \(leaving 09:00\)$/);
    assert.match(lines[1], /^≈ 3[56] min on foot \(leaving 09:00\)$/);
    assert.equal(lines[2], "Not reachable by public transport within 90 min");
    const requests = browser.requests.filter((u) => u.includes("/api/referral") && u.includes("by=transit"));
    assert.ok(requests.some((u) => u.includes("depart=2026-12-09T09%3A00")), requests.join("\n"));
    assert.deepEqual(await scan(page), []);

    // The caller's text, in Italian.
    await page.selectOption("#desk-lang", "it");
    await page.click("#desk-copy-all");
    await waitFor(async () => (await page.inputValue("#desk-text")).includes("metro FA"), { what: "the text" });
    const text = await page.inputValue("#desk-text");
    assert.match(text, /≈ 1[89] min: metro FA \(partenza 09:00\)/);
    assert.deepEqual(browser.consoleErrors, []);
  });
});
