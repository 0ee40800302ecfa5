// The help desk logs a request from the page (issue 34, part 2): after an
// answer, the operator gives the token (kept in the page's memory only),
// picks need, channel and who asked from closed lists and the services
// referred to from the answer; the area is the place's, never its point.
// Refusals show in the page's language next to their field; the record is
// confirmed, appears in the operator's recent list, and undo withdraws it.
// Every record is checked against GET /api/demand/recent with the same token.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const BOXES = join(ROOT, "tests/fixtures/rome-municipi-boxes.geojson");

describe("help desk: logging a request from the page", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { areas: [BOXES], tokens: ["operator", "viewer"] });
    browser = await startBrowser();
    page = await browser.newPage();
    await page.goto(`${server.base}/#lang=it&mode=desk`);
    await waitForMap(page);
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  /** The records the operator token logged in the last 24 hours, from the API. */
  async function recent() {
    const res = await fetch(`${server.base}/api/demand/recent`, { headers: { authorization: `Bearer ${server.tokens.operator}` } });
    assert.equal(res.status, 200);
    return (await res.json()).records;
  }
  const error = (field) => page.textContent(`#log-${field}-err`);
  const shown = (field) => page.isVisible(`#log-${field}-err`);

  test("log, see it in the recent list, undo", async () => {
    assert.equal(await page.isVisible("#log-form"), false, "no form before an answer");
    await page.focus("#desk-q");
    await page.keyboard.type("Torre Angela", { delay: 10 });
    await page.waitForSelector("#desk-suggestions:not([hidden]) li[role=option]");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.getAttribute("#desk-answer", "data-place")) === "it-rm-q-8f-torre-angela", { what: "the answer" });
    await page.waitForSelector("#log-form:not([hidden])");

    // Nothing can be typed freely: the token is the form's only text field.
    const typed = await page.$$eval("#log-form input:not([type=checkbox]), #log-form textarea", (els) => els.map((e) => e.id));
    assert.deepEqual(typed, ["log-token"]);
    // The closed lists are the API's vocabularies.
    assert.deepEqual(await page.$$eval("#log-channel option", (os) => os.map((o) => o.value)), ["", "phone", "email", "in_person"]);
    assert.deepEqual(await page.$$eval("#log-requester option", (os) => os.map((o) => o.value)), ["", "person_concerned", "family_member", "service_staff", "other"]);
    // The area is the place's municipio; the services are the answer's.
    assert.equal(await page.inputValue("#log-area"), "it-rm-municipio-06");
    const answerIds = await page.$$eval("#desk-answer li.service", (lis) => [...new Set(lis.map((li) => li.dataset.id))]);
    assert.deepEqual(await page.$$eval("#log-services input", (is) => is.map((i) => i.value)), answerIds);

    // No token: said next to the token field, in Italian; nothing sent.
    await page.click("#log-submit");
    assert.equal(await shown("token"), true);
    assert.match(await error("token"), /Inserire prima il token/);

    // A viewer's token may not log: the refusal next to the token field.
    await page.fill("#log-token", server.tokens.viewer);
    await page.click("#log-submit");
    await waitFor(async () => /serve un token di operatore/.test(await error("token")), { what: "the role refusal" });

    // The operator's token, but nothing chosen: each refusal next to its field, in Italian.
    await page.fill("#log-token", server.tokens.operator);
    await page.click("#log-submit");
    await waitFor(async () => await shown("channel"), { what: "the refusals" });
    assert.match(await error("need"), /Scegliere il bisogno/);
    assert.match(await error("channel"), /Scegliere come/);
    assert.match(await error("requester"), /Scegliere chi ha chiesto/);
    assert.equal(await page.getAttribute("#log-channel", "aria-invalid"), "true");
    assert.deepEqual(await recent(), [], "nothing was logged");

    // Chosen: logged, confirmed, in the recent list.
    await page.selectOption("#log-need", "housing");
    await page.selectOption("#log-channel", "phone");
    await page.selectOption("#log-requester", "family_member");
    await page.check(`#log-services input[value="${answerIds[0]}"]`);
    await page.click("#log-submit");
    await page.waitForSelector("#log-done:not([hidden])");
    assert.equal(await shown("channel"), false, "the refusals are gone");
    const records = await recent();
    assert.equal(records.length, 1);
    const [r] = records;
    assert.deepEqual(
      { need: r.need, channel: r.channel, requester: r.requester, area: r.area, referred_to: r.referred_to },
      { need: "housing", channel: "phone", requester: "family_member", area: "it-rm-municipio-06", referred_to: [answerIds[0]] },
    );
    assert.equal(r.lon ?? null, null, "no point is logged: the area is the place's");
    assert.equal(await page.getAttribute("#log-record", "data-id"), r.id);
    const record = await page.textContent("#log-record");
    assert.ok(record.includes("Municipio Roma VI") && record.includes("Abitare") && record.includes("telefono") && record.includes("un familiare"), record);
    await waitFor(async () => (await page.$(`#log-recent li[data-id="${r.id}"]`)) !== null, { what: "the record in the recent list" });
    assert.match(await page.textContent(`#log-recent li[data-id="${r.id}"]`), /Abitare · telefono · un familiare · Municipio Roma VI · 1 servizio indicato/);
    // The token stays in the page's memory: not in the URL, not in the page's storage.
    const kept = await page.evaluate(() => location.href + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!kept.includes(server.tokens.operator));
    assert.deepEqual(await scan(page), []);

    // Undo: withdrawn, gone from the list and from the API.
    await page.click("#log-undo");
    await waitFor(async () => (await page.isHidden("#log-done")) && (await page.$(`#log-recent li[data-id="${r.id}"]`)) === null, { what: "the record withdrawn" });
    assert.match(await page.textContent("#log-status"), /Annullata/);
    assert.deepEqual(await recent(), []);
    assert.deepEqual(browser.consoleErrors.filter((e) => !/40[13]|422/.test(e)), []);
  });
});
