// The help desk finds Rome's quarters and municipi by the names callers use
// and refers to the competent centre of the municipio the reference facts
// give (data/rome-quarters.tsv, from rome-zones.csv and rome-quarters.csv),
// on a store without boundaries (`--seed-areas false`: a fresh install now
// ships Rome's municipi) and with municipio outlines loaded (rough boxes
// drawn for tests in tests/fixtures). Expected centres are read
// from the seed's own serves_areas, not from the referral code.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const BOXES = join(ROOT, "tests/fixtures/rome-municipi-boxes.geojson");
const SEED = JSON.parse(readFileSync(join(ROOT, "data/resources.geojson"), "utf8"));
/** The seed's located mental health centres serving a municipio. */
const csmsOf = (municipio) =>
  SEED.features
    .filter((f) => f.geometry && f.properties.category === "mental_health_centre" && f.properties.serves_areas.includes(municipio))
    .map((f) => f.id);

/** Names that rightly show a list of places rather than pick one. */
const AMBIGUOUS = ["Ostia"];

/** From the facts: the municipio each name lies in. */
const CASES = [
  ["Torre Angela", "it-rm-municipio-06"], // zona urbanistica 8F
  ["Centocelle", "it-rm-municipio-05"], // zona urbanistica 7a
  ["Prati", "it-rm-municipio-01"], // zona 17a, rione R.XXII
  ["Ostia", "it-rm-municipio-10"], // Municipio X, "Ostia" in the 2010 table
  ["tuscolano", "it-rm-municipio-07"], // quartiere Q.VIII, split V / VII: VII is listed
  ...["municipio 7", "municipio VII", "VII municipio", "municipio roma 7", "Municipio Roma VII", "mun. 7"].map((q) => [q, "it-rm-municipio-07"]),
];

