// The help-desk operator view in real headless Chromium against the real
// witgis binary, with the Rome-like test municipi imported and a stand-in for an external
// Nominatim geocoder: every answer on the page is compared with what
// /api/referral and /api/places answer for the same point.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, SCREENSHOTS, scan, startBrowser, startFakeNominatim, startServer, waitFor, waitForMap } from "./harness.mjs";

/** Rome-like municipi drawn for the tests (not the real boundaries: tests/fixtures/README.md). */
const MUNICIPI = join(ROOT, "tests/fixtures/rome-municipi.geojson");
const NEED = "housing";
/** A street the built-in places do not know, and where the stand-in geocoder puts it (Municipio Roma I). */
const STREET = "via dei gracchi 12";
const STREET_FOUND = {
  place_id: 1,
  lat: "41.9071000",
  lon: "12.4633000",
  display_name: "12, Via dei Gracchi, Prati, Municipio Roma I, Roma, Roma Capitale, Lazio, 00192, Italia",
  category: "building",
  type: "yes",
  address: { country_code: "it" },
};

describe("help-desk operator view", () => {
  let server;
  let browser;
  let page;
  let nominatim;

  before(async () => {
    nominatim = await startFakeNominatim((params) => (params.q.toLowerCase().includes("gracchi") ? [STREET_FOUND] : []));
    server = await startServer(["--geocoder-url", nominatim.base, "--geocoder-contact", "e2e@example.org"], { areas: [MUNICIPI] });
    browser = await startBrowser();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
    await nominatim?.stop();
  });

  const hashParams = async () => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  const ids = (selector) => page.$$eval(selector, (lis) => lis.map((li) => li.dataset.id));
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? "");
  /** Presses Tab until `check` holds for the focused element; fails after `max` presses. */
  async function tabTo(check, what, max = 30) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(check)) return;
    }
    throw new Error(`Tab never reached ${what}`);
  }
  /** The referral the page should show, asked of the API for the page's own place or point and moment. */
  async function apiReferral(need) {
    const hash = await hashParams();
    const at = await page.getAttribute("#desk-answer", "data-at");
    const [lon, lat] = hash.get("place") ? [] : hash.get("pt").split(",");
    const q = new URLSearchParams(hash.get("place") ? { place: hash.get("place"), k: "5", at } : { lon, lat, k: "5", at });
    if (need) q.set("need", need);
    return server.api(`/api/referral?${q}`);
  }

  let timing = null;

  test("keyboard only: district name → suggestion → need → competent first → copied referral text", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    // Into the help-desk view with the keyboard: Tab to the toggle, Enter.
    await tabTo(() => document.activeElement?.id === "mode-desk", "the Help desk toggle");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await focusedId()) === "desk-q", { what: "focus in the place box" });
    assert.equal((await hashParams()).get("mode"), "desk");
    assert.equal(await page.getAttribute("#mode-desk", "aria-pressed"), "true");

    const places = await server.api("/api/places?q=municipio%20roma%20ii&limit=8&geocoder=false");
    assert.equal(places.features[0].properties.name, "Municipio Roma II");
    assert.equal(places.features[0].properties.kind, "area");

    const t0 = Date.now();
    // Typed at 50 ms a key, like a fast typist, so the printed timing means something.
    await page.keyboard.type("municipio roma ii", { delay: 50 });
    // The list may first show the answer for a shorter prefix: wait for the whole text's.
    const offered = () => page.$$eval("#desk-suggestions li[role=option]:not([data-action])", (lis) => lis.map((li) => li.firstChild.textContent));
    const wanted = places.features.map((f) => f.properties.name);
    await waitFor(async () => JSON.stringify(await offered()) === JSON.stringify(wanted), { what: "the suggestions for the whole text" });
    assert.deepEqual(await offered(), wanted, "suggestions in /api/places order");
    // Then, last, the offer to ask the external address search; typing never asks it.
    assert.equal(await page.getAttribute("#desk-suggestions li[role=option]:last-child", "data-action"), "geocode");
    assert.equal(nominatim.seen.length, 0, "the geocoder is not asked as you type");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.getAttribute("#desk-q", "aria-activedescendant"), "desk-sugg-0");
    await page.keyboard.press("Enter");
    // The municipio is referred by name: its outline's interior point stands
    // for no caller, so it is not taken as the caller's point (issue 34).
    await waitFor(async () => (await hashParams()).get("place") === "it-rm-municipio-02", { what: "the place in the URL" });
    assert.equal((await hashParams()).get("pt"), null, "no caller's point for a whole municipio");

    // The need, with the keyboard: Tab to the select, type the topic's name.
    await page.keyboard.press("Tab");
    assert.equal(await focusedId(), "desk-need");
    // One letter, as an operator does: the select's type-ahead forgets typed
    // letters after a second, so a word typed on a busy machine can land on
    // another topic. Housing is the one English topic starting with H.
    await page.keyboard.press("H");
    await waitFor(async () => (await hashParams()).get("need") === NEED, { what: "need=housing in the URL" });
    await page.waitForSelector("#desk-answer[data-at] #desk-competent li");
    // The answer is the API's, for the page's own point.
    let api;
    await waitFor(
      async () => {
        api = await apiReferral(NEED);
        const shown = await ids("#desk-nearest li");
        return JSON.stringify(shown) === JSON.stringify(api.nearest.features.map((f) => f.id));
      },
      { what: "the alternatives for the need" },
    );
    assert.equal(api.need, NEED);
    assert.deepEqual(api.areas.map((a) => a.name), ["Municipio Roma II"]);
    assert.ok(api.competent.features.length > 0, "someone is competent for Municipio Roma II");
    // Nothing is measured from a point standing for the whole municipio: the page asks for the street.
    assert.equal(api.point, null);
    assert.deepEqual(api.nearest.features, []);
    assert.match(await page.textContent("#desk-answer .notes"), /ask for a street or click the map/);
    assert.equal(await page.textContent("#desk-answer .for"), "Answer for: Municipio Roma II", "the municipio named once");
    const competent = await ids("#desk-competent li");
    assert.equal(competent[0], api.competent.features[0].id, "the competent list starts with the API's first");
    assert.deepEqual(competent, api.competent.features.map((f) => f.id), "and follows its order");
    assert.deepEqual(await ids("#desk-nearest li"), api.nearest.features.map((f) => f.id));
    // Phone-only services are marked as such.
    const phoneShown = await page.$$eval("#desk-answer li.service", (lis) => lis.filter((li) => li.querySelector(".badge.phone")).map((li) => li.dataset.id));
    const phoneApi = [...api.competent.features, ...api.nearest.features].filter((f) => f.properties.reach === "phone").map((f) => f.id);
    assert.deepEqual(new Set(phoneShown), new Set(phoneApi));
    // The area holding the point is named and highlighted on the map.
    assert.match(await page.textContent("#desk-answer .for"), /Municipio Roma II/);
    const hl = await page.evaluate(() => JSON.stringify(window.witgis.map.getFilter("desk-area-hl")));
    assert.match(hl, /it-rm-municipio-02/);

    // Copy the competent centre's referral text with the keyboard.
    await tabTo(() => document.activeElement?.matches("#desk-competent li:first-child button.copy"), "the first copy button");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.inputValue("#desk-text")).length > 0, { what: "the referral text" });
    timing = Date.now() - t0;
    // Measured and printed, never asserted: a slow machine must not fail the test.
    console.log(`# operator flow, typing to copied text: ${timing} ms`);

    const first = api.competent.features[0];
    const text = await page.inputValue("#desk-text");
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(clip, text, "the clipboard holds the text shown");
    assert.match(await page.textContent("#desk-status"), /copied/i);
    assert.ok(text.includes(first.properties.name), "the text names the service");
    if (first.properties.phone) assert.ok(text.includes(first.properties.phone), "and gives its phone");
    const exact = ["building", "street"].includes(first.properties.coord_precision);
    if (first.geometry && exact) {
      const [lon, lat] = first.geometry.coordinates;
      const link = `https://www.openstreetmap.org/directions?to=${lat.toFixed(6)}%2C${lon.toFixed(6)}`;
      assert.ok(text.includes(link), `the text links ${link}`);
    } else {
      assert.doesNotMatch(text, /openstreetmap\.org\/directions/, "no directions to an approximate point");
    }
    if (first.geometry && !exact) assert.match(text, /Approximate location: centre of /);
    if (first.properties.address) assert.ok(text.includes(first.properties.address), "the text gives the address");
    assert.ok(text.includes(first.properties.phone ? `Phone: ${first.properties.phone}` : "Phone: not known"), "the phone, or that it is not known");
    assert.ok(/Address: |By phone only/.test(text));
    assert.doesNotMatch(text, /ask by phone/, "never 'ask by phone'");

    // The caller speaks Italian: the same text, in Italian.
    await page.selectOption("#desk-lang", "it");
    await waitFor(async () => (await page.inputValue("#desk-text")) !== text, { what: "the text in Italian" });
    const it = await page.inputValue("#desk-text");
    assert.ok(it.includes(first.properties.name));
    assert.match(it, /Indirizzo: |Solo per telefono/);
    assert.doesNotMatch(it, /Address: /);
    assert.equal((await hashParams()).get("rlang"), "it");
    // The page itself stays in English.
    assert.equal(await page.textContent("#desk-title"), "Help-desk referral");
  });

  test("the whole answer: one text in the caller's language, and a clean print sheet", async () => {
    const api = await apiReferral(NEED);
    await page.click("#desk-copy-all");
    await waitFor(async () => (await page.inputValue("#desk-text")).startsWith("Dove trovare aiuto"), { what: "the whole text" });
    const text = await page.inputValue("#desk-text");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), text);
    // Every service, in the API's order: competent, then the alternatives.
    let from = 0;
    for (const f of [...api.competent.features, ...api.nearest.features]) {
      const at = text.indexOf(f.properties.name, from);
      assert.ok(at >= 0, `${f.properties.name} is in the text, in order`);
      from = at;
    }
    assert.match(text, /Bisogno: Alloggio|Bisogno: /);
    // Directions only to the services whose point is their address.
    const exactOnes = [...api.competent.features, ...api.nearest.features].filter((f) => f.geometry && ["building", "street"].includes(f.properties.coord_precision));
    if (exactOnes.length) assert.match(text, /openstreetmap\.org\/directions\?to=/);
    else assert.doesNotMatch(text, /openstreetmap\.org\/directions/);

    await page.evaluate(() => (window.print = () => (window.__printed = true)));
    await page.click("#desk-print");
    assert.equal(await page.evaluate(() => window.__printed), true);
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.isVisible("#print-sheet"), true);
    assert.equal(await page.isVisible("#map"), false);
    assert.equal(await page.isVisible("#desk"), false);
    assert.ok((await page.textContent("#print-sheet")).includes(api.competent.features[0].properties.name));
    await page.emulateMedia({ media: "screen" });
    assert.equal(await page.isVisible("#print-sheet"), false);
  });

  test("a street address: Escape closes the suggestions; picking one refers for that address", async () => {
    await page.selectOption("#desk-lang", "en");
    await page.fill("#desk-q", "");
    await page.focus("#desk-q");
    await page.keyboard.type("via ostiense 106");
    await page.waitForSelector("#desk-suggestions:not([hidden]) li[role=option]:not([aria-disabled])");
    await page.keyboard.press("Escape");
    assert.equal(await page.isHidden("#desk-suggestions"), true);
    assert.equal(await page.getAttribute("#desk-q", "aria-expanded"), "false");
    const places = await server.api("/api/places?q=via%20ostiense%20106&limit=8&geocoder=false");
    assert.equal(places.features[0].properties.kind, "address");
    await page.keyboard.press("ArrowDown"); // reopens
    await page.waitForSelector("#desk-suggestions:not([hidden]) li[role=option]:not([aria-disabled])");
    await page.keyboard.press("Enter"); // the first suggestion
    const [plon, plat] = places.features[0].geometry.coordinates;
    await waitFor(
      async () => {
        const pt = (await hashParams()).get("pt").split(",").map(Number);
        return Math.abs(pt[0] - plon) < 1e-5 && Math.abs(pt[1] - plat) < 1e-5;
      },
      { what: "the address's point" },
    );
    let api;
    await waitFor(
      async () => {
        api = await apiReferral(NEED);
        return JSON.stringify(await ids("#desk-competent li")) === JSON.stringify(api.competent.features.map((f) => f.id));
      },
      { what: "the competent list for the address" },
    );
    assert.deepEqual(await ids("#desk-nearest li"), api.nearest.features.map((f) => f.id));
  });

  test("a street only the external geocoder knows: asked on request, credited, and referred for", async () => {
    await page.fill("#desk-q", "");
    await page.focus("#desk-q");
    await page.keyboard.type(STREET);
    await page.waitForSelector("#desk-suggestions:not([hidden]) li[data-action=geocode]");
    assert.equal(nominatim.seen.length, 0, "nothing asked while typing");
    assert.equal(await page.isHidden("#desk-attribution"), true);
    assert.equal(await page.isHidden("#desk-list-credit"), true);
    // ↑ from the closed selection wraps to the last option: the address search.
    await page.keyboard.press("ArrowUp");
    const activeId = await page.getAttribute("#desk-q", "aria-activedescendant");
    assert.equal(await page.getAttribute(`#${activeId}`, "data-action"), "geocode");
    assert.match(await page.textContent(`#${activeId}`), /Search street addresses for “via dei gracchi 12”/);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#desk-suggestions:not([hidden]) li[data-source=geocoder]");

    // Asked once, with the query text, the page's language and an identifying User-Agent.
    assert.equal(nominatim.seen.length, 1);
    const { params, headers } = nominatim.seen[0];
    assert.equal(params.q, STREET);
    assert.equal(params["accept-language"], "en");
    assert.equal(params.format, "jsonv2");
    assert.match(headers["user-agent"], /^witgis\/[\d.]+ \(\+e2e@example\.org\)$/);
    assert.equal(headers.cookie, undefined);
    assert.equal(headers.referer, undefined);
    // The list is the API's answer, external addresses last, credited to OpenStreetMap.
    const api = await server.api(`/api/places?${new URLSearchParams({ q: STREET, limit: "8", lang: "en" })}`);
    assert.equal(nominatim.seen.length, 1, "the API's answer came from the cache");
    assert.equal(api.geocoder, "ok");
    const offered = await page.$$eval("#desk-suggestions li[role=option]", (lis) => lis.map((li) => li.firstChild.textContent));
    assert.deepEqual(offered, api.features.map((f) => f.properties.name));
    assert.equal(api.features.at(-1).properties.source, "geocoder");
    assert.match(await page.textContent("#desk-suggestions li[data-source=geocoder] .sub"), /address, (Lazio, )?Italy, [\d.]+ km from here · OpenStreetMap/);
    assert.equal(await page.isVisible("#desk-list-credit"), true, "credited under the results");
    assert.match(await page.textContent("#desk-list-credit"), /© OpenStreetMap contributors/);
    assert.deepEqual(await scan(page), [], "no serious or critical accessibility violations with the external results listed");

    // Pick it: the point is the geocoder's, the credit stays, the referral is for Municipio Roma I.
    const n = offered.length - 1;
    while ((await page.getAttribute("#desk-q", "aria-activedescendant")) !== `desk-sugg-${n}`) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await hashParams()).get("pt") === "12.46330,41.90710", { what: "the geocoded point" });
    assert.equal(await page.inputValue("#desk-q"), STREET_FOUND.display_name);
    assert.equal(await page.isVisible("#desk-attribution"), true, "the credit stays with the picked address");
    assert.match(await page.textContent("#desk-attribution"), /© OpenStreetMap contributors/);
    assert.equal(await page.isHidden("#desk-list-credit"), true);
    await waitFor(async () => (await page.textContent("#desk-answer .for").catch(() => "")).includes("Municipio Roma I"), { what: "Municipio Roma I" });
    let referral;
    await waitFor(
      async () => {
        referral = await apiReferral(NEED);
        return JSON.stringify(await ids("#desk-competent li")) === JSON.stringify(referral.competent.features.map((f) => f.id));
      },
      { what: "the competent list for the geocoded street" },
    );
    assert.deepEqual(referral.areas.map((a) => a.id), ["it-rm-municipio-01"]);
    // Typing again drops the credit with the geocoded results.
    await page.fill("#desk-q", "");
    await page.focus("#desk-q");
    await page.keyboard.type("municipio roma i");
    await page.waitForSelector("#desk-suggestions:not([hidden]) li[role=option]:not([aria-disabled])");
    assert.equal(await page.isHidden("#desk-attribution"), true);
    assert.equal(await page.isHidden("#desk-list-credit"), true);
    await page.keyboard.press("Escape");
  });

  test("a click outside every loaded area says so", async () => {
    // Florence: in Italy, in no imported municipio.
    await page.evaluate(() => new Promise((ok) => window.witgis.map.once("idle", () => ok()).jumpTo({ center: [11.2558, 43.7696], zoom: 12 })));
    const spot = await page.evaluate(() => {
      const { map } = window.witgis;
      const c = map.project([11.2558, 43.7696]);
      for (let d = 60; d < 300; d += 20) {
        for (const [x, y] of [[c.x + d, c.y], [c.x - d, c.y], [c.x, c.y + d], [c.x, c.y - d]]) {
          const hits = map.queryRenderedFeatures([[x - 15, y - 15], [x + 15, y + 15]], { layers: ["points", "clusters", "hl-icons"] });
          if (!hits.length) return { x, y };
        }
      }
      return null;
    });
    assert.ok(spot, "an empty spot in Florence");
    const box = await page.$eval("#map", (m) => m.getBoundingClientRect().toJSON());
    await page.mouse.click(box.x + spot.x, box.y + spot.y);
    await waitFor(async () => (await page.textContent("#desk-answer .notes").catch(() => "")).includes("No loaded area"), {
      what: "the no-area note",
    });
    const api = await apiReferral(NEED);
    assert.deepEqual(api.areas, []);
    assert.deepEqual(await ids("#desk-nearest li"), api.nearest.features.map((f) => f.id));
    assert.deepEqual(await ids("#desk-competent li"), api.competent.features.map((f) => f.id));
  });

  test("axe-core finds no serious or critical violations; screenshot; nothing leaves this server", async () => {
    // Back to Municipio Roma II with the answer and a copied text, for the scan and the picture.
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=en&mode=desk&need=${NEED}&pt=12.51500,41.92400&map=12.60/41.9200/12.5050`);
    await waitForMap(page);
    await page.waitForSelector("#desk-competent li");
    await page.click("#desk-competent li:first-child button.copy");
    await waitFor(async () => (await page.inputValue("#desk-text")).length > 0, { what: "the text" });
    await page.evaluate(() => new Promise((ok) => window.witgis.map.once("idle", () => ok()).triggerRepaint()));
    const axe = await scan(page);
    assert.deepEqual(axe, [], "no serious or critical accessibility violations in the operator view");
    // A taller window, so that the picture holds the competent centres and the alternatives.
    await page.setViewportSize({ width: 1280, height: 1100 });
    await page.$eval(".side", (s) => s.scrollTo({ top: document.querySelector("#desk-answer").offsetTop - 140 }));
    await page.evaluate(() => new Promise((ok) => window.witgis.map.once("idle", () => ok()).triggerRepaint()));
    await page.screenshot({ path: join(SCREENSHOTS, "operator.png") });
    await page.setViewportSize({ width: 1280, height: 800 });

    // The focus is visible on the controls of the view.
    await page.focus("#desk-need");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    const outline = await page.$eval("#desk-need", (e) => getComputedStyle(e).outlineStyle);
    assert.notEqual(outline, "none");

    const web = browser.requests.filter((u) => /^(https?|wss?):/.test(u));
    assert.ok(web.some((u) => u.includes("/api/referral")) && web.some((u) => u.includes("/api/places")));
    const foreign = web.filter((u) => new URL(u).host !== `127.0.0.1:${server.port}`);
    assert.deepEqual(foreign, []);
    assert.deepEqual(browser.consoleErrors, []);
    if (timing !== null) console.log(`# operator flow measured: ${timing} ms`);
  });
});

