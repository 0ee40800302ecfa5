// The nearest list says where the directory ends: places abroad or beyond
// the stated radius are set apart under a heading that says none nearer is
// known, in the page's language. The oracle is /api/nearest itself and the
// split recomputed here from each feature's country and distance.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { loadLanguage } from "../../web/js/i18n.js";
import { startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const TABLES = { en: await loadLanguage("en"), it: await loadLanguage("it") };
const NEAR_KM = 50;

/** A string of a table with its {placeholders} filled. */
const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));

describe("nearest list: where the directory ends", () => {
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

  /** The list's rows in order: entries by id, headings and notes by text. */
  const rows = () =>
    page.$$eval("#list > li", (lis) =>
      lis.map((li) => {
        const b = li.querySelector("button[data-id]");
        return b ? { id: b.dataset.id } : { cls: li.className, text: li.textContent };
      }),
    );

  /** Opens the page at a point with these categories and waits for the nearest list. */
  async function open(lang, [lon, lat], cats) {
    const api = await server.api(`/api/nearest?lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}&k=10&category=${cats.join(",")}`);
    await page.goto(`${server.base}/#lang=${lang}&cat=${cats.join(",")}&pt=${lon},${lat}`);
    await waitForMap(page);
    await waitFor(async () => (await rows()).filter((r) => r.id).length === api.features.length, { what: "the nearest list" });
    return api;
  }

  /** The split the list must show, from the API's answer. */
  function split(api) {
    const origin = api.origin.country;
    const near = (f) => f.properties.distance_m <= NEAR_KM * 1000 && (origin === null || f.properties.country === origin);
    return { origin, near: api.features.filter(near).map((f) => f.id), far: api.features.filter((f) => !near(f)).map((f) => f.id) };
  }

  test("Vilnius: self-help groups lie abroad, and the list says Lithuania has none nearer", async () => {
    const cats = ["self_help_group"];
    const api = await open("en", [25.3, 54.71], cats);
    const { origin, near, far } = split(api);
    assert.equal(origin, "LT");
    assert.ok(far.length > 0, "the directory's self-help groups nearest to Vilnius are abroad or far");
    const got = await rows();
    const at = got.findIndex((r) => r.cls?.includes("far-head"));
    assert.deepEqual(got.slice(0, at).map((r) => r.id), near, "near ones first");
    assert.deepEqual(got.filter((r, i) => i > at && r.id).map((r) => r.id), far, "then the far ones, set apart");
    const vars = { country: TABLES.en["country.LT"], km: NEAR_KM, kind: TABLES.en["category.self_help_group"] };
    const head = near.length ? TABLES.en["list.farHead"] : TABLES.en["list.farHeadNone"];
    assert.equal(got[at].text, fill(head, vars));
    if (near.length === 0) {
      const note = got.find((r) => r.cls === "list-note");
      assert.equal(note?.text, fill(TABLES.en["list.kindNotNear"], vars));
    }
  });

  test("Sofia, in Italian: centres in Rome are set apart as abroad, never listed as if near", async () => {
    const cats = ["mental_health_centre", "day_centre", "self_help_group", "crisis_service"];
    const api = await open("it", [23.3219, 42.6977], cats);
    const { origin, near, far } = split(api);
    assert.equal(origin, "BG");
    assert.ok(far.some((id) => api.features.find((f) => f.id === id).properties.country === "IT"), "Rome is among the ten");
    const got = await rows();
    const at = got.findIndex((r) => r.cls?.includes("far-head"));
    assert.ok(at >= 0, "a heading sets the far ones apart");
    assert.deepEqual(got.slice(0, at).map((r) => r.id), near);
    const vars = { country: TABLES.it["country.BG"], km: NEAR_KM };
    assert.equal(got[at].text, fill(near.length ? TABLES.it["list.farHead"] : TABLES.it["list.farHeadNone"], vars));
    // Each category with none near is named, in Italian, when the list reaches past the radius.
    const notes = got.filter((r) => r.cls === "list-note").map((r) => r.text);
    const nearKinds = new Set(near.map((id) => api.features.find((f) => f.id === id).properties.category));
    const expected = cats.filter((c) => !nearKinds.has(c)).map((c) => fill(TABLES.it["list.kindNotNear"], { ...vars, kind: TABLES.it[`category.${c}`] }));
    assert.deepEqual(notes, expected);
  });

  test("Rome: the ten nearest are all near, and no heading says otherwise", async () => {
    const cats = ["mental_health_centre"];
    const api = await open("en", [12.4823, 41.8933], cats);
    const { origin, far } = split(api);
    assert.equal(origin, "IT");
    assert.equal(far.length, 0);
    assert.equal((await rows()).filter((r) => !r.id).length, 0);
    assert.deepEqual(browser.consoleErrors, []);
  });
});
