// The coverage view in real headless Chromium against the real witgis binary,
// with the Rome-like test municipi imported: the table, the choropleth, the legend, the
// far localities and the downloads are compared with what /api/coverage and
// /api/coverage/gaps answer for the same choices.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, SCREENSHOTS, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

/** Rome-like municipi drawn for the tests (not the real boundaries: tests/fixtures/README.md). */
const MUNICIPI = join(ROOT, "tests/fixtures/rome-municipi.geojson");
/** The figures of a row the table shows, as the JSON report nests them. */
const FIGURES = {
  population: (r) => r.population,
  resources: (r) => r.resources,
  resources_per_100k: (r) => r.resources_per_100k,
  serving: (r) => r.serving,
  share_within_5km: (r) => r.distance.share_within_5km,
  share_within_10km: (r) => r.distance.share_within_10km,
  share_within_25km: (r) => r.distance.share_within_25km,
  mean_km: (r) => r.distance.mean_km,
  p90_km: (r) => r.distance.p90_km,
};
const GAP_LIMIT = "500";

describe("coverage view", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { areas: [MUNICIPI] });
    browser = await startBrowser();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const hashParams = async () => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || "");
  /** Presses Tab until `check` holds for the focused element. */
  async function tabTo(check, what, arg, max = 60) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(check, arg)) return;
    }
    throw new Error(`Tab never reached ${what}`);
  }
  /** The query the page should ask for: level first, as the page writes it. */
  function query({ level = "country", category = "", topic = "", country = "" } = {}) {
    const p = new URLSearchParams();
    if (category) p.set("category", category);
    if (topic) p.set("topic", topic);
    if (country) p.set("country", country);
    p.set("level", level);
    return p;
  }
  /** Waits until the table shows the answer to `q`, then returns its rows. */
  async function tableFor(q) {
    const want = `/api/coverage?${new URLSearchParams({ ...Object.fromEntries(q), format: "geojson" })}`;
    await waitFor(async () => (await page.getAttribute("#cov-table", "data-query")) === want, { what: `the table for ${want}` });
    return tableRows();
  }
  const tableRows = () =>
    page.$$eval("#cov-table tbody tr", (trs) =>
      trs.map((tr) => ({
        id: tr.dataset.id,
        name: tr.querySelector("th button").textContent,
        values: Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.key, td.dataset.value])),
        texts: Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.key, td.textContent])),
      })),
    );
  /** Table rows must be the API's rows (in its order unless sorted), with the same figures. */
  function assertRowsEqual(shownRows, api, level, { ordered = false } = {}) {
    const ids = shownRows.map((r) => r.id);
    if (ordered) assert.deepEqual(ids, api.rows.map((r) => r.id), "the API's rows, in its order");
    else assert.deepEqual([...ids].sort(), api.rows.map((r) => r.id).sort(), "the API's rows");
    const shown = api.rows.map((row) => shownRows.find((r) => r.id === row.id));
    for (const [i, row] of api.rows.entries()) {
      assert.equal(shown[i].name, row.name);
      for (const [key, get] of Object.entries(FIGURES)) {
        if (key === "serving" && level !== "area") {
          assert.equal(shown[i].values[key], undefined, "no serving column for countries");
          continue;
        }
        const v = get(row);
        assert.equal(shown[i].values[key], v === null || v === undefined ? "" : String(v), `${row.id} ${key}`);
      }
    }
  }
  async function idle() {
    await page.evaluate(() => new Promise((ok) => window.witgis.map.once("idle", () => ok()).triggerRepaint()));
  }
  /** The areas drawn on the map: id → { layer, colour }. */
  async function drawnAreas() {
    await idle();
    return page.evaluate(() => {
      const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v * 255).toString(16).padStart(2, "0")).join("");
      const out = {};
      for (const f of window.witgis.map.queryRenderedFeatures({ layers: ["cov-fill", "cov-nodata"] })) {
        const colour = f.layer.id === "cov-fill" ? hex(f.layer.paint["fill-color"]) : null;
        const seen = out[f.properties.cid];
        if (seen && (seen.layer !== f.layer.id || seen.colour !== colour)) throw new Error(`${f.properties.cid} drawn twice differently`);
        out[f.properties.cid] = { layer: f.layer.id, colour };
      }
      return out;
    });
  }
  /** Every API row is drawn in the colour of the legend class holding its value, or hatched as "no data". */
  async function assertLegendMatchesMap(api, value) {
    const legend = await page.$$eval("#cov-legend-classes li[data-color]", (lis) =>
      lis.map((li) => ({ from: Number(li.dataset.from), to: Number(li.dataset.to), closed: li.dataset.closed === "true", color: li.dataset.color, n: li.querySelector(".n").textContent })),
    );
    assert.ok(legend.length >= 1 && legend.length <= 5, `1 to 5 classes: ${legend.length}`);
    assert.equal(new Set(legend.map((c) => c.color)).size, legend.length, "each class its own colour");
    for (let i = 1; i < legend.length; i++) assert.equal(legend[i].from, legend[i - 1].to, "classes are contiguous");
    let drawn = {};
    await waitFor(
      async () => {
        drawn = await drawnAreas();
        return api.rows.every((r) => drawn[r.id]);
      },
      { what: "every row drawn on the map" },
    );
    const counts = new Array(legend.length).fill(0);
    let missing = 0;
    for (const row of api.rows) {
      const v = value(row);
      const d = drawn[row.id];
      assert.ok(d, `${row.id} is drawn`);
      if (v === null || v === undefined) {
        assert.equal(d.layer, "cov-nodata", `${row.id} has no data and is hatched`);
        missing++;
        continue;
      }
      const holding = legend.map((c, i) => [c, i]).filter(([c]) => v >= c.from && (v < c.to || (c.closed && v <= c.to)));
      assert.equal(holding.length, 1, `${row.id}: ${v} is in exactly one class`);
      const [cls, i] = holding[0];
      counts[i]++;
      assert.equal(d.layer, "cov-fill");
      assert.equal(d.colour, cls.color, `${row.id} (${v}) is drawn in its class's colour`);
    }
    assert.deepEqual(legend.map((c) => c.n), counts.map((n) => `(${n})`), "the legend counts the areas of each class");
    assert.equal(await page.textContent("#cov-legend-classes li[data-nodata] .n"), `(${missing})`);
    assert.equal(Object.keys(drawn).length, api.rows.length, "nothing else is drawn");
  }
  /** The far localities drawn on the map: their ids. */
  async function drawnGaps() {
    await idle();
    return page.evaluate(() => [...new Set(window.witgis.map.queryRenderedFeatures({ layers: ["cov-gaps"] }).map((f) => f.id))].sort((a, b) => a - b));
  }
  async function download(selector) {
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
    return { name: dl.suggestedFilename(), text: readFileSync(await dl.path(), "utf8") };
  }
  async function apiText(path) {
    const res = await fetch(server.base + path);
    assert.equal(res.status, 200, path);
    return res.text();
  }

  test("keyboard only: into the coverage view; the table is /api/coverage's answer", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    await tabTo(() => document.activeElement?.id === "mode-coverage", "the Coverage toggle");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await focused()) === "cov-level", { what: "focus on the level" });
    assert.equal(await page.getAttribute("#mode-coverage", "aria-pressed"), "true");
    const hash = await hashParams();
    assert.equal(hash.get("mode"), "coverage");
    assert.equal(hash.get("level"), "country");
    assert.equal(hash.get("measure"), "per_100k");

    const api = await server.api(`/api/coverage?${query()}`);
    const shown = await tableFor(query());
    assertRowsEqual(shown, api, "country", { ordered: true });
    assert.equal(shown.length, 4);
    // Numbers are written the English way.
    const it = api.rows.find((r) => r.id === "IT");
    const itShown = shown.find((r) => r.id === "IT");
    assert.equal(itShown.texts.population, new Intl.NumberFormat("en").format(it.population));
    assert.equal(itShown.texts.share_within_10km, new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 }).format(it.distance.share_within_10km));
    await assertLegendMatchesMap(api, (r) => r.resources_per_100k);

    // Keyboard: the measure select, then sort by a column, then pick a row.
    await page.keyboard.press("Tab");
    assert.equal(await focused(), "cov-measure");
    await page.keyboard.press("ArrowDown"); // resources per 100k → resources
    await waitFor(async () => (await hashParams()).get("measure") === "resources", { what: "measure=resources" });
    await tabTo(() => document.activeElement?.closest("th")?.dataset.key === "resources", "the Resources heading");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.getAttribute("#cov-table th[data-key=resources]", "aria-sort")) === "ascending", { what: "sorted" });
    const counts = (await tableRows()).map((r) => Number(r.values.resources));
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b));
    assert.equal(await page.evaluate(() => document.activeElement?.closest("th")?.dataset.key), "resources", "the focus stays on the heading");
    await tabTo(() => document.activeElement?.matches("#cov-table tbody button.pick"), "the first row");
    const first = await page.evaluate(() => document.activeElement.dataset.id);
    await page.keyboard.press("Enter");
    await waitFor(async () => (await hashParams()).get("row") === first, { what: "the row in the URL" });
    assert.equal(await page.getAttribute(`#cov-table button.pick[data-id="${first}"]`, "aria-pressed"), "true");
    assert.match(JSON.stringify(await page.evaluate(() => window.witgis.map.getFilter("cov-hl"))), new RegExp(first));
    // …and a download with Enter.
    await tabTo(() => document.activeElement?.id === "cov-csv", "the CSV link");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    assert.equal(readFileSync(await dl.path(), "utf8"), await apiText(`/api/coverage?${query()}&format=csv`));
  });

  test("sorting orders the rows by the column, both ways, and says so", async () => {
    for (const key of ["resources_per_100k", "population", "share_within_5km", "p90_km", "name"]) {
      const th = `#cov-table th[data-key=${key}]`;
      await page.click(`${th} button`);
      if ((await page.getAttribute(th, "aria-sort")) !== "ascending") await page.click(`${th} button`);
      for (const dir of ["ascending", "descending"]) {
        assert.equal(await page.getAttribute(th, "aria-sort"), dir, key);
        assert.equal(await page.$$eval("#cov-table th[aria-sort]", (ths) => ths.length), 1, "one sorted column");
        const rows = await tableRows();
        const got = key === "name" ? rows.map((r) => r.name) : rows.map((r) => Number(r.values[key]));
        const want = [...got].sort(key === "name" ? (a, b) => a.localeCompare(b, "en") : (a, b) => a - b);
        if (dir === "descending") want.reverse();
        assert.deepEqual(got, want, `${key} ${dir}`);
        if (dir === "ascending") await page.click(`${th} button`);
      }
    }
  });

  test("a category changes the table, the choropleth and the legend to the API's answer", async () => {
    // The whole of the four countries in view again (the first test zoomed to a row).
    await page.evaluate(() => void window.witgis.map.fitBounds([[5.5, 36.0], [28.5, 56.5]], { duration: 0 }));
    await page.selectOption("#cov-measure", "per_100k");
    await page.selectOption("#cov-category", "mental_health_centre");
    const q = query({ category: "mental_health_centre" });
    const api = await server.api(`/api/coverage?${q}`);
    assertRowsEqual(await tableFor(q), api, "country");
    assert.equal((await hashParams()).get("category"), "mental_health_centre");
    const all = await server.api(`/api/coverage?${query()}`);
    assert.notDeepEqual(api.rows.map((r) => r.resources), all.rows.map((r) => r.resources), "the category changes the figures");
    await assertLegendMatchesMap(api, (r) => r.resources_per_100k);
    // Another measure: the shares have fixed fifths.
    await page.selectOption("#cov-measure", "within_10km");
    await waitFor(async () => (await page.textContent("#cov-legend-title")) === "Population within 10 km of a service", { what: "the legend title" });
    assert.deepEqual(await page.$$eval("#cov-legend-classes li[data-color]", (lis) => lis.map((li) => li.dataset.from)), ["0", "0.2", "0.4", "0.6", "0.8"]);
    await assertLegendMatchesMap(api, (r) => r.distance.share_within_10km);
    // A topic as well.
    await page.selectOption("#cov-topic", "housing");
    const q2 = query({ category: "mental_health_centre", topic: "housing" });
    const api2 = await server.api(`/api/coverage?${q2}`);
    assertRowsEqual(await tableFor(q2), api2, "country");
    await assertLegendMatchesMap(api2, (r) => r.distance.share_within_10km);
    await page.selectOption("#cov-topic", "");
    await tableFor(q);
  });

  test("far localities on the map are /api/coverage/gaps's, for the chosen distance", async () => {
    for (const km of ["25", "50"]) {
      await page.selectOption("#cov-gapkm", km);
      const api = await server.api(`/api/coverage/gaps?category=mental_health_centre&min_km=${km}&limit=${GAP_LIMIT}`);
      assert.ok(api.features.length > 10, "Germany has no mental-health centre in the seed: many far places");
      const want = api.features.map((f) => f.id).sort((a, b) => a - b);
      await waitFor(async () => JSON.stringify(await drawnGaps()) === JSON.stringify(want), { what: `the gaps beyond ${km} km` });
      const listed = await page.$$eval("#cov-gaps li", (lis) => lis.map((li) => li.dataset.id));
      assert.deepEqual(listed, api.features.slice(0, 10).map((f) => String(f.id)), "the most populous are listed");
      assert.match(await page.textContent("#cov-gaps-title"), new RegExp(`${km} km`));
      const first = api.features[0].properties;
      assert.ok((await page.textContent("#cov-gaps li:first-child")).startsWith(first.name));
      // Bigger places are drawn bigger.
      const radii = await page.evaluate((ids) => {
        const r = {};
        for (const f of window.witgis.map.queryRenderedFeatures({ layers: ["cov-gaps"] })) if (ids.includes(f.id)) r[f.id] = f.layer.paint["circle-radius"];
        return r;
      }, [api.features[0].id, api.features.at(-1).id]);
      assert.ok(radii[api.features[0].id] > radii[api.features.at(-1).id], `${JSON.stringify(radii)}`);
    }
    assert.equal((await hashParams()).get("gapkm"), "50");
  });

  test("downloads are the API's CSV and GeoJSON for what is shown", async () => {
    const q = query({ category: "mental_health_centre" });
    const csv = await download("#cov-csv");
    assert.equal(csv.text, await apiText(`/api/coverage?${q}&format=csv`));
    assert.equal(csv.name, "witgis-coverage-country-mental_health_centre.csv");
    assert.match(csv.text.split("\n")[0], /^level,id,name,country,population,resources,resources_per_100k/);
    const geo = await download("#cov-geojson");
    assert.deepEqual(JSON.parse(geo.text), await server.api(`/api/coverage?${q}&format=geojson`));
    assert.equal(JSON.parse(geo.text).features.length, 4);
    assert.equal(geo.name, "witgis-coverage-country-mental_health_centre.geojson");
    const far = await download("#cov-gaps-geojson");
    assert.deepEqual(JSON.parse(far.text), await server.api(`/api/coverage/gaps?category=mental_health_centre&min_km=50&limit=${GAP_LIMIT}`));
  });

  test("level=area: Rome's 15 municipi, with no-data areas hatched; picking one zooms to it", async () => {
    await page.selectOption("#cov-level", "area");
    const q = query({ level: "area", category: "mental_health_centre" });
    const api = await server.api(`/api/coverage?${q}`);
    assert.equal(api.rows.length, 15);
    const shown = await tableFor(q);
    assert.equal(shown.length, 15);
    assertRowsEqual(shown, api, "area", { ordered: true });
    assert.equal((await hashParams()).get("level"), "area");
    // The map fits Rome: every municipio is drawn; some have no locality inside and no figure.
    await assertLegendMatchesMap(api, (r) => r.distance.share_within_10km);
    assert.ok(api.rows.some((r) => r.distance.share_within_10km === null), "some municipi have no data");
    // import-areas gives Rome's municipi their population (31 Dec 2010), so
    // per 100,000 has a figure for every one of them.
    await page.selectOption("#cov-measure", "per_100k");
    await assertLegendMatchesMap(api, (r) => r.resources_per_100k);
    assert.ok(api.rows.every((r) => r.resources_per_100k !== null), "every municipio has a population");
    assert.equal(await page.textContent("#cov-legend-classes li[data-nodata] .n"), "(0)");
    const cell = await page.textContent("#cov-table tbody tr:first-child td[data-key=resources_per_100k]");
    assert.doesNotMatch(cell, /no data/);
    // Unknown values go last, whichever way the column is sorted.
    await page.click("#cov-table th[data-key=mean_km] button");
    for (const dir of [1, -1]) {
      const values = (await tableRows()).map((r) => r.values.mean_km);
      const known = values.filter((v) => v !== "").map(Number);
      assert.deepEqual(values.slice(known.length), new Array(values.length - known.length).fill(""), "unknown last");
      assert.deepEqual(known, [...known].sort((a, b) => dir * (a - b)));
      await page.click("#cov-table th[data-key=mean_km] button");
    }
    // Picking a municipio highlights it and zooms to it.
    await page.click('#cov-table button.pick[data-id="it-rm-municipio-02"]');
    await waitFor(async () => (await hashParams()).get("row") === "it-rm-municipio-02", { what: "row=it-rm-municipio-02" });
    await page.waitForFunction(() => !window.witgis.map.isMoving());
    await idle();
    const area = await server.api("/api/areas/it-rm-municipio-02");
    const view = await page.evaluate(() => window.witgis.map.getBounds().toArray());
    const ring = area.geometry.coordinates[0][0];
    const inView = ring.filter(([x, y]) => x >= view[0][0] && x <= view[1][0] && y >= view[0][1] && y <= view[1][1]);
    assert.equal(inView.length, ring.length, "the whole municipio is in view");
    assert.ok(view[1][0] - view[0][0] < 0.5, "zoomed in on it");
    assert.equal(await page.getAttribute('#cov-table button.pick[data-id="it-rm-municipio-02"]', "aria-pressed"), "true");
    assert.match(await page.textContent("#cov-status"), /Municipio Roma II/);
    // A click on the map picks the municipio under it.
    const box = await page.$eval("#map", (m) => m.getBoundingClientRect().toJSON());
    const spot = await page.evaluate(() => {
      const { map } = window.witgis;
      const c = map.getCanvas();
      const rect = c.getBoundingClientRect();
      for (let y = 20; y < c.clientHeight; y += 15) {
        for (let x = 20; x < c.clientWidth; x += 15) {
          if (document.elementFromPoint(rect.x + x, rect.y + y) !== c) continue; // under the legend or a control
          const hit = map.queryRenderedFeatures([x, y], { layers: ["cov-fill", "cov-nodata", "cov-gaps"] });
          if (hit.length === 1 && hit[0].properties.cid && hit[0].properties.cid !== "it-rm-municipio-02") return { x, y, id: hit[0].properties.cid };
        }
      }
      return null;
    });
    assert.ok(spot, "another municipio in view");
    await page.mouse.click(box.x + spot.x, box.y + spot.y);
    await waitFor(async () => (await hashParams()).get("row") === spot.id, { what: `row=${spot.id} after a click` });
  });

  test("level=region: the regions of the four countries, coloured by resources per 100,000", async () => {
    await page.selectOption("#cov-level", "region");
    await page.selectOption("#cov-measure", "per_100k");
    const q = query({ level: "region", category: "mental_health_centre" });
    const api = await server.api(`/api/coverage?${q}`);
    assert.equal(api.rows.length, 74);
    const shown = await tableFor(q);
    assertRowsEqual(shown, api, "region", { ordered: true });
    assert.equal((await hashParams()).get("level"), "region");
    assert.equal(await page.textContent("#cov-caption"), "Figures by region");
    assert.equal(shown.find((r) => r.id === "region-it-62").name, "Lazio");
    // Regions carry an estimated population, so every one has a rate.
    assert.ok(api.rows.every((r) => r.resources_per_100k !== null), "every region has a rate");
    // Italy's 20 regions fill the map, each in its legend class's colour.
    await page.selectOption("#cov-country", "IT");
    const qi = query({ level: "region", category: "mental_health_centre", country: "IT" });
    const italy = await server.api(`/api/coverage?${qi}`);
    assert.equal(italy.rows.length, 20);
    assertRowsEqual(await tableFor(qi), italy, "region", { ordered: true });
    await page.waitForFunction(() => !window.witgis.map.isMoving());
    await assertLegendMatchesMap(italy, (r) => r.resources_per_100k);
    await page.selectOption("#cov-country", "");
    await page.selectOption("#cov-level", "country");
    await tableFor(query({ category: "mental_health_centre" }));
  });

  test("charts: resources per category and country are the API's counts", async () => {
    const api = await server.api("/api/coverage?level=country");
    const bars = await page.$$eval("#cov-chart svg rect[data-country]", (rs) => rs.map((r) => [r.closest("g").dataset.category, r.dataset.country, Number(r.dataset.count)]));
    const want = [];
    for (const g of await page.$$eval("#cov-chart svg g[data-category]", (gs) => gs.map((g) => g.dataset.category))) {
      for (const row of api.rows) want.push([g, row.id, row.by_category.find((c) => c.category === g).count]);
    }
    assert.equal(want.length, 40, "ten categories, four countries");
    assert.deepEqual(bars, want);
    assert.deepEqual(await page.$$eval("#cov-chart svg g.chosen", (gs) => gs.map((g) => g.dataset.category)), ["mental_health_centre"]);
    // Longer bars for more resources.
    const widths = await page.$$eval("#cov-chart svg rect[data-country]", (rs) => rs.map((r) => [Number(r.dataset.count), Number(r.getAttribute("width"))]));
    for (const [a, wa] of widths) for (const [b, wb] of widths) if (a < b) assert.ok(wa < wb, `${a} < ${b} but ${wa} ≥ ${wb}`);
    // The same figures as a table.
    const cells = await page.$$eval("#cov-chart-table tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    assert.equal(cells.length, 10);
    assert.equal(cells[0].length, 4);
  });

  test("the language switch translates the view and formats numbers the local way", async () => {
    await page.selectOption("#cov-level", "country");
    const q = query({ category: "mental_health_centre" });
    await tableFor(q);
    const api = await server.api(`/api/coverage?${q}`);
    const de = api.rows.find((r) => r.id === "DE");
    const expect = {
      de: ["Versorgung mit Angeboten", "Zahlen je Land", "Einwohner", "Versorgung"],
      bg: ["Покритие с услуги", "Данни по държави", "Жители", "Покритие"],
      it: ["Copertura dei servizi", "Dati per paese", "Abitanti", "Copertura"],
      lt: ["Paslaugų aprėptis", "Duomenys pagal šalis", "Gyventojai", "Aprėptis"],
      en: ["Coverage of services", "Figures by country", "Inhabitants", "Coverage"],
    };
    for (const [lang, [title, caption, population, toggle]] of Object.entries(expect)) {
      await page.selectOption("#lang", lang);
      await waitFor(async () => (await page.textContent("#cov-title")) === title, { what: `the ${lang} title` });
      assert.equal(await page.textContent("#cov-caption"), caption);
      assert.equal(await page.textContent("#cov-table th[data-key=population] button span"), population);
      assert.equal(await page.textContent("#mode-coverage"), toggle);
      assert.equal((await hashParams()).get("lang"), lang);
      const row = (await tableRows()).find((r) => r.id === "DE");
      assert.equal(row.texts.population, new Intl.NumberFormat(lang).format(de.population), `${lang} digits`);
      assert.equal(row.texts.share_within_25km, new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(de.distance.share_within_25km));
      assert.equal(await page.getAttribute("html", "lang"), lang);
      const option = await page.$eval("#cov-category", (s) => s.selectedOptions[0].textContent);
      assert.ok(option.length > 3 && option !== "mental_health_centre", option);
    }
  });

  test("axe-core finds no serious or critical violations; phone layout; screenshot; nothing leaves this server", async () => {
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=en&mode=coverage&level=country&measure=within_25km&category=mental_health_centre&gapkm=50`);
    await waitForMap(page);
    await tableFor(query({ category: "mental_health_centre" }));
    await page.waitForSelector("#cov-chart svg");
    await page.waitForSelector("#cov-gaps li");
    await idle();
    assert.deepEqual(await scan(page), [], "desktop");
    await page.setViewportSize({ width: 1280, height: 900 });
    await idle();
    await page.screenshot({ path: join(SCREENSHOTS, "coverage.png") });
    await page.setViewportSize({ width: 1280, height: 800 });
    // The focus is visible on the table's sort buttons.
    await page.focus("#cov-table th[data-key=resources] button");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    assert.notEqual(await page.$eval("#cov-table th[data-key=resources] button", (e) => getComputedStyle(e).outlineStyle), "none");

    await page.setViewportSize({ width: 390, height: 844 });
    await idle();
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(sideways <= 0, `no sideways scrolling on a phone (${sideways}px)`);
    const wide = await page.evaluate(() => [...document.querySelectorAll(".coverage *")].filter((e) => e.closest(".cov-table-wrap") === null && e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.id || e.className || e.tagName));
    assert.deepEqual(wide, [], "nothing sticks out on the right");
    assert.ok(await page.isVisible("#map"));
    assert.ok(await page.isVisible("#cov-legend"));
    assert.deepEqual(await scan(page), [], "phone");
    await page.screenshot({ path: join(SCREENSHOTS, "coverage-phone.png"), fullPage: false });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Back to the map: the coverage layers go, the resources come back.
    await page.click("#mode-coverage");
    assert.equal(await page.isHidden("#coverage"), true);
    assert.equal(await page.isHidden("#cov-legend"), true);
    assert.equal(await page.evaluate(() => window.witgis.map.getLayoutProperty("cov-fill", "visibility")), "none");
    assert.equal(await page.evaluate(() => window.witgis.map.getLayoutProperty("points", "visibility")), "visible");
    assert.equal((await hashParams()).get("mode"), null);

    const web = browser.requests.filter((u) => /^(https?|wss?):/.test(u));
    assert.ok(web.some((u) => u.includes("/api/coverage/gaps")) && web.some((u) => u.includes("format=geojson")));
    const foreign = web.filter((u) => new URL(u).host !== `127.0.0.1:${server.port}`);
    assert.deepEqual(foreign, []);
    assert.deepEqual(browser.consoleErrors, []);
  });
});

