// The web map in real headless Chromium against the real witgis binary.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { loadLanguage } from "../../web/js/i18n.js";

/** The string tables the page should show, by language. */
const TABLES = { en: await loadLanguage("en"), de: await loadLanguage("de"), lt: await loadLanguage("lt") };
import { SCREENSHOTS, countDrawn, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

describe("web map", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const listIds = () => page.$$eval("#list button[data-id]", (bs) => bs.map((b) => b.dataset.id));
  const hashParams = async () => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  const located = (fc) => fc.features.filter((f) => f.geometry).length;
  /** The map's view as the API's bbox (the view here never crosses the antimeridian). */
  const viewBox = (on = page) =>
    on.evaluate(() => {
      const b = window.witgis.map.getBounds();
      return [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth())].map((v) => v.toFixed(6)).join(",");
    });
  /** What the list should show for these filters: the API's first page in view, then the places without a point. */
  const expectedList = async (filters, on = page) => {
    const inView = await server.api(`/api/resources?${filters}&bbox=${await viewBox(on)}&limit=100`);
    const unlocated = await server.api(`/api/resources?${filters}&located=false&limit=1000`);
    return { ids: [...inView.features, ...unlocated.features].map((f) => f.id), inView: inView.numberMatched };
  };

  test("the page loads without errors, draws the map and lists every resource", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    const canvas = await page.$("#map canvas.maplibregl-canvas");
    assert.ok(canvas, "the map has a canvas");
    const box = await canvas.boundingBox();
    assert.ok(box.width > 300 && box.height > 300, `the canvas is drawn (${box.width}×${box.height})`);

    const all = await server.api("/api/resources?limit=10000");
    assert.ok(all.numberMatched > 100, "more than one page");
    const first = await expectedList("");
    await waitFor(async () => JSON.stringify(await listIds()) === JSON.stringify(first.ids), { what: "the first page of the list" });
    assert.match(await page.textContent("#status"), new RegExp(`\\b${first.inView}\\b`));
    // "Show more" until the list holds every place in view: here, every resource.
    while (await page.$("#list button.more")) {
      const before = (await listIds()).length;
      await page.click("#list button.more");
      await waitFor(async () => (await listIds()).length > before, { what: "the next page" });
    }
    assert.deepEqual(new Set(await listIds()), new Set(all.features.map((f) => f.id)));
    assert.equal((await listIds()).length, all.numberMatched, "each place once");
    assert.equal(await countDrawn(page), located(all), "every located resource is on the map");
    await page.screenshot({ path: join(SCREENSHOTS, "desktop.png") });
    assert.deepEqual(browser.consoleErrors, []);
  });

  test("filters change the map and the list", async () => {
    await page.selectOption("#country", "BG");
    const bg = await server.api("/api/resources?country=BG&limit=10000");
    const total = (await server.api("/api/resources?limit=1")).numberMatched;
    assert.ok(bg.numberMatched > 0 && bg.numberMatched < total);
    const bgList = await expectedList("country=BG");
    await waitFor(async () => JSON.stringify(await listIds()) === JSON.stringify(bgList.ids), { what: "the BG list" });
    assert.deepEqual(new Set(await listIds()), new Set(bg.features.map((f) => f.id)), "all of BG is in view");
    await waitFor(async () => (await countDrawn(page)) === located(bg), { what: "BG on the map" });
    assert.equal((await hashParams()).get("country"), "BG");

    // Untick one category too: the list is what the API returns for the rest.
    await page.uncheck("#legend input[value='university']");
    const categories = (await page.$$eval("#legend input:checked", (i) => i.map((x) => x.value))).join(",");
    const fewer = await server.api(`/api/resources?country=BG&category=${categories}&limit=10000`);
    assert.ok(fewer.numberMatched < bg.numberMatched, "BG has universities");
    const fewerList = await expectedList(`country=BG&category=${categories}`);
    await waitFor(async () => JSON.stringify(await listIds()) === JSON.stringify(fewerList.ids), { what: "the list without universities" });
    await waitFor(async () => (await countDrawn(page)) === located(fewer), { what: "the map without universities" });

    await page.click("#reset");
    const reset = await expectedList("");
    await waitFor(async () => JSON.stringify(await listIds()) === JSON.stringify(reset.ids), { what: "the list after reset" });
    assert.equal((await hashParams()).get("country"), null);
  });

  test("clicking the map lists the nearest resources, as /api/nearest ranks them", async () => {
    // Find an empty spot of the map near Rome, so that the click sets a point.
    await page.evaluate(
      () => new Promise((ok) => window.witgis.map.once("idle", () => ok()).jumpTo({ center: [12.5, 41.9], zoom: 9 })),
    );
    const spot = await page.evaluate(() => {
      const { map } = window.witgis;
      const offsets = [];
      for (let dx = -200; dx <= 200; dx += 20) for (let dy = -150; dy <= 150; dy += 20) offsets.push([dx, dy]);
      offsets.sort((a, b) => Math.hypot(...a) - Math.hypot(...b));
      const c = map.project([12.5, 41.9]);
      for (const [dx, dy] of offsets) {
        const x = c.x + dx;
        const y = c.y + dy;
        const hits = map.queryRenderedFeatures(
          [[x - 15, y - 15], [x + 15, y + 15]],
          { layers: ["points", "clusters", "hl-icons"] },
        );
        if (!hits.length) return { x, y };
      }
      return null;
    });
    assert.ok(spot, "an empty spot near Rome");
    await waitForMap(page);
    const canvas = await (await page.$("#map canvas.maplibregl-canvas")).boundingBox();
    await page.mouse.click(canvas.x + spot.x, canvas.y + spot.y);
    await page.waitForSelector("#list[data-mode='nearest'] button[data-id]");

    const [lon, lat] = (await hashParams()).get("pt").split(",");
    assert.ok(Math.abs(lon - 12.5) < 1 && Math.abs(lat - 41.9) < 1, `the point ${lon},${lat} is near Rome`);
    const near = await server.api(`/api/nearest?lon=${lon}&lat=${lat}&k=10`);
    assert.ok(near.features.length > 0);
    await waitFor(async () => (await listIds()).length === near.features.length, { what: "the nearest list" });
    const ids = await listIds();
    assert.equal(ids[0], near.features[0].id, "the first entry is the nearest");
    assert.deepEqual(ids, near.features.map((f) => f.id));
    const firstDistance = await page.textContent("#list li:first-child .dist");
    assert.match(firstDistance, /\d/, "the distance is shown");
    const highlighted = await page.evaluate(
      () => window.witgis.map.querySourceFeatures("highlight").map((f) => f.properties.id),
    );
    assert.ok(highlighted.includes(near.features[0].id), "the nearest resource is highlighted on the map");
    await page.evaluate(() => {
      document.getElementById("filters").open = false;
      const { map, state } = window.witgis;
      return new Promise((ok) => map.once("idle", () => ok()).jumpTo({ center: state.point, zoom: 11 }));
    });
    await page.screenshot({ path: join(SCREENSHOTS, "desktop-nearest.png") });
  });

  test("the details panel shows a resource and Escape closes it", async () => {
    const first = await page.$("#list li:first-child button");
    const id = await first.getAttribute("data-id");
    await first.click();
    await page.waitForSelector("#details:not([hidden])");
    const feature = await server.api(`/api/resources/${encodeURIComponent(id)}`);
    assert.equal(await page.textContent("#details-name"), feature.properties.name);
    if (feature.geometry && ["building", "street"].includes(feature.properties.coord_precision)) {
      const [lon, lat] = feature.geometry.coordinates;
      const href = await page.getAttribute("#details a.directions", "href");
      const to = new URL(href).searchParams.get("to").split(",").map(Number);
      assert.ok(href.startsWith("https://www.openstreetmap.org/directions?"));
      assert.ok(Math.abs(to[0] - lat) < 1e-5 && Math.abs(to[1] - lon) < 1e-5, `directions go to ${href}`);
    }
    if (feature.geometry && !["building", "street"].includes(feature.properties.coord_precision)) {
      assert.equal(await page.$("#details a.directions"), null, "no directions to an approximate point");
    }
    if (feature.properties.phone) assert.ok(await page.$("#details a[href^='tel:']"));
    assert.equal((await hashParams()).get("sel"), id);
    await page.screenshot({ path: join(SCREENSHOTS, "desktop-details.png") });

    const axe = await scan(page);
    assert.deepEqual(axe, [], "no serious or critical accessibility violations with the panel open");

    await page.keyboard.press("Escape");
    await page.waitForSelector("#details[hidden]", { state: "attached" });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.id), id, "focus returns to the list");
    assert.equal((await hashParams()).get("sel"), null);
  });

  test("the search suggests places and picking one selects it", async () => {
    const any = (await server.api("/api/resources?limit=1")).features[0];
    const word = any.properties.city;
    const expected = await server.api(`/api/resources?q=${encodeURIComponent(word)}&limit=8`);
    await page.fill("#q", "");
    await page.type("#q", word);
    await page.waitForSelector("#suggestions:not([hidden]) li[role='option'][id]");
    // Places (issue 37) are listed after the records: only the records are counted.
    const shown = await page.$$eval("#suggestions li[id]:not([data-kind=place])", (lis) => lis.length);
    assert.equal(shown, expected.features.length);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#details:not([hidden])");
    assert.equal(await page.textContent("#details-name"), expected.features[0].properties.name);
    await page.keyboard.press("Escape");
    await page.click("#clear-point");
    await page.fill("#q", "");
  });

  test("the seed's most crowded point (14 services in Vilnius) is one counted symbol that lists them all", async () => {
    const all = await server.api("/api/resources?limit=10000");
    const byPoint = new Map();
    for (const f of all.features.filter((x) => x.geometry)) {
      const key = f.geometry.coordinates.join();
      byPoint.set(key, [...(byPoint.get(key) ?? []), f.id]);
    }
    // The most crowded point of the seed (Vilnius's centre, 14 services, when this was written).
    const [key, ids] = [...byPoint].sort((a, b) => b[1].length - a[1].length)[0];
    assert.ok(ids.length > 5, `${ids.length} services share ${key}`);
    const point = key.split(",").map(Number);
    await page.evaluate((c) => new Promise((ok) => window.witgis.map.once("idle", () => ok()).jumpTo({ center: c, zoom: 13 })), point);
    const stack = key;
    const badge = await page.waitForSelector(`.stack-count[data-stack="${stack}"]`);
    assert.equal(await badge.textContent(), String(ids.length));
    await badge.click();
    await page.waitForSelector(".stack-list button[data-id]");
    const listed = await page.$$eval(".stack-list button[data-id]", (bs) => bs.map((b) => b.dataset.id));
    assert.deepEqual([...listed].sort(), [...ids].sort(), "every one is listed");
    await page.keyboard.press("Escape");
    await page.waitForSelector(".stack-list", { state: "detached" });
  });

  test("the language switcher changes every label and is kept in the URL", async () => {
    assert.equal(await page.textContent("#reset"), TABLES.en["filters.reset"]);
    await page.selectOption("#lang", "de");
    // German is loaded when chosen: the page switches once it is there.
    await waitFor(async () => (await page.getAttribute("html", "lang")) === "de", { what: "the page in German" });
    assert.equal(await page.textContent("#reset"), TABLES.de["filters.reset"]);
    const legend = await page.$$eval("#legend label span:not(.count)", (s) => s.map((x) => x.textContent));
    assert.ok(legend.includes(TABLES.de["category.university"]), `legend in German: ${legend}`);
    assert.equal(await page.getAttribute(".maplibregl-ctrl-zoom-in", "aria-label"), TABLES.de["map.zoomIn"]);
    assert.equal((await hashParams()).get("lang"), "de");

    // A shared link opens in its language.
    const other = await browser.newPage();
    await other.goto(`${server.base}/#lang=lt`);
    await other.waitForSelector("#reset");
    await waitFor(async () => (await other.textContent("#reset")) === TABLES.lt["filters.reset"], {
      what: "the Lithuanian page",
    });
    await other.close();
    await page.selectOption("#lang", "en");
  });

  test("axe-core finds no serious or critical violations; the keyboard reaches the list", async () => {
    assert.deepEqual(await scan(page), []);
    await page.goto(`${server.base}/#lang=en`);
    await page.reload();
    await waitForMap(page);
    await page.waitForSelector("#list[data-mode='all'] button[data-id]");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement.id), "results");
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement.dataset.id);
    assert.ok(focused, "Tab goes from the list heading to the first result");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#details:not([hidden])");
    assert.equal(await page.evaluate(() => document.activeElement.id), "details", "the panel takes the focus");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, "none", "the focus is visible");
    await page.keyboard.press("Escape");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.id), focused);
  });

  test("the phone layout fits the screen and keeps map and list", async () => {
    const phone = await browser.newPage({ width: 390, height: 844 });
    await phone.goto(`${server.base}/#lang=it`);
    await waitForMap(phone);
    await waitFor(
      async () => JSON.stringify(await phone.$$eval("#list button[data-id]", (bs) => bs.map((b) => b.dataset.id))) === JSON.stringify((await expectedList("", phone)).ids),
      { what: "phone list" },
    );
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
    const map = await (await phone.$("#map")).boundingBox();
    assert.ok(map.width >= 380 && map.height >= 250, "the map fills the phone's width");
    await phone.screenshot({ path: join(SCREENSHOTS, "phone.png") });
    assert.deepEqual(await scan(phone), []);

    // The details open as a sheet inside the screen, closed by its button.
    await phone.click("#list li:first-child button");
    await phone.waitForSelector("#details:not([hidden])");
    const sheet = await (await phone.$("#details")).boundingBox();
    assert.ok(sheet.x >= 0 && sheet.x + sheet.width <= 390 && sheet.y + sheet.height <= 844 + 1, "the sheet fits");
    await phone.evaluate(() => new Promise((ok) => (window.witgis.map.isMoving() ? window.witgis.map.once("idle", () => ok()) : ok())));
    await phone.screenshot({ path: join(SCREENSHOTS, "phone-details.png") });
    await phone.click("#details-close");
    await phone.waitForSelector("#details[hidden]", { state: "attached" });
    await phone.close();
  });

  test("static files are compressed and cacheable", async () => {
    const res = await fetch(`${server.base}/vendor/maplibre-gl/maplibre-gl.js`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-encoding"), "gzip");
    assert.match(res.headers.get("cache-control"), /max-age=\d+/);
    const etag = res.headers.get("etag");
    assert.ok(etag);
    await res.arrayBuffer();
    const again = await fetch(`${server.base}/vendor/maplibre-gl/maplibre-gl.js`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  });

  test("with the default config no request leaves this server", async () => {
    assert.deepEqual(await server.api("/api/config"), { basemap_style: null, basemap_pmtiles: null, geocoder: false });
    const web = browser.requests.filter((u) => /^(https?|wss?):/.test(u));
    assert.ok(web.length > 10, "requests were recorded");
    const foreign = web.filter((u) => new URL(u).host !== `127.0.0.1:${server.port}`);
    assert.deepEqual(foreign, []);
    assert.deepEqual(browser.consoleErrors, []);
  });
});