for (const withBoundaries of [false, true]) {
  describe(`help desk places ${withBoundaries ? "with" : "without"} boundaries`, () => {
    let server;
    let browser;
    let page;

    before(async () => {
      server = await startServer([], { areas: withBoundaries ? [BOXES] : [], seedAreas: false });
      browser = await startBrowser();
      page = await browser.newPage();
      await page.goto(`${server.base}/#lang=en&mode=desk`);
      await waitForMap(page);
    });

    after(async () => {
      await browser?.stop();
      await server?.stop();
    });

    async function typeAndEnter(q) {
      await page.fill("#desk-q", "");
      await page.focus("#desk-q");
      await page.keyboard.type(q, { delay: 10 });
      await page.waitForSelector("#desk-suggestions:not([hidden]) li[role=option]");
      await waitFor(async () => (await page.inputValue("#desk-q")) === q, { what: "the typed text" });
      // No pause: Enter must act on the whole text even while the list shown
      // still answers a shorter one.
      await page.keyboard.press("Enter");
    }

    test("the fresh-install notice shows only when no boundaries are loaded", async () => {
      await waitFor(async () => (await page.$("#desk-notice")) !== null, { what: "the notice element" });
      const visible = await page.isVisible("#desk-notice");
      assert.equal(visible, !withBoundaries);
      if (!withBoundaries) assert.match(await page.textContent("#desk-notice"), /witgis import-areas/);
      assert.deepEqual(await scan(page), []);
    });

    for (const [q, municipio] of CASES) {
      test(`"${q}" leads to ${municipio}'s centre`, async () => {
        const before = await page.getAttribute("#desk-answer", "data-at");
        await page.evaluate(() => document.getElementById("desk-answer").removeAttribute("data-at"));
        await typeAndEnter(q);
        // A name of several places ("Ostia": Municipio X, Lido di Ostia, Ostia
        // Antica) keeps the list open: the operator picks its first line.
        if (AMBIGUOUS.includes(q) && (await page.isVisible("#desk-suggestions"))) {
          await page.click("#desk-suggestions li[role=option]");
        }
        await waitFor(async () => (await page.getAttribute("#desk-answer", "data-at")) !== null, { what: `an answer for ${q}` });
        void before;
        const competent = await page.$$eval("#desk-competent li", (lis) => lis.map((li) => li.dataset.id));
        const expected = csmsOf(municipio);
        assert.ok(expected.length > 0);
        assert.ok(competent.some((id) => expected.includes(id)), `${q}: ${competent} should include one of ${expected}`);
        // The first competent service is a CSM of one of the municipi named.
        const named = await page.textContent("#desk-answer .for");
        assert.ok(named.includes("Municipio Roma"), named);
        if (q === "tuscolano") assert.match(await page.textContent("#desk-answer .notes"), /street decides/);
      });
    }

    test("Enter right after typing acts on the whole text, not on the list of a shorter one", async () => {
      await page.fill("#desk-q", "");
      await page.focus("#desk-q");
      await page.keyboard.type("Municipio Roma", { delay: 10 });
      // The list for "Municipio Roma" is on screen, Municipio I first…
      await waitFor(async () => (await page.$$eval("#desk-suggestions li[role=option]", (l) => l.length)) > 1, { what: "the list for Municipio Roma" });
      await page.evaluate(() => document.getElementById("desk-answer").removeAttribute("data-at"));
      // …and the caller says "seven": the operator types it and presses Enter at once.
      await page.keyboard.type(" VII");
      await page.keyboard.press("Enter");
      await waitFor(async () => (await page.getAttribute("#desk-answer", "data-at")) !== null, { what: "an answer for Municipio Roma VII" });
      const competent = await page.$$eval("#desk-competent li", (lis) => lis.map((li) => li.dataset.id));
      const expected = csmsOf("it-rm-municipio-07");
      assert.ok(competent.some((id) => expected.includes(id)), `${competent} should include one of ${expected}`);
      assert.match(await page.textContent("#desk-answer .for"), /Municipio Roma VII\b/);
    });

    test("a name in several cities opens the list on Enter instead of picking", async () => {
      await typeAndEnter("San Giorgio");
      assert.equal(await page.isVisible("#desk-suggestions"), true, "the list stays open");
      // Enter asks for this text's list first: until it comes, the status may
      // still speak of the list for "San", shown while the text was typed.
      await waitFor(async () => /different cities/.test(await page.textContent("#desk-status")), { what: "the status for “San Giorgio”" });
      // Nothing was picked, and the previous place's answer is gone (issue 34:
      // it used to stay on screen), with the reason in its place.
      assert.equal(await page.getAttribute("#desk-answer", "data-at"), null, "no answer");
      assert.match(await page.textContent("#desk-answer .why"), /different cities are called “San Giorgio”/);
      const subs = await page.$$eval("#desk-suggestions li .sub", (els) => els.map((e) => e.textContent));
      assert.ok(subs.slice(0, 2).every((s) => / km from here/.test(s)), subs.join(" | "));
      await page.keyboard.press("Escape");
    });

    test("Primavalle (zone 19B in XIV, quarter Q27 split XIII / XIV): asked, never guessed; the split quarter lists both centres", async () => {
      const found = await server.api("/api/places?q=Primavalle&geocoder=false&limit=8");
      await typeAndEnter("Primavalle");
      await waitFor(async () => /different municipi/.test(await page.textContent("#desk-status")), { what: "the question" });
      assert.equal(await page.isVisible("#desk-suggestions"), true, "the list stays open");
      assert.equal(await page.getAttribute("#desk-answer", "data-at"), null, "nothing was picked");
      assert.match(await page.textContent("#desk-answer .why"), /“Primavalle” names places in different municipi/);
      // The operator asks, and picks the quartiere.
      const i = found.features.findIndex((f) => f.properties.id === "it-rm-q-q27-primavalle");
      assert.ok(i >= 0);
      await page.click(`#desk-sugg-${i}`);
      await waitFor(async () => (await page.getAttribute("#desk-answer", "data-place")) === "it-rm-q-q27-primavalle", { what: "the answer for Q27" });
      const competent = await page.$$eval("#desk-competent li", (lis) => lis.map((li) => li.dataset.id));
      for (const m of ["it-rm-municipio-13", "it-rm-municipio-14"]) {
        assert.ok(competent.some((id) => csmsOf(m).includes(id)), `${m}: ${competent}`);
      }
      assert.match(await page.textContent("#desk-answer .notes"), /street decides/);
      const forWhom = await page.$$eval("#desk-competent li .meta", (ps) => ps.map((p) => p.textContent));
      assert.ok(forWhom.some((t) => /for Municipio Roma XIII/.test(t)) && forWhom.some((t) => /for Municipio Roma XIV/.test(t)), forWhom.join(" | "));
    });

    test("Centocelle picks the quarter, not the municipio also known by that name; named once", async () => {
      await typeAndEnter("Centocelle");
      await waitFor(async () => (await page.getAttribute("#desk-answer", "data-place")) === "it-rm-q-7a-centocelle", { what: "the quarter" });
      assert.equal(await page.textContent("#desk-answer .for"), "Answer for: Centocelle · Municipio Roma V");
      await typeAndEnter("municipio 5");
      await waitFor(async () => (await page.getAttribute("#desk-answer", "data-place")) === "it-rm-municipio-05", { what: "the municipio" });
      assert.equal(await page.textContent("#desk-answer .for"), "Answer for: Municipio Roma V");
    });

    test("a street with a house number says it needs a geocoder", async () => {
      await page.fill("#desk-q", "");
      await page.focus("#desk-q");
      await page.keyboard.type("Via Appia Nuova 500", { delay: 10 });
      await page.waitForSelector("#desk-suggestions:not([hidden]) li.none");
      assert.match(await page.textContent("#desk-suggestions li.none"), /need a geocoder/);
      await page.keyboard.press("Escape");
    });

    test("housing alternatives from Prati stay in the Rome area", async () => {
      await page.selectOption("#desk-need", "housing");
      await typeAndEnter("Prati");
      await waitFor(async () => (await page.$$("#desk-nearest li")).length > 0, { what: "alternatives" });
      const alternatives = await page.$$eval("#desk-nearest li", (lis) => lis.map((li) => li.dataset.id));
      for (const id of alternatives) {
        const f = SEED.features.find((x) => x.id === id);
        assert.equal(f.properties.city, "Roma", id);
      }
      await page.selectOption("#desk-need", "");
    });
  });
}

