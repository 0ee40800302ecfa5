// `--basemap-style`: the page draws the configured style (here served by a
// throwaway local server standing in for an online one) under the resources.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { countDrawn, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

let styleServer;
let styleUrl;
const styleHits = [];
let server;
let browser;

before(async () => {
  styleServer = createServer((req, res) => {
    styleHits.push(req.url);
    res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
    res.end(
      JSON.stringify({
        version: 8,
        sources: {},
        layers: [{ id: "online-background", type: "background", paint: { "background-color": "#e8eef2" } }],
      }),
    );
  });
  await new Promise((ok) => styleServer.listen(0, "127.0.0.1", ok));
  styleUrl = `http://127.0.0.1:${styleServer.address().port}/style.json`;
  server = await startServer(["--basemap-style", styleUrl]);
  browser = await startBrowser();
});

after(async () => {
  await browser?.stop();
  await server?.stop();
  await new Promise((ok) => styleServer?.close(ok) ?? ok());
});

test("a configured basemap style is used instead of the offline outlines", async () => {
  assert.deepEqual(await server.api("/api/config"), { basemap_style: styleUrl, basemap_pmtiles: null, geocoder: false });
  const page = await browser.newPage();
  await page.goto(`${server.base}/#lang=en`);
  await waitForMap(page);
  assert.ok(styleHits.includes("/style.json"), "the style was fetched from the configured URL");
  const layers = await page.evaluate(() => window.witgis.map.getStyle().layers.map((l) => l.id));
  assert.ok(layers.includes("online-background") && layers.includes("points"), `layers: ${layers}`);
  assert.ok(!layers.includes("land"), "the offline basemap is not drawn");
  assert.ok(!browser.requests.some((u) => u.includes("countries.geojson")), "the outlines were not loaded");
  const all = await server.api("/api/resources?limit=10000");
  const located = all.features.filter((f) => f.geometry).length;
  await waitFor(async () => (await countDrawn(page)) === located, { what: "resources over the online basemap" });
  assert.deepEqual(browser.consoleErrors, []);
});
