// Editor mode in real headless Chromium, keyboard first: an editor gives a
// token, fixes a record (the API's validation error shown next to its field),
// moves its point, marks it verified today, resolves a conflict with a change
// made meanwhile by someone else (both kept), reads the history, deletes it and
// (as admin) restores it, and opens a record from the quality work list.
// Records: tests/fixtures/quality.geojson.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const FIXTURE = join(ROOT, "tests/fixtures/quality.geojson");

describe("editor mode", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { resources: [FIXTURE], tokens: ["editor", "admin"] });
    browser = await startBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const status = () => page.textContent("#ed-status");
  const focused = () => page.evaluate(() => document.activeElement?.id ?? "");
  const stored = async (id) => (await server.api(`/api/resources/${id}`)).properties;
  async function waitStatus(re) {
    await waitFor(async () => re.test(await status()), { what: `status ${re}` });
  }
  /** Tabs forward to the element with this id. */
  async function tabTo(id, max = 80) {
    for (let i = 0; i < max; i++) {
      if ((await focused()) === id) return;
      await page.keyboard.press("Tab");
    }
    throw new Error(`Tab never reached #${id}`);
  }
  async function typeInto(id, text) {
    await page.focus(`#${id}`);
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type(text);
  }

  test("keyboard: give a token, open a record, a refused field is marked, then fixed and saved", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    await page.focus("#mode-edit");
    await page.keyboard.press("Enter");
    assert.equal(await page.getAttribute("#mode-edit", "aria-pressed"), "true");
    assert.equal(await focused(), "ed-token");
    assert.equal(await page.getAttribute("#ed-token", "type"), "password");
    await page.keyboard.type(server.tokens.editor);
    await page.keyboard.press("Enter");
    assert.equal(await focused(), "ed-id");
    await page.keyboard.type("q-never");
    await page.keyboard.press("Enter");
    await waitStatus(/^Record q-never opened \(version 1\)\.$/);
    assert.equal(await page.inputValue("#ed-f-name"), "Test record q-never");
    assert.equal(await page.getAttribute("#ed-f-id", "readonly"), "");

    await typeInto("ed-f-phone", "+39 000 0000009");
    await typeInto("ed-f-email", "not an address");
    await tabTo("ed-save");
    await page.keyboard.press("Enter");
    await waitStatus(/^The server refused some fields/);
    assert.equal(await page.getAttribute("#ed-f-email", "aria-invalid"), "true");
    assert.equal(await page.getAttribute("#ed-f-email", "aria-describedby"), "ed-e-email");
    assert.ok((await page.textContent("#ed-e-email")).length > 5, "the API's reason is shown by the field");
    assert.equal(await focused(), "ed-f-email");
    assert.equal((await stored("q-never")).phone, null, "nothing was written");
    assert.deepEqual(await scan(page), []);

    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type("info@example.org");
    await tabTo("ed-save");
    await page.keyboard.press("Enter");
    await waitStatus(/^Saved: version 2\.$/);
    assert.equal(await page.isHidden("#ed-e-email"), true);
    const p = await stored("q-never");
    assert.deepEqual([p.phone, p.email, p.name], ["+39 000 0000009", "info@example.org", "Test record q-never"]);
  });

  test("the point moves by typing and by dragging the marker; verified today in one action", async () => {
    await typeInto("ed-f-lon", "10.1");
    await typeInto("ed-f-lat", "45.1");
    await page.keyboard.press("Tab"); // change → the marker follows
    await page.selectOption("#ed-f-coord_precision", "building");
    await page.click("#ed-save");
    await waitStatus(/^Saved: version 3\.$/);
    let f = await server.api("/api/resources/q-never");
    assert.deepEqual(f.geometry.coordinates, [10.1, 45.1]);
    assert.equal(f.properties.coord_precision, "building");

    await page.evaluate(() => void window.witgis.map.jumpTo({ center: [10.1, 45.1], zoom: 12 }));
    const marker = await page.waitForSelector(".maplibregl-marker");
    const box = await marker.boundingBox();
    const [x, y] = [box.x + box.width / 2, box.y + box.height - 4];
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 40, y + 30, { steps: 8 });
    await page.mouse.up();
    await waitFor(async () => (await page.inputValue("#ed-f-lon")) !== "10.1", { what: "the dragged longitude" });
    const [lon, lat] = [Number(await page.inputValue("#ed-f-lon")), Number(await page.inputValue("#ed-f-lat"))];
    assert.ok(lon > 10.1 && lat < 45.1, `east and south: ${lon}, ${lat}`);

    await page.focus("#ed-verified");
    await page.keyboard.press("Enter");
    await waitStatus(/^Saved: version 4\.$/);
    const d = new Date();
    const today = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    f = await server.api("/api/resources/q-never");
    assert.equal(f.properties.last_verified, today);
    assert.deepEqual(f.geometry.coordinates, [lon, lat], "the dragged point was saved with the verification");
    assert.equal(await page.inputValue("#ed-f-last_verified"), today);
  });

  test("a conflict shows both versions, and reapplying keeps both changes", async () => {
    await typeInto("ed-id", "q-twin-1");
    await page.keyboard.press("Enter");
    await waitStatus(/^Record q-twin-1 opened \(version 1\)\.$/);
    // Someone else changes the hours meanwhile.
    const res = await fetch(`${server.base}/api/resources/q-twin-1`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${server.tokens.admin}`, "content-type": "application/merge-patch+json", "if-match": '"v1"' },
      body: JSON.stringify({ properties: { opening_hours: "Mo-Fr 08:00-12:00" } }),
    });
    assert.equal(res.status, 200);
    await typeInto("ed-f-phone", "+39 000 0000010");
    await tabTo("ed-save");
    await page.keyboard.press("Enter");
    await waitFor(async () => page.isVisible("#ed-conflict"), { what: "the conflict" });
    assert.match(await page.textContent("#ed-conflict [role=alert]"), /^Someone else changed this record meanwhile \(now version 2\)/);
    const rows = await page.$$eval("#ed-conflict tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.field, [tr.querySelector(".mine").textContent, tr.querySelector(".theirs").textContent]])));
    assert.deepEqual(rows, { phone: ["+39 000 0000010", "—"], opening_hours: ["—", "Mo-Fr 08:00-12:00"] });
    assert.equal((await stored("q-twin-1")).phone, null, "not saved over their change");
    assert.equal(await focused(), "ed-reapply");
    assert.deepEqual(await scan(page), []);
    await page.keyboard.press("Enter");
    await waitStatus(/^Saved: version 3\.$/);
    const p = await stored("q-twin-1");
    assert.deepEqual([p.phone, p.opening_hours], ["+39 000 0000010", "Mo-Fr 08:00-12:00"], "both changes kept");
    assert.equal(await page.inputValue("#ed-f-opening_hours"), "Mo-Fr 08:00-12:00");

    await page.click("#ed-history");
    await waitFor(async () => (await page.$$("#ed-history-list > li")).length === 3, { what: "three changes" });
    const latest = await page.$eval("#ed-history-list > li", (li) => ({ head: li.querySelector("p").textContent, diff: [...li.querySelectorAll("ul li")].map((x) => x.textContent) }));
    assert.match(latest.head, / · e2e-editor · update$/);
    assert.deepEqual(latest.diff, ["phone: — → +39 000 0000010"]);
  });

  test("delete, restore as admin only, and the work list opens a record", async () => {
    // Changed meanwhile: the delete is not done blind either.
    const res = await fetch(`${server.base}/api/resources/q-twin-1`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${server.tokens.admin}`, "content-type": "application/merge-patch+json", "if-match": '"v3"' },
      body: JSON.stringify({ properties: { description: "Changed meanwhile." } }),
    });
    assert.equal(res.status, 200);
    await page.click("#ed-delete");
    await waitFor(async () => page.isVisible("#ed-conflict"), { what: "the delete conflict" });
    assert.equal(await page.$eval("#ed-conflict tbody tr[data-field=description] .theirs", (td) => td.textContent), "Changed meanwhile.");
    assert.equal((await fetch(`${server.base}/api/resources/q-twin-1`)).status, 200, "not deleted yet");
    assert.equal(await page.textContent("#ed-reapply"), "Delete");
    await page.click("#ed-reapply");
    await waitStatus(/^Record q-twin-1 deleted\.$/);
    assert.equal(await page.isHidden("#ed-conflict"), true);
    assert.equal(await focused(), "ed-restore");
    assert.equal((await fetch(`${server.base}/api/resources/q-twin-1`)).status, 404);
    await page.keyboard.press("Enter");
    await waitStatus(/^Error: /);
    await typeInto("ed-token", server.tokens.admin);
    await page.keyboard.press("Enter");
    await page.click("#ed-restore");
    await waitStatus(/^Record q-twin-1 restored\.$/);
    assert.equal((await stored("q-twin-1")).phone, "+39 000 0000010");

    await page.click("#ed-quality");
    const quality = await server.api("/api/quality");
    await waitFor(async () => (await page.$$("#ed-worklist li")).length === quality.work_list.length, { what: "the work list" });
    assert.equal(await page.textContent("#ed-quality-count"), `${quality.work_list.length} records to fix.`);
    assert.match(await page.textContent('#ed-worklist li[data-id="q-edge"]'), /no phone, no address/);
    await page.focus('#ed-worklist button[data-id="q-edge"]');
    await page.keyboard.press("Enter");
    await waitStatus(/^Record q-edge opened/);

    // A new record: the API's errors by their fields, then created.
    await page.click("#ed-new");
    assert.equal(await focused(), "ed-f-id");
    assert.equal(await page.getAttribute("#ed-f-id", "readonly"), null);
    await page.keyboard.type("q-new");
    await typeInto("ed-f-name", "Test record q-new");
    await page.selectOption("#ed-f-category", "self_help_group");
    await typeInto("ed-f-country", "IT");
    await typeInto("ed-f-lon", "10.02");
    await typeInto("ed-f-lat", "abc");
    await page.click("#ed-save");
    await waitFor(async () => (await page.getAttribute("#ed-f-lat", "aria-invalid")) === "true", { what: "lat marked" });
    assert.equal(await page.textContent("#ed-e-lat"), "is not a number");
    await typeInto("ed-f-lat", "45.02");
    await page.click("#ed-save");
    await waitFor(async () => (await page.getAttribute("#ed-f-coord_precision", "aria-invalid")) === "true", { what: "the precision the API asks for" });
    assert.equal((await fetch(`${server.base}/api/resources/q-new`)).status, 404, "nothing created");
    await page.selectOption("#ed-f-coord_precision", "street");
    await page.click("#ed-save");
    await waitStatus(/^Record q-new created\.$/);
    const created = await server.api("/api/resources/q-new");
    assert.deepEqual([created.properties.name, created.properties.category, created.geometry.coordinates], ["Test record q-new", "self_help_group", [10.02, 45.02]]);
    assert.equal(await page.getAttribute("#ed-f-id", "readonly"), "");

    await page.selectOption("#lang", "de");
    await waitFor(async () => (await page.textContent('label[for="ed-f-city"]')) === "Ort", { what: "German labels" });
    assert.equal(await page.textContent("#ed-save"), "Speichern");
    assert.deepEqual(browser.consoleErrors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
});
