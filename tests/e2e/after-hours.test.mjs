// The operator view's opening hours in real headless Chromium, on a store
// holding only tests/e2e/fixtures/after-hours.geojson (six made-up services)
// and the Rome-like municipi drawn for the tests. The competent centre of Municipio II is never open
// (`off`) and its crisis services are open `24/7`, so what the page must show
// does not depend on the clock: the centre closed, the after-hours options,
// the "open now only" control, the after-hours option in the copied text.
// Every list is also compared with /api/referral for the page's own moment.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

/** Rome-like municipi drawn for the tests (not the real boundaries: tests/fixtures/README.md). */
const MUNICIPI = join(ROOT, "tests/fixtures/rome-municipi.geojson");
const FIXTURE = join(ROOT, "tests/e2e/fixtures/after-hours.geojson");
const NEED = "mental_health_care";
/** In Municipio Roma II, whose only competent centre is never open. */
const M2 = "12.51500,41.92400";
/** In Municipio Roma III, whose competent centre is open around the clock. */
const M3 = "12.54000,41.95000";

describe("operator view: opening hours, after hours and open now (fixture data)", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { areas: [MUNICIPI], resources: [FIXTURE] });
    browser = await startBrowser();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const hashParams = async () => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  const ids = (selector) => page.$$eval(selector, (lis) => lis.map((li) => li.dataset.id));
  const apiIds = (fc) => (fc?.features ?? []).map((f) => f.id);
  /** The referral the page should show: the API's, for the page's own point and moment. */
  async function apiReferral(extra = {}) {
    const [lon, lat] = (await hashParams()).get("pt").split(",");
    const at = await page.getAttribute("#desk-answer", "data-at");
    const q = new URLSearchParams({ lon, lat, k: "5", at, need: NEED, ...extra });
    return server.api(`/api/referral?${q}`);
  }
  /** What one listed service shows: its open badge and its next change. */
  const shown = (list, id) =>
    page.$eval(`${list} li[data-id="${id}"]`, (li) => ({
      badge: li.querySelector(".badge[class*=open-]").className.replace("badge ", ""),
      text: li.querySelector(".badge[class*=open-]").textContent,
      next: li.querySelector(".next")?.dataset.nextChange ?? null,
      nextText: li.querySelector(".next")?.textContent ?? null,
    }));

  async function open(pt) {
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=en&mode=desk&need=${NEED}&pt=${pt}`);
    await waitForMap(page);
    await page.waitForSelector("#desk-answer[data-at] #desk-competent li");
  }

  test("a competent centre that is never open is shown closed, and the after-hours options are listed", async () => {
    await open(M2);
    const api = await apiReferral();
    // The fixture makes this answer the same at any moment.
    assert.deepEqual(api.areas.map((a) => a.id), ["it-rm-municipio-02"]);
    assert.deepEqual(apiIds(api.competent), ["t-csm-closed", "t-crisis-247", "t-crisis-line"]);
    assert.deepEqual(apiIds(api.after_hours), ["t-crisis-247", "t-crisis-line"]);
    assert.ok(apiIds(api.nearest).includes("t-csm-closed"), "without 'open now only' the closed centre is an alternative too");

    assert.deepEqual(await ids("#desk-competent li"), apiIds(api.competent));
    assert.deepEqual(await ids("#desk-nearest li"), apiIds(api.nearest));
    assert.deepEqual(await ids("#desk-after li"), apiIds(api.after_hours), "the after-hours options are listed");
    assert.equal(await page.textContent("#desk-after >> xpath=preceding-sibling::h3[1]"), "After hours");

    assert.deepEqual(await shown("#desk-competent", "t-csm-closed"), { badge: "open-false", text: "closed now", next: null, nextText: null });
    for (const id of ["t-crisis-247", "t-crisis-line"]) {
      assert.deepEqual(await shown("#desk-after", id), { badge: "open-true", text: "open now", next: null, nextText: null }, id);
    }
    // Every service shows the state and next change the API gives for the same moment.
    for (const [list, fc] of [["#desk-competent", api.competent], ["#desk-nearest", api.nearest], ["#desk-after", api.after_hours]]) {
      for (const f of fc.features) {
        const s = await shown(list, f.id);
        const o = f.properties.open_now;
        assert.equal(s.badge, `open-${o}`, f.id);
        assert.equal(s.text, o === true ? "open now" : o === false ? "closed now" : "hours not known", f.id);
        assert.equal(s.next, f.properties.next_change, f.id);
      }
    }
    // Weekday hours always have a next change within a week, shown in the service's local time.
    const day = api.nearest.features.find((f) => f.id === "t-day-weekdays");
    assert.ok(day?.properties.next_change, "the weekday centre has a next change");
    const s = await shown("#desk-nearest", "t-day-weekdays");
    const [hh, mm] = day.properties.next_change.slice(11, 16).split(":");
    assert.match(s.nextText, day.properties.open_now ? /^closes / : /^opens /);
    assert.ok(s.nextText.includes(`${hh}:${mm}`), `${s.nextText} shows ${hh}:${mm}`);
    assert.equal((await shown("#desk-nearest", "t-group-unknown")).text, "hours not known");
  });

  test("'Only alternatives open now' keeps the alternatives the API finds open", async () => {
    await page.focus("#desk-open");
    await page.keyboard.press("Space");
    await waitFor(async () => (await hashParams()).get("open") === "1", { what: "open=1 in the URL" });
    let api;
    await waitFor(
      async () => {
        api = await apiReferral({ open_now: "true" });
        return JSON.stringify(await ids("#desk-nearest li")) === JSON.stringify(apiIds(api.nearest));
      },
      { what: "the open alternatives" },
    );
    const nearest = apiIds(api.nearest);
    assert.ok(nearest.includes("t-crisis-247") && nearest.includes("t-csm-open"), `${nearest}`);
    for (const closed of ["t-csm-closed", "t-group-unknown"]) assert.ok(!nearest.includes(closed), `${closed} is not open`);
    for (const id of nearest) assert.equal((await shown("#desk-nearest", id)).badge, "open-true", id);
    // The competent list is not filtered: the operator still sees the closed centre.
    assert.deepEqual(await ids("#desk-competent li"), ["t-csm-closed", "t-crisis-247", "t-crisis-line"]);
    await page.keyboard.press("Space");
    await waitFor(async () => !(await hashParams()).has("open"), { what: "open-only off" });
    await waitFor(async () => (await ids("#desk-nearest li")).includes("t-csm-closed"), { what: "all alternatives again" });
  });

  test("the copied texts carry the after-hours options", async () => {
    await page.click("#desk-copy-all");
    await waitFor(async () => (await page.inputValue("#desk-text")).includes("Outside opening hours:"), { what: "the whole text" });
    const text = await page.inputValue("#desk-text");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), text);
    const section = text.indexOf("Outside opening hours:");
    const tail = text.slice(section);
    assert.ok(tail.includes("Servizio crisi di prova (24 ore)") && tail.includes("Linea di crisi di prova"), tail);
    // Hours in words, never the OpenStreetMap syntax.
    assert.ok(tail.includes("Opening hours: open 24 hours, every day") && tail.includes("+39 800 000003"), tail);
    assert.ok(!text.includes("24/7"), text);

    await page.click("#desk-after li:first-child button.copy");
    await waitFor(async () => (await page.inputValue("#desk-text")).startsWith("Servizio crisi di prova (24 ore)"), { what: "one after-hours text" });
    const one = await page.inputValue("#desk-text");
    assert.match(one, /^Servizio crisi di prova \(24 ore\) \(\d+ m away\)\nCrisis service\n/);
    assert.ok(one.includes("Opening hours: open 24 hours, every day") && one.includes("Phone: +39 06 0000002"), one);
  });

  test("a competent centre open around the clock is shown open, with no after-hours list", async () => {
    await open(M3);
    const api = await apiReferral();
    assert.deepEqual(api.areas.map((a) => a.id), ["it-rm-municipio-03"]);
    assert.equal(api.after_hours, null);
    assert.deepEqual(await ids("#desk-competent li"), apiIds(api.competent));
    assert.equal((await ids("#desk-competent li"))[0], "t-csm-open");
    assert.deepEqual(await shown("#desk-competent", "t-csm-open"), { badge: "open-true", text: "open now", next: null, nextText: null });
    assert.equal(await page.$("#desk-after"), null, "no after-hours list");
    assert.ok(!(await page.textContent("#desk-answer")).includes("After hours"));

    const axe = await scan(page);
    assert.deepEqual(axe, [], "no serious or critical accessibility violations");
    assert.deepEqual(browser.consoleErrors, []);
  });
});

