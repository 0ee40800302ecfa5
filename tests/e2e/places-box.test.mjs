// The map's search box and the help desk's place box find addresses,
// streets and neighbourhoods of the server's street map (`witgis
// import-places` on tests/fixtures/osm/places/places.osm.pbf, an extract of
// our own making: made-up houses on real street names). The expected points
// are the fixture's own, as its make-fixture script draws them.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const EXTRACT = join(ROOT, "tests/fixtures/osm/places/places.osm.pbf");

describe("places in the map's search box and the desk's place box", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { places: [EXTRACT] });
    browser = await startBrowser();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const hashParams = async () => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  /** The point the page measures from, as the hash keeps it. */
  const point = async () => (await hashParams()).get("pt")?.split(",").map(Number) ?? [];
  const near = (a, b) => a.length === 2 && Math.abs(a[0] - b[0]) < 1e-5 && Math.abs(a[1] - b[1]) < 1e-5;

  /** Types `q` into a box and waits for a list whose first option satisfies `selector`. */
  async function type(box, q, selector) {
    await page.fill(box, "");
    await page.focus(box);
    await page.keyboard.type(q, { delay: 10 });
    await page.waitForSelector(selector);
  }

  test("an address typed in the map's box is listed with its precision, and picking it flies there", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    await type("#q", "via Tuscolana 700", "#suggestions:not([hidden]) li[data-kind=place]");
    const first = await page.$eval("#suggestions li[role=option][id]", (li) => ({ text: li.textContent, precision: li.dataset.precision }));
    assert.equal(first.precision, "house", first.text);
    assert.match(first.text, /Via Tuscolana 700, Roma — address/);
    assert.match(first.text, /© OpenStreetMap contributors/);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await waitFor(async () => near(await point(), [12.562, 41.8688]), { what: "the house's point" });
    assert.equal(await page.inputValue("#q"), "Via Tuscolana 700, Roma");
    await waitFor(() => page.evaluate(() => window.witgis.map.getZoom() >= 16), { what: "the map close to the house" });
    await scan(page);
  });

  test("a house number the street map lacks gives the street, saying so", async () => {
    await type("#q", "Gedimino pr. 10, Vilnius", "#suggestions:not([hidden]) li[data-kind=place]");
    const options = await page.$$eval("#suggestions li[data-kind=place]", (lis) => lis.map((li) => ({ text: li.textContent, precision: li.dataset.precision })));
    assert.equal(options[0].precision, "street", JSON.stringify(options));
    assert.match(options[0].text, /Gedimino pr\., Vilnius/);
    assert.match(options[0].text, /House number 10 is not known/);
    assert.ok(!options.some((o) => o.precision === "house"), `no other house: ${JSON.stringify(options)}`);
    await page.keyboard.press("Escape");
  });

  test("neighbourhoods in Cyrillic and with Lithuanian diacritics, typed without them", async () => {
    await type("#q", "Люлин", "#suggestions:not([hidden]) li[data-kind=place]");
    assert.match(await page.$eval("#suggestions li[data-kind=place]", (li) => li.textContent), /Люлин — neighbourhood/);
    // Records come first for a name; the place is picked by the pointer.
    await type("#q", "zirmunai", "#suggestions:not([hidden]) li[data-kind=place]");
    // The list for the previous text may still show for a moment.
    const listed = () => page.$$eval("#suggestions li[data-kind=place]", (lis) => lis.map((li) => li.textContent));
    await waitFor(async () => (await listed()).some((t) => /^Žirmūnai — neighbourhood/.test(t)), { what: "Žirmūnai listed" });
    const i = (await listed()).findIndex((t) => /^Žirmūnai — neighbourhood/.test(t));
    await page.click(`#suggestions li[data-kind=place] >> nth=${i}`);
    await waitFor(async () => near(await point(), [25.295, 54.715]), { what: "Žirmūnai's point" });
    assert.equal(await page.inputValue("#q"), "Žirmūnai");
  });

  test("the desk's place box takes an address of the street map", async () => {
    // A page of its own: the flight to Žirmūnai may still end on the old
    // page and write its hash (map mode) over a new one typed in.
    await page.close();
    page = await browser.newPage();
    await page.goto(`${server.base}/#lang=en&mode=desk`);
    await waitForMap(page);
    await type("#desk-q", "ул. Шипка 6", "#desk-suggestions:not([hidden]) li[role=option]:not([aria-disabled])");
    const text = await page.$eval("#desk-suggestions li[role=option]:not([aria-disabled])", (li) => li.textContent);
    assert.match(text, /улица Шипка 6, София — address/);
    await page.keyboard.press("Enter");
    await waitFor(async () => near(await point(), [23.331, 42.6951]), { what: "the house's point" });
    await scan(page);
  });
});
