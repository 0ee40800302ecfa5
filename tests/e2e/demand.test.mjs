// The coverage view's "requests not met" panel in real headless Chromium
// against the real witgis binary: requests logged through the API with an
// operator token, read back in the page with a viewer token, and compared
// with what /api/coverage/demand answers for the same choices.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor } from "./harness.mjs";

/** Rome-like municipi drawn for the tests (not the real boundaries: tests/fixtures/README.md). */
const MUNICIPI = join(ROOT, "tests/fixtures/rome-municipi.geojson");

describe("requests not met", () => {
  let server;
  let browser;
  let page;

  /** The API's answer with a token. */
  async function api(path, token, accept = "application/json") {
    const res = await fetch(server.base + path, { headers: { authorization: `Bearer ${token}`, accept } });
    assert.equal(res.status, 200, path);
    return accept === "text/csv" ? res.text() : res.json();
  }

  before(async () => {
    assert.ok(existsSync(MUNICIPI), `Rome's municipi are needed at ${MUNICIPI}`);
    // The requests are logged on 10 March; March is published from 10 April.
    server = await startServer(["--clock-start", "2026-03-10T10:00:00Z"], { areas: [MUNICIPI], tokens: ["viewer", "operator", "operator:desk-2", "operator:desk-3"] });
    // No service in Italy has the topic "women": those 7 requests are unmet
    // (published, rounded to a multiple of 5: 5). Municipio II has a youth
    // service; 2 callers were referred to it and 3 nowhere: 5 requests, and
    // the 3 unmet are too few to publish.
    const log = [
      ...Array(7).fill({ need: "women", area: "it-rm-municipio-06", referred_to: [] }),
      ...Array(2).fill({ need: "youth", area: "it-rm-municipio-02", referred_to: ["it-rm-prev-sabrata"] }),
      ...Array(3).fill({ need: "youth", area: "it-rm-municipio-02", referred_to: [] }),
      ...Array(2).fill({ need: "housing", area: "it-rm-municipio-01", referred_to: ["it-rm-caritas"] }),
    ];
    // A cell is published only when three desks logged in it (issue 39, D6):
    // the desks take turns.
    const desks = [server.tokens.operator, server.tokens["desk-2"], server.tokens["desk-3"]];
    for (const [i, r] of log.entries()) {
      const res = await fetch(`${server.base}/api/demand`, {
        method: "POST",
        headers: { authorization: `Bearer ${desks[i % 3]}`, "content-type": "application/json" },
        body: JSON.stringify({ ...r, date: "2026-03-10", channel: "phone", requester: "person_concerned" }),
      });
      assert.equal(res.status, 201, await res.text());
    }
    await server.restart(["--clock-start", "2026-04-15T10:00:00Z"]);
    browser = await startBrowser();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const status = () => page.textContent("#dem-status");
  const shownRows = () =>
    page.$$eval("#dem-table tbody tr", (trs) =>
      trs.map((tr) => ({
        id: tr.dataset.id,
        name: tr.querySelector("th").textContent,
        cells: Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.key, [td.dataset.value, td.textContent]])),
      })),
    );
  /** Waits until the table answers `query`, then returns its rows. */
  async function tableFor(query) {
    await waitFor(async () => (await page.getAttribute("#dem-table", "data-query")) === `/api/coverage/demand?${query}`, { what: `the table for ${query}` });
    return shownRows();
  }
  function assertRanking(rows, answer) {
    assert.deepEqual(rows.map((r) => r.id), answer.ranking.map((r) => r.area), "the API's areas, in its order");
    for (const [i, r] of answer.ranking.entries()) {
      assert.equal(rows[i].name, r.area_name);
      assert.deepEqual(rows[i].cells.rank, [String(r.rank), String(r.rank)]);
      for (const key of ["requests", "unmet"]) {
        const text = typeof r[key] === "number" ? String(r[key]) : "fewer than 5";
        assert.deepEqual(rows[i].cells[key], [String(r[key]), text], `${r.area} ${key}`);
      }
      assert.equal(rows[i].cells.needs[0], r.unmet_needs.join(","));
    }
  }

  test("without a token it asks for one; a wrong token is refused and says so", async () => {
    await page.goto(`${server.base}/#mode=coverage&lang=en`);
    await waitFor(async () => (await status()) === "Give an access token to see the requests not met.", { what: "the token prompt" });
    assert.equal(await page.isVisible("#dem-results"), false);
    await page.fill("#dem-token", "not-a-token");
    await page.click("#dem-form button[type=submit]");
    await waitFor(async () => (await status()).startsWith("The token was refused:"), { what: "the refusal" });
    assert.equal(await page.isVisible("#dem-results"), false);
  });

  test("with a viewer token, by keyboard: the areas ranked by unmet requests are the API's", async () => {
    await page.focus("#dem-token");
    await page.fill("#dem-token", "");
    await page.keyboard.type(server.tokens.viewer);
    await page.keyboard.press("Enter");
    const query = "period=all&radius_km=10";
    const rows = await tableFor(query);
    const answer = await api(`/api/coverage/demand?${query}`, server.tokens.viewer);
    assertRanking(rows, answer);
    // Municipio I's two requests are too few to list.
    assert.deepEqual(rows.map((r) => r.id), ["it-rm-municipio-06", "it-rm-municipio-02"]);
    assert.deepEqual(rows[0].cells.unmet, ["5", "5"]);
    assert.deepEqual(rows[1].cells.unmet, ["<5", "fewer than 5"]);
    assert.deepEqual(rows[1].cells.requests, ["5", "5"]);
    assert.equal(rows[0].cells.needs[1], "Women");
    // The page says the counts are rounded and which months are published.
    assert.match(await page.textContent("#dem-note"), /rounded to multiples of 5.*up to 2026-03/);
    await waitFor(async () => (await status()) === "Areas with requests: 2", { what: "the count of areas" });
    // The token is nowhere but in the page's memory and the requests to this server.
    assert.ok(!(await page.evaluate(() => location.href)).includes(server.tokens.viewer), "not in the URL");
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!stored.includes(server.tokens.viewer), "not in the page's storage");
    const foreign = browser.requests.filter((u) => /^(https?|wss?):/.test(u) && new URL(u).host !== `127.0.0.1:${server.port}`);
    assert.deepEqual(foreign, []);
  });

  test("the radius and the coverage view's topic change the answer to the API's", async () => {
    await page.selectOption("#dem-radius", "25");
    const wide = "period=all&radius_km=25";
    assertRanking(await tableFor(wide), await api(`/api/coverage/demand?${wide}`, server.tokens.viewer));
    assert.match(await page.textContent("#dem-caption"), /25 km/);
    await page.selectOption("#cov-topic", "youth");
    const youth = "period=all&radius_km=25&need=youth";
    const rows = await tableFor(youth);
    assertRanking(rows, await api(`/api/coverage/demand?${youth}`, server.tokens.viewer));
    assert.deepEqual(rows.map((r) => r.id), ["it-rm-municipio-02"]);
    await page.selectOption("#cov-topic", "");
    await tableFor(wide);
  });

  test("the CSV download is the API's, with the chosen period", async () => {
    await page.selectOption("#dem-period", "month");
    const query = "period=month&radius_km=25";
    await tableFor(query);
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#dem-csv")]);
    assert.equal(dl.suggestedFilename(), "witgis-demand-vs-supply.csv");
    const csv = readFileSync(await dl.path(), "utf8");
    assert.equal(csv, await api(`/api/coverage/demand?${query}&format=csv`, server.tokens.viewer, "text/csv"));
    assert.match(csv.split("\n")[1], /^2026-03,it-rm-municipio-02,/);
  });

  test("in another language; accessible; forgetting the token hides the answer", async () => {
    await page.selectOption("#lang", "de");
    await waitFor(async () => (await page.textContent("#dem-title")) === "Nicht gedeckte Anfragen", { what: "the German title" });
    assert.equal(await page.textContent("#dem-caption"), "Gebiete nach nicht gedeckten Anfragen (Angebote bis 25 km)");
    const rows = await shownRows();
    assert.equal(rows.find((r) => r.id === "it-rm-municipio-02").cells.unmet[1], "weniger als 5");
    await page.evaluate(() => document.querySelector("#dem-title").scrollIntoView());
    assert.deepEqual(await scan(page), []);
    await page.click("#dem-forget");
    await waitFor(async () => (await status()) === "Geben Sie ein Zugangstoken ein, um die nicht gedeckten Anfragen zu sehen.", { what: "the token prompt again" });
    assert.equal(await page.isVisible("#dem-results"), false);
    assert.equal(await page.inputValue("#dem-token"), "");
    // The only console errors are Chromium's note of the wrong token's 401
    // (once, or again if the coverage view reloaded while that token was set).
    const refused = "Failed to load resource: the server responded with a status of 401 (Unauthorized)";
    assert.ok(browser.consoleErrors.length >= 1, "the refusal is noted");
    assert.deepEqual(browser.consoleErrors.filter((e) => e !== refused), []);
  });
});
