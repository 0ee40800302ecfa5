// The coverage view's shares by public transport in real headless Chromium:
// with the fixture feed (tests/fixtures/gtfs/, not a real timetable) and the
// Rome-like test municipi, the table gains "Within 30/45/60 min by public
// transport" columns showing what /api/coverage answers, a dash with the
// reason where no timetable covers an area, and the departure in the caption,
// in the page's language.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, startBrowser, startServer, waitFor } from "./harness.mjs";

const FEED = join(ROOT, "tests/fixtures/gtfs/rome-fixture");
const PLACES = join(ROOT, "tests/fixtures/gtfs/transit-places.geojson");
const MUNICIPI = join(ROOT, "tests/fixtures/rome-municipi.geojson");
const KEYS = ["transit_share_within_30min", "transit_share_within_45min", "transit_share_within_60min"];

describe("coverage by public transport", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { areas: [MUNICIPI], resources: [PLACES], gtfs: [[FEED, "rome"]] });
    browser = await startBrowser({ timezoneId: "Europe/Rome" });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const want = "/api/coverage?category=mental_health_centre&level=area&format=geojson";
  const rows = () =>
    page.$$eval("#cov-table tbody tr", (trs) =>
      trs.map((tr) => ({
        id: tr.dataset.id,
        cells: [...tr.querySelectorAll("td")]
          .filter((td) => td.dataset.key?.startsWith("transit_"))
          .map((td) => ({ key: td.dataset.key, value: td.dataset.value, title: td.title, text: td.textContent })),
      })),
    );

  test("the table shows the API's shares within 30/45/60 minutes, and why where there are none", async () => {
    await page.goto(`${server.base}/#lang=en&mode=coverage&level=area&category=mental_health_centre`);
    await waitFor(async () => (await page.getAttribute("#cov-table", "data-query")) === want, { what: "the area table" });
    const api = await (await fetch(`${server.base}${want}`)).json();
    assert.match(api.transit.depart, /^\d{4}-\d{2}-\d{2}T09:00$/);
    assert.equal(new Date(`${api.transit.depart}:00Z`).getUTCDay(), 3, "a Wednesday");

    const heads = await page.$$eval("#cov-table thead th", (ths) => ths.map((th) => [th.dataset.key, th.textContent.replace(/[↕▲▼]/g, "")]));
    const transitHeads = heads.filter(([k]) => k.startsWith("transit_"));
    assert.deepEqual(transitHeads, [
      ["transit_share_within_30min", "Within 30 min by public transport"],
      ["transit_share_within_45min", "Within 45 min by public transport"],
      ["transit_share_within_60min", "Within 60 min by public transport"],
    ]);
    assert.match(await page.textContent("#cov-caption"), /leaving Wednesday/);

    const shown = await rows();
    assert.equal(shown.length, api.features.length);
    let measured = 0;
    let unmeasured = 0;
    for (const f of api.features) {
      const row = shown.find((r) => r.id === f.id);
      assert.ok(row, f.id);
      assert.deepEqual(row.cells.map((c) => c.key), KEYS);
      for (const c of row.cells) {
        const v = f.properties[c.key];
        assert.equal(c.value, v === null ? "" : String(v), `${f.id} ${c.key}`);
        if (v === null) {
          assert.ok(f.properties.transit_reason, `${f.id}: a missing share has a reason`);
          assert.equal(c.text.startsWith("—"), true);
          assert.equal(c.title, { no_feed: "no timetable covers this area", no_population: "no population points here", no_service: "no service on the day of departure" }[f.properties.transit_reason]);
        } else {
          assert.match(c.text, /%/);
        }
      }
      if (f.properties.transit_share_within_30min === null) unmeasured++;
      else measured++;
    }
    assert.ok(measured >= 1, "the fixture feed covers the centre's municipio");
    assert.ok(unmeasured >= 1, "and not the outer ones");
  });

  test("in Italian, the columns and reasons are Italian", async () => {
    await page.goto(`${server.base}/#lang=it&mode=coverage&level=area&category=mental_health_centre`);
    await page.reload();
    await waitFor(async () => (await page.getAttribute("#cov-table", "data-query")) === want, { what: "the area table" });
    await waitFor(async () => (await page.textContent("#cov-table thead")).includes("Entro 30 min coi mezzi pubblici"), { what: "the Italian heading" });
    const titles = (await rows()).flatMap((r) => r.cells.map((c) => c.title)).filter(Boolean);
    assert.ok(titles.length > 0);
    assert.ok(titles.every((t) => ["nessun orario copre quest'area", "nessun centro abitato qui", "nessun servizio nel giorno di partenza"].includes(t)), titles.join("; "));
  });
});
