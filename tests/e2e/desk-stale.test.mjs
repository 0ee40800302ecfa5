// One answer per question: in the help desk, a new question clears the
// previous answer at once (with its copy and print buttons and its text)
// and says why; Enter never acts on a list made for an earlier text, however
// the text arrived (typed, pasted, set by a script). The sequences are those
// an operator met (issue 34), on the Italian page, shipped records without
// the shipped municipi (as the operator met them: "Ostia" then is several
// places, not Municipio X first), no geocoder.
// The place each answer is for is read from the page's `data-place` and
// compared with the ids of data/rome-quarters.tsv.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

describe("help desk: one answer per question", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { seedAreas: false });
    browser = await startBrowser();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    page = await browser.newPage();
    await page.goto(`${server.base}/#lang=it&mode=desk`);
    await waitForMap(page);
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const place = () => page.getAttribute("#desk-answer", "data-place");
  const why = () => page.textContent("#desk-answer .why").catch(() => "");

  /** Types `q` into an emptied place box. */
  async function type(q) {
    await page.fill("#desk-q", "");
    await page.focus("#desk-q");
    await page.keyboard.type(q, { delay: 10 });
  }

  /** Asks for `q` and waits for the answer for the place `id`. */
  async function answerFor(q, id, { click = false } = {}) {
    await type(q);
    await page.waitForSelector("#desk-suggestions:not([hidden]) li[role=option]:not([aria-disabled])");
    if (click) await page.click(`#desk-suggestions li[role=option]:not([aria-disabled])`);
    else await page.keyboard.press("Enter");
    await waitFor(async () => (await place()) === id, { what: `the answer for ${q}` });
    assert.equal(await page.isEnabled("#desk-copy-all"), true);
    await page.click("#desk-copy-all");
    await waitFor(async () => (await page.inputValue("#desk-text")).length > 0, { what: "the copied text" });
  }

  /** Nothing of the previous answer is left: no answer, no copy, no print, no text. */
  async function assertCleared(what) {
    assert.equal(await page.getAttribute("#desk-answer", "data-at"), null, `${what}: no answer`);
    assert.equal(await page.$("#desk-competent"), null, `${what}: no centres`);
    assert.equal(await page.isDisabled("#desk-copy-all"), true, `${what}: nothing to copy`);
    assert.equal(await page.isDisabled("#desk-print"), true, `${what}: nothing to print`);
    assert.equal(await page.inputValue("#desk-text"), "", `${what}: no text for the caller`);
    assert.equal(await page.textContent("#print-sheet"), "", `${what}: no print sheet`);
    const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
    assert.equal(hash.get("place"), null, `${what}: no place kept`);
  }

  test("a street address after Municipio V: cleared at once, then says a geocoder is needed", async () => {
    await answerFor("Municipio V", "it-rm-municipio-05");
    await page.fill("#desk-q", "");
    await page.focus("#desk-q");
    await page.keyboard.type("v");
    // At once, before any list for the new text: the answer is gone.
    await assertCleared("one key typed");
    await page.keyboard.type("ia Tuscolana 700", { delay: 10 });
    await waitFor(async () => (await why()).includes("“via Tuscolana 700”") && /geocodificatore/.test(await why()), { what: "the reason: a geocoder is needed" });
    await page.keyboard.press("Enter");
    await assertCleared("Enter on the street");
    assert.equal(await place(), null);
    assert.match(await page.textContent("#desk-status"), /via Tuscolana 700/);
  });

  test("a name not found after Torre Angela: cleared, says nothing was found", async () => {
    await answerFor("Torre Angela", "it-rm-q-8f-torre-angela");
    // A made-up name (Tor Bella Monaca, once missing, ships with the
    // neighbourhoods now).
    const nowhere = "Borgo Qwertyzx";
    const found = await server.api(`/api/places?q=${encodeURIComponent(nowhere)}&geocoder=false`);
    assert.deepEqual(found.features, [], `the shipped data has no ${nowhere}`);
    await type(nowhere);
    await page.keyboard.press("Enter");
    await waitFor(async () => /non è stato trovato nulla/.test(await why()), { what: "the reason: nothing found" });
    assert.match(await why(), new RegExp(nowhere));
    await assertCleared("not found");
  });

  test("an ambiguous name after Primavalle: cleared, the list stays open and says why", async () => {
    await answerFor("Primavalle", "it-rm-q-19b-primavalle", { click: true });
    const found = await server.api("/api/places?q=Ostia&geocoder=false");
    assert.equal(found.ambiguous, true);
    await type("Ostia");
    await page.keyboard.press("Enter");
    await waitFor(async () => /città diverse/.test(await why()), { what: "the reason: several places" });
    assert.equal(await page.isVisible("#desk-suggestions"), true, "the list stays open");
    await assertCleared("ambiguous");
  });

  /** The list for "Ostia" on screen with its first line (Municipio Roma X) moved to by Enter. */
  async function ostiaListOnScreen() {
    await answerFor("Trastevere", "it-rm-q-1b-trastevere");
    await type("Ostia");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.getAttribute("#desk-q", "aria-activedescendant")) === "desk-sugg-0", { what: "the first line of Ostia's list" });
    assert.equal(await page.textContent("#desk-sugg-0 span"), "Municipio Roma X");
    await assertCleared("Ostia's list");
  }

  /** Enter answers for Trastevere, never for the line moved to in Ostia's list. */
  async function enterAnswersTrastevere(how) {
    await page.keyboard.press("Enter");
    await waitFor(async () => (await place()) !== null, { what: `an answer after ${how}` });
    assert.equal(await place(), "it-rm-q-1b-trastevere", how);
    assert.match(await page.textContent("#desk-answer .for"), /^Risposta per: Trastevere · Municipio Roma I$/);
  }

  test("Enter after pasting over Ostia's list (keyboard paste) answers for the pasted text", async () => {
    await ostiaListOnScreen();
    await page.evaluate(() => navigator.clipboard.writeText("Trastevere"));
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Control+V");
    assert.equal(await page.inputValue("#desk-q"), "Trastevere");
    await enterAnswersTrastevere("a paste");
  });

  test("Enter after text inserted at once over Ostia's list answers for that text", async () => {
    await ostiaListOnScreen();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText("Trastevere");
    await enterAnswersTrastevere("an insertion");
  });

  test("Enter after typing over Ostia's list answers for the typed text", async () => {
    await ostiaListOnScreen();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("Trastevere");
    await enterAnswersTrastevere("typing");
  });

  test("Enter after a script set the text (no input event) answers for that text", async () => {
    await ostiaListOnScreen();
    await page.evaluate(() => {
      /** @type {HTMLInputElement} */ (document.getElementById("desk-q")).value = "Trastevere";
    });
    await enterAnswersTrastevere("a script");
    assert.deepEqual(await scan(page), []);
    assert.deepEqual(browser.consoleErrors, []);
  });
});
