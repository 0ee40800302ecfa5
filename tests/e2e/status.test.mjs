// A service with admissions suspended, in real headless Chromium, on a store
// holding tests/e2e/fixtures/after-hours.geojson and the Rome-like municipi
// drawn for the tests. Before the alert the desk offers Municipio III's
// centre (t-csm-open, open 24/7) as competent; once an editor records
// "admissions suspended since" two days ago, the desk never lists it as
// competent, alternative or after-hours option, only among the warnings with
// the reason, and its card says so and gives no directions. Every list is
// compared with /api/referral for the page's own moment.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, startBrowser, startServer, waitForMap } from "./harness.mjs";

const MUNICIPI = join(ROOT, "tests/fixtures/rome-municipi.geojson");
const FIXTURE = join(ROOT, "tests/e2e/fixtures/after-hours.geojson");
const NEED = "mental_health_care";
/** In Municipio Roma III, whose competent centre is open around the clock. */
const M3 = "12.54000,41.95000";
const WARD = "t-csm-open";

/** The day `days` before today, YYYY-MM-DD (UTC: never after the server's today). */
function daysAgo(days) {
  return new Date(Date.now() - days * 86400000).toISOString().slice(0, 10);
}

describe("desk and card: a suspended service is a warning, never an offer", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { areas: [MUNICIPI], resources: [FIXTURE], tokens: ["editor"] });
    browser = await startBrowser();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const ids = (selector) => page.$$eval(selector, (lis) => lis.map((li) => li.dataset.id));
  const apiIds = (fc) => (fc?.features ?? []).map((f) => f.id);

  async function open() {
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=en&mode=desk&need=${NEED}&pt=${M3}`);
    await waitForMap(page);
    await page.waitForSelector("#desk-answer[data-at] #desk-competent li");
  }

  async function apiReferral() {
    const at = await page.getAttribute("#desk-answer", "data-at");
    const [lon, lat] = M3.split(",");
    return server.api(`/api/referral?${new URLSearchParams({ lon, lat, k: "5", at, need: NEED })}`);
  }

  test("offered while open; once suspended only a warning, and the card says so", async () => {
    await open();
    assert.ok((await ids("#desk-competent li")).includes(WARD), "competent before the alert");
    assert.equal(await page.$("#desk-warnings"), null, "no warning before the alert");

    const since = daysAgo(2);
    const res = await fetch(`${server.base}/api/resources/${WARD}`, {
      method: "PATCH",
      headers: {
        authorization: `Bearer ${server.tokens.editor}`,
        "content-type": "application/merge-patch+json",
        "if-match": '"v1"',
      },
      body: JSON.stringify({ properties: { alerts: [{ kind: "admissions_suspended", since, note: "ward under works" }] } }),
    });
    assert.equal(res.status, 200, await res.text());

    await open();
    const api = await apiReferral();
    for (const key of ["competent", "nearest", "after_hours"]) assert.ok(!apiIds(api[key]).includes(WARD), `API ${key}`);
    for (const list of ["#desk-competent li", "#desk-nearest li", "#desk-after li"]) {
      assert.ok(!(await ids(list)).includes(WARD), `${list} never lists the suspended centre`);
    }
    assert.deepEqual(await ids("#desk-competent li"), apiIds(api.competent));
    assert.deepEqual(await ids("#desk-warnings li"), api.warnings.map((w) => w.id));
    const warning = await page.$eval(`#desk-warnings li[data-id="${WARD}"]`, (li) => ({ reason: li.dataset.reason, text: li.textContent }));
    assert.equal(warning.reason, "admissions_suspended");
    assert.match(warning.text, new RegExp(`Admissions suspended: admissions suspended since ${since}: ward under works`));
    assert.equal(await page.$$eval(`#desk-answer a[href*="${WARD}"], #desk-warnings a`, (a) => a.length), 0, "no link, no directions");

    // The card, opened from the map's view.
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=en&sel=${WARD}`);
    await waitForMap(page);
    await page.waitForSelector("#details:not([hidden]) .status-alert");
    const lines = await page.$$eval("#details .status-alert", (ps) => ps.map((p) => p.textContent));
    assert.deepEqual(lines, [`Admissions suspended since ${since}: ward under works`]);
  });
});