describe("a place picked by name survives a reload, and a map click replaces it", () => {
  let server;
  let browser;
  let page;
  before(async () => {
    server = await startServer([], { seedAreas: false });
    browser = await startBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  test("Torre Angela (no point without boundaries) is kept in the URL fragment", async () => {
    await page.goto(`${server.base}/#lang=en&mode=desk`);
    await waitForMap(page);
    await page.focus("#desk-q");
    await page.keyboard.type("Torre Angela", { delay: 10 });
    await page.waitForSelector("#desk-suggestions:not([hidden]) li[role=option]");
    await page.waitForTimeout(300);
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.getAttribute("#desk-answer", "data-place")) === "it-rm-q-8f-torre-angela", { what: "the answer for Torre Angela" });
    const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
    assert.equal(hash.get("place"), "it-rm-q-8f-torre-angela");
    await page.reload();
    await waitFor(async () => (await page.getAttribute("#desk-answer", "data-place")) === "it-rm-q-8f-torre-angela", { what: "the answer after reload" });
    const competent = await page.$$eval("#desk-competent li", (lis) => lis.map((li) => li.dataset.id));
    assert.ok(competent.some((id) => csmsOf("it-rm-municipio-06").includes(id)), competent.join());
    // A click on the map is a point: the place is dropped.
    const box = await page.locator("#map canvas").boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await waitFor(async () => (await page.getAttribute("#desk-answer", "data-place")) === null, { what: "a point answer" });
    const after = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
    assert.equal(after.get("place"), null);
    assert.ok(after.get("pt"));
  });
});
