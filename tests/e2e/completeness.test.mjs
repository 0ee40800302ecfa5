// Coverage that says what it does not know, in real headless Chromium: an
// area the directory does not claim to cover completely is hatched, the
// legend says what the hatching means, and choosing it says how many records
// the figure rests on. With a declared-complete file (--completeness) the
// hatching and the warning go away for that country and category.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const FIXTURE = join(ROOT, "tests/fixtures/completeness-de-mhc.tsv");
const VIEW = "mode=coverage&level=country&measure=resources&category=mental_health_centre";

/** Seeded records of a category in a country, counted from the seed file itself. */
function seeded(country, category) {
  const fc = JSON.parse(readFileSync(join(ROOT, "data/resources.geojson"), "utf8"));
  return fc.features.filter((f) => f.properties.country === country && f.properties.category === category).length;
}

async function open(page, base, hash) {
  await page.goto("about:blank");
  await page.goto(`${base}/#${hash}`);
  await waitForMap(page);
  await waitFor(async () => (await page.getAttribute("#cov-table", "data-query"))?.includes("mental_health_centre"), { what: "the coverage table" });
  await waitFor(async () => (await page.$$("#cov-table tbody tr")).length === 4, { what: "four rows" });
}

/** The row ids drawn in the hatching layer. */
async function hatched(page) {
  return page.evaluate(
    () =>
      new Promise((ok) => {
        const { map } = window.witgis;
        const read = () => [...new Set(map.queryRenderedFeatures({ layers: ["cov-incomplete"] }).map((f) => f.properties.cid))].sort();
        map.once("idle", () => ok(read())).triggerRepaint();
      }),
  );
}

describe("coverage completeness", () => {
  let browser;
  let page;

  before(async () => {
    browser = await startBrowser();
    page = await browser.newPage();
  });
  after(async () => browser?.stop());

  describe("nothing declared complete (the shipped file)", () => {
    let server;
    before(async () => (server = await startServer()));
    after(async () => server?.stop());

    test("every country is hatched, the legend explains it, and a chosen one says what its figure rests on", async () => {
      await open(page, server.base, `lang=en&${VIEW}`);
      await page.evaluate(() => void window.witgis.map.fitBounds([[5.5, 36.0], [28.5, 56.5]], { duration: 0 }));
      await waitFor(async () => (await hatched(page)).length === 4, { what: "four hatched countries" });
      assert.deepEqual(await hatched(page), ["BG", "DE", "IT", "LT"]);

      const legend = await page.$eval("#cov-legend-classes li.incomplete", (li) => ({ n: li.dataset.incomplete, text: li.textContent }));
      assert.equal(legend.n, "4");
      assert.match(legend.text, /Hatched: the directory is not complete here; figures describe the directory, not the supply/);
      assert.match(await page.textContent("#cov-caveat"), /^Hatched areas \(4\) are not fully covered by this directory/);
      assert.equal(await page.isVisible("#cov-caveat"), true);

      // Keyboard: choose Germany in the table.
      await page.focus('#cov-table tbody button.pick[data-id="DE"]');
      await page.keyboard.press("Enter");
      await waitFor(async () => (await page.getAttribute("#cov-caveat", "data-row")) === "DE", { what: "Germany chosen" });
      const n = seeded("DE", "mental_health_centre");
      assert.equal(
        await page.textContent("#cov-caveat"),
        `This directory holds ${n} records in the category “Mental health centre” in Germany: the figure describes the directory, not the supply.`,
      );
      assert.equal(await page.getAttribute('#cov-table tbody tr[data-id="DE"]', "data-complete"), "false");
      assert.equal(await page.textContent('#cov-table tbody tr[data-id="DE"] td[data-key="complete"]'), "no: a sample", "the table says it in words");
      assert.deepEqual(await scan(page), []);
    });

    test("the sentence is in the page's language", async () => {
      const n = seeded("IT", "mental_health_centre");
      const want = {
        it: `Italia: questo elenco contiene ${n} schede nella categoria «Centro di salute mentale».`,
        de: `Italien: Dieses Verzeichnis enthält ${n} Einträge der Kategorie „Zentrum für psychische Gesundheit“.`,
      };
      for (const [lang, start] of Object.entries(want)) {
        await open(page, server.base, `lang=${lang}&${VIEW}&row=IT`);
        await waitFor(async () => (await page.getAttribute("#cov-caveat", "data-row")) === "IT", { what: `the caveat in ${lang}` });
        assert.ok((await page.textContent("#cov-caveat")).startsWith(start), `${lang}: ${await page.textContent("#cov-caveat")}`);
      }
      for (const lang of ["bg", "lt"]) {
        await open(page, server.base, `lang=${lang}&${VIEW}&row=IT`);
        await waitFor(async () => (await page.getAttribute("#cov-caveat", "data-row")) === "IT", { what: `the caveat in ${lang}` });
        const text = await page.textContent("#cov-caveat");
        assert.ok(text.includes(String(n)) && !/directory/.test(text), `${lang}: ${text}`);
      }
    });
  });

  describe("Germany's mental health centres declared complete", () => {
    let server;
    before(async () => (server = await startServer(["--completeness", FIXTURE])));
    after(async () => server?.stop());

    test("Germany is not hatched and its figure is said to describe the supply", async () => {
      await open(page, server.base, `lang=en&${VIEW}&row=DE`);
      await page.evaluate(() => void window.witgis.map.fitBounds([[5.5, 36.0], [28.5, 56.5]], { duration: 0 }));
      await waitFor(async () => (await hatched(page)).length === 3, { what: "three hatched countries" });
      assert.deepEqual(await hatched(page), ["BG", "IT", "LT"]);
      assert.equal(await page.getAttribute("#cov-legend-classes li.incomplete", "data-incomplete"), "3");
      assert.equal(await page.getAttribute("#cov-caveat", "data-complete"), "true");
      assert.match(await page.textContent("#cov-caveat"), /^Germany: the directory is declared complete for what is shown/);
      assert.equal(await page.getAttribute('#cov-table tbody tr[data-id="DE"]', "data-complete"), "true");
      assert.equal(await page.textContent('#cov-table tbody tr[data-id="DE"] td[data-key="complete"]'), "yes (declared)");
    });
  });
});
