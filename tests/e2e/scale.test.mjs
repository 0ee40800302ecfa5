// A directory far larger than one listing: the map draws every record from
// the vector tiles at every zoom, and the list pages through what is in view.
// The store is built with the binary under test (`witgis synth` then
// `witgis import`); WITGIS_E2E_RECORDS sets its size (10,000 by default,
// ten times the page's old listing limit). scripts/test also runs it at
// 1,000,000 with the release binary (docs/development.md).
//
// The oracle is /api/resources?bbox=… for the view, which shares no code
// with the tiles.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const RECORDS = Number(process.env.WITGIS_E2E_RECORDS ?? 10000);
const BIN = process.env.WITGIS_BIN ?? join(ROOT, "target/debug/witgis");

/** Writes RECORDS synthetic resources as CSV (the quicker file to write and import) with the binary under test. */
function synthFile(dir) {
  const file = join(dir, "synth.csv");
  const out = openSync(file, "w");
  const run = spawnSync(BIN, ["synth", String(RECORDS), "--format", "csv"], { stdio: ["ignore", out, "inherit"] });
  closeSync(out);
  assert.equal(run.status, 0, "witgis synth");
  return file;
}

describe(`a directory of ${RECORDS} records`, () => {
  let server;
  let browser;
  let page;
  let dir;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "witgis-scale-"));
    server = await startServer([], { resources: [synthFile(dir)] });
    browser = await startBrowser();
    page = await browser.newPage({ width: 1280, height: 800 });
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The map's view as the API's bbox (the views here never cross the antimeridian). */
  const viewBox = () =>
    page.evaluate(() => {
      const b = window.witgis.map.getBounds();
      return [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()), Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
    });

  /** Waits until the map has drawn the view, then counts the records its tiles show in the view. */
  const drawnInView = (box) =>
    page.evaluate(
      ([w, s, e, n]) =>
        new Promise((ok) => {
          const { map } = window.witgis;
          const count = () => {
            const points = new Map();
            const clusters = new Map();
            let exact = true;
            for (const f of map.querySourceFeatures("resources", { sourceLayer: "resources" })) {
              const p = f.properties;
              if (p.cluster) {
                // A cluster counts if any of its records may lie in the view.
                if (p.west <= e && p.east >= w && p.south <= n && p.north >= s) {
                  clusters.set(p.cluster_id, p.records);
                  exact = false;
                }
              } else {
                const [lon, lat] = f.geometry.coordinates;
                if (lon >= w && lon <= e && lat >= s && lat <= n) points.set(p.id, p.count);
              }
            }
            return { records: [...points.values(), ...clusters.values()].reduce((a, b) => a + b, 0), exact };
          };
          if (map.loaded() && map.areTilesLoaded()) ok(count());
          else map.once("idle", () => ok(count()));
        }),
      box,
    );

  /** Moves the map as `move` says and checks what it draws and lists against the API. */
  async function checkView(what, move) {
    await page.evaluate(move);
    await page.evaluate(() => new Promise((ok) => (window.witgis.map.loaded() ? ok() : window.witgis.map.once("idle", () => ok()))));
    const box = await viewBox();
    const api = await server.api(`/api/resources?bbox=${box.map((v) => v.toFixed(6)).join(",")}&limit=1`);
    const drawn = await drawnInView(box);
    assert.ok(drawn.records >= api.numberMatched, `${what}: the map shows ${drawn.records} of the ${api.numberMatched} records in view`);
    if (drawn.exact) assert.equal(drawn.records, api.numberMatched, `${what}: every point drawn once`);
    // The list counts what is in view, as the API does for the page's own view.
    await waitFor(
      async () => {
        const status = await page.textContent("#status");
        const pageBox = await viewBox();
        const now = await server.api(`/api/resources?bbox=${pageBox.map((v) => v.toFixed(6)).join(",")}&limit=1`);
        if (status.includes(`: ${now.numberMatched}`)) return true;
        throw new Error(`the status says "${status}", the API ${now.numberMatched}; console: ${browser.consoleErrors.join(" | ")}`);
      },
      { what: `${what}: the list's count` },
    );
    return { drawn, matched: api.numberMatched };
  }

  test("the page zooms from Europe to a street and pans, drawing every record in view", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    const total = (await server.api("/api/resources?limit=1")).numberMatched;
    assert.equal(total, RECORDS);

    const europe = await checkView("Europe", () => void window.witgis.map.jumpTo({ center: [16, 48], zoom: 3.5 }));
    assert.ok(europe.matched > 0.8 * RECORDS, `most records are in Europe's view (${europe.matched})`);
    assert.ok(!europe.drawn.exact, "Europe is drawn in clusters");
    // The list shows a page, and says how many more there are.
    assert.ok(await page.$("#list button.more"), "a button for the next page");

    await checkView("Italy", () => void window.witgis.map.jumpTo({ center: [12.5, 42], zoom: 6 }));
    await checkView("Rome", () => void window.witgis.map.jumpTo({ center: [12.4964, 41.9028], zoom: 11 }));
    const street = await checkView("a street in Rome", () => void window.witgis.map.jumpTo({ center: [12.4964, 41.9028], zoom: 16.5 }));
    assert.ok(street.drawn.exact, "a street is drawn point by point");

    // Pan by dragging, as a person does.
    const canvas = await (await page.$("#map canvas.maplibregl-canvas")).boundingBox();
    const [cx, cy] = [canvas.x + canvas.width / 2, canvas.y + canvas.height / 2];
    for (const [dx, dy] of [[200, 0], [0, 150], [-250, -100]]) {
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      await page.mouse.move(cx + dx, cy + dy, { steps: 8 });
      await page.mouse.up();
      await checkView(`panned by ${dx},${dy}`, () => {});
    }
    assert.deepEqual(browser.consoleErrors, []);
  });
});
