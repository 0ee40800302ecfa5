// `--basemap FILE.pmtiles`: a test archive of made-up streets near Rome
// (examples/make_basemap.rs, written here into a temp dir) is served by
// witgis with range requests and drawn with the Protomaps layers and our own
// glyphs, in the page's language, with no request to any other host.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ROOT, SCREENSHOTS, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

let dir;
let archive;
let bytes;
let server;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "witgis-basemap-"));
  archive = join(dir, "test.pmtiles");
  execFileSync("cargo", ["run", "--quiet", "--example", "make_basemap", "--", archive], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  bytes = readFileSync(archive);
  server = await startServer(["--basemap", archive]);
  browser = await startBrowser();
});

after(async () => {
  await browser?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const url = () => `${server.base}/basemap/basemap.pmtiles`;
const body = async (res) => Buffer.from(await res.arrayBuffer());

test("the archive is served whole and in ranges, byte for byte", async () => {
  const config = await server.api("/api/config");
  assert.equal(config.basemap_pmtiles, "/basemap/basemap.pmtiles");
  assert.equal(config.basemap_style, null);

  const full = await fetch(url(), { headers: { "accept-encoding": "gzip" } });
  assert.equal(full.status, 200);
  assert.equal(full.headers.get("accept-ranges"), "bytes");
  assert.equal(full.headers.get("content-encoding"), null, "stored bytes, never re-compressed");
  const etag = full.headers.get("etag");
  assert.match(etag, /^"[^"]+"$/);
  assert.ok((await body(full)).equals(bytes), "the whole file");

  const part = await fetch(url(), { headers: { range: "bytes=7-126" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), `bytes 7-126/${bytes.length}`);
  assert.ok((await body(part)).equals(bytes.subarray(7, 127)));

  // pmtiles.js asks for the first 16 KiB: a shorter file answers what it has.
  const first = await fetch(url(), { headers: { range: "bytes=0-99999999" } });
  assert.equal(first.status, 206);
  assert.ok((await body(first)).equals(bytes));

  const tail = await fetch(url(), { headers: { range: "bytes=-10" } });
  assert.equal(tail.status, 206);
  assert.ok((await body(tail)).equals(bytes.subarray(bytes.length - 10)));

  const past = await fetch(url(), { headers: { range: `bytes=${bytes.length}-${bytes.length + 10}` } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get("content-range"), `bytes */${bytes.length}`);
  assert.match(past.headers.get("content-type"), /^application\/problem\+json/);
  assert.match((await past.json()).detail, new RegExp(`${bytes.length} bytes`));

  const stale = await fetch(url(), { headers: { range: "bytes=0-9", "if-range": '"stale"' } });
  assert.equal(stale.status, 200, "a stale If-Range gets the whole file");
  assert.ok((await body(stale)).equals(bytes));
  const fresh = await fetch(url(), { headers: { range: "bytes=0-9", "if-range": etag } });
  assert.equal(fresh.status, 206);
  assert.ok((await body(fresh)).equals(bytes.subarray(0, 10)));
});

/** The basemap's rendered features: line layers (roads) and placed labels. */
async function rendered(page) {
  return page.evaluate(() => {
    const { map } = window.witgis;
    return map
      .queryRenderedFeatures()
      .filter((f) => f.source === "protomaps")
      .map((f) => ({ layer: f.layer.id, type: f.layer.type, kind: f.properties.kind, name: f.properties.name }));
  });
}

async function textField(page, layer) {
  return page.evaluate((id) => JSON.stringify(window.witgis.map.getLayoutProperty(id, "text-field")), layer);
}

/** The glyph ranges the page asked this server for (font stack/range). */
const glyphRequests = () =>
  browser.requests
    .filter((u) => new URL(u).pathname.startsWith("/fonts/"))
    .map((u) => decodeURIComponent(new URL(u).pathname.slice("/fonts/".length)));

test("streets and names render at street zoom, in the page's language, from this host only", async () => {
  const page = await browser.newPage();
  await page.goto(`${server.base}/#lang=it&map=16/41.8905/12.4905`);
  await waitForMap(page);
  const drawn = await waitFor(
    async () => {
      const f = await rendered(page);
      const roads = f.filter((x) => x.type === "line" && x.layer.startsWith("roads"));
      const labels = f.filter((x) => x.type === "symbol" && x.name === "Via di Prova");
      return roads.some((x) => x.kind === "major_road") && roads.some((x) => x.kind === "minor_road") && labels.length
        ? f
        : null;
    },
    { what: "the test archive's roads and labels" },
  );
  assert.ok(drawn.some((x) => x.type === "symbol" && x.name === "Viale delle Prove"), "the major road is labelled");
  assert.ok(drawn.some((x) => x.layer === "earth"), "the land is drawn");
  const attribution = await page.evaluate(() => document.querySelector(".maplibregl-ctrl-attrib").textContent);
  assert.match(attribution, /© OpenStreetMap contributors/);

  // Italian: the labels read name:it (else the local name).
  let field = await textField(page, "roads_labels_minor");
  assert.ok(field.includes('"name:it"') && !field.includes('"name:de"'), field);
  assert.ok(glyphRequests().includes("Noto Sans Regular/0-255.pbf"), `glyphs: ${glyphRequests()}`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SCREENSHOTS, "basemap-local.png") });
  const label = { x: 500, y: 250, width: 500, height: 300 };
  const italian = await page.screenshot({ clip: label });

  // German: the layers are set again with name:de.
  await page.selectOption("#lang", "de");
  await waitFor(async () => (await page.getAttribute("html", "lang")) === "de", { what: "the page in German" }); // loaded when chosen
  field = await textField(page, "roads_labels_minor");
  assert.ok(field.includes('"name:de"') && !field.includes('"name:it"'), field);
  await page.evaluate(() => new Promise((ok) => window.witgis.map.once("idle", () => ok())));
  assert.ok(!(await page.screenshot({ clip: label })).equals(italian), "the labels were drawn anew");

  // Bulgarian and Lithuanian letters: their glyph ranges are asked for and served.
  await page.selectOption("#lang", "bg");
  await waitFor(() => glyphRequests().includes("Noto Sans Regular/1024-1279.pbf"), { what: "Cyrillic glyphs" });
  await page.selectOption("#lang", "lt");
  await waitFor(() => glyphRequests().includes("Noto Sans Regular/256-511.pbf"), { what: "Lithuanian glyphs" });
  await page.evaluate(() => new Promise((ok) => window.witgis.map.once("idle", () => ok())));
  for (const range of ["1024-1279", "256-511"]) {
    const res = await fetch(`${server.base}/fonts/Noto%20Sans%20Regular/${range}.pbf`);
    assert.equal(res.status, 200);
    assert.ok((await res.arrayBuffer()).byteLength > 10000, `${range} holds glyphs`);
  }

  const foreign = browser.requests.filter((u) => /^(https?|wss?):/.test(u) && new URL(u).host !== `127.0.0.1:${server.port}`);
  assert.deepEqual(foreign, [], "no request leaves this server");
  assert.ok(browser.requests.some((u) => u.endsWith("/basemap/basemap.pmtiles")), "the archive was read");
  assert.ok(!browser.requests.some((u) => u.includes("countries.geojson")), "not the outlines");
  assert.deepEqual(browser.consoleErrors, []);
});
