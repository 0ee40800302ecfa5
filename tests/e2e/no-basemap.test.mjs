// Without a street map (no --basemap, no --basemap-style) the page says so at
// street zoom (13 and closer), with the command that fetches one for the
// area in view, in the page's language; never with a basemap configured.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ROOT, SCREENSHOTS, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

let dir;
let plain;
let withMap;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "witgis-no-basemap-"));
  const archive = join(dir, "test.pmtiles");
  execFileSync("cargo", ["run", "--quiet", "--example", "make_basemap", "--", archive], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  plain = await startServer();
  withMap = await startServer(["--basemap", archive]);
  browser = await startBrowser();
});

after(async () => {
  await browser?.stop();
  await plain?.stop();
  await withMap?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The notice as the user sees it: shown or not, its texts and the fetch command. */
const notice = (page) =>
  page.evaluate(() => {
    const box = document.getElementById("basemap-notice");
    const shown = Boolean(box) && !box.hidden && getComputedStyle(box).display !== "none" && box.getBoundingClientRect().height > 0;
    const codes = box ? [...box.querySelectorAll("code")].map((c) => c.textContent) : [];
    return { shown, text: box?.textContent ?? "", codes };
  });

const centre = (page) => page.evaluate(() => window.witgis.map.getCenter());
const zoomTo = (page, zoom) =>
  page.evaluate((z) => new Promise((ok) => window.witgis.map.once("moveend", () => ok()).jumpTo({ zoom: z })), zoom);

test("at street zoom without a basemap the page says how to get one, for the area in view", async () => {
  assert.deepEqual(await plain.api("/api/config"), { basemap_style: null, basemap_pmtiles: null, geocoder: false });
  const page = await browser.newPage();
  await page.goto(`${plain.base}/#lang=en&map=14/41.8905/12.4905`);
  await waitForMap(page);
  const seen = await waitFor(async () => ((await notice(page)).shown ? notice(page) : null), { what: "the notice at zoom 14" });
  assert.match(seen.text, /No street map here\./);
  assert.match(seen.text, /To get one for this area, run:/);
  const [command, serve] = seen.codes;
  assert.equal(serve, "witgis serve --basemap basemap.pmtiles");
  const m = command.match(/^witgis basemap fetch --bbox (\S+) --output basemap\.pmtiles$/);
  assert.ok(m, command);
  const [w, s, e, n] = m[1].split(",").map(Number);
  const c = await centre(page);
  assert.ok(w < c.lng && c.lng < e && s < c.lat && c.lat < n, `the box ${m[1]} holds the view's centre ${c.lng},${c.lat}`);
  await page.screenshot({ path: join(SCREENSHOTS, "no-basemap.png") });

  // The command follows the view.
  await page.evaluate(() => new Promise((ok) => window.witgis.map.once("moveend", () => ok()).jumpTo({ center: [25.2797, 54.6872], zoom: 14 })));
  const vilnius = (await notice(page)).codes[0];
  assert.notEqual(vilnius, command);
  const [w2, s2, e2, n2] = vilnius.split(" ")[4].split(",").map(Number);
  assert.ok(w2 < 25.2797 && 25.2797 < e2 && s2 < 54.6872 && 54.6872 < n2, vilnius);

  // At zoom 13 it shows, below it (12.9) not: the country outlines are the map there.
  await zoomTo(page, 13);
  assert.equal((await notice(page)).shown, true, "shown at zoom 13");
  await zoomTo(page, 12.9);
  assert.equal((await notice(page)).shown, false, "hidden below zoom 13");
  await zoomTo(page, 16);
  assert.equal((await notice(page)).shown, true, "shown again at zoom 16");

  // In the page's language.
  await page.selectOption("#lang", "it");
  await waitFor(async () => (await page.getAttribute("html", "lang")) === "it", { what: "the page in Italian" });
  const italian = await notice(page);
  assert.match(italian.text, /Qui non c'è una mappa stradale\./);
  assert.doesNotMatch(italian.text, /No street map/);
  assert.deepEqual(browser.consoleErrors, []);
  await page.close();
});

test("with a basemap configured the notice never shows", async () => {
  const config = await withMap.api("/api/config");
  assert.equal(config.basemap_pmtiles, "/basemap/basemap.pmtiles");
  const page = await browser.newPage();
  await page.goto(`${withMap.base}/#lang=en&map=16/41.8905/12.4905`);
  await waitForMap(page);
  assert.equal((await notice(page)).shown, false, "no notice at zoom 16 over the local basemap");
  await zoomTo(page, 13.5);
  assert.equal((await notice(page)).shown, false, "nor at zoom 13.5");
  await page.close();
});
