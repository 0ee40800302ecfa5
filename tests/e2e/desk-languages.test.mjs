// Every word in the caller's language (issue 34, part 5): one fixed answer
// of /api/referral (tests/e2e/fixtures/referral-primavalle.json: the real
// answer for quartiere Q27 Primavalle, split between Municipi XIII and XIV,
// need "housing", with the test municipi loaded) is shown by the page in
// each of the five languages — the answer, its cards and notes, the copied
// text and the print sheet — and no word of an English stop-list appears in
// the four other languages. The same check finds those words in English, so
// it can fail.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const ANSWER = readFileSync(join(ROOT, "tests/e2e/fixtures/referral-primavalle.json"), "utf8");
const PLACE = JSON.parse(ANSWER).place.id;

/** English words the page's own text must not hold in another language (names and addresses are the data's; "Website" is German too). */
const STOP = ["the", "and", "of", "to", "for", "from", "with", "by", "only", "source", "knowledge", "phone", "address", "hours", "not", "known",
  "approximate", "location", "street", "decides", "spans", "call", "before", "going", "verified", "never", "open", "closed", "now", "centre",
  "quarter", "services", "service", "alternatives", "need", "competent", "directions", "away", "answer", "point", "ask", "click", "map",
  "reopened", "active", "newer", "facts"];

/** The stop-list's words in `text`, URLs left out. */
function english(text) {
  const words = text.replace(/https?:\/\/\S+/g, " ").toLowerCase().split(/[^\p{L}]+/u);
  return [...new Set(words.filter((w) => STOP.includes(w)))];
}

describe("the referral in the caller's language", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], {});
    browser = await startBrowser();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    page = await browser.newPage();
    // The fixed answer, whatever the store holds.
    await page.route("**/api/referral?*", (route) => route.fulfill({ status: 200, contentType: "application/json", body: ANSWER }));
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  /** The answer, the copied whole text and the print sheet, with the page in `lang`. */
  async function render(lang) {
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=${lang}&mode=desk&place=${PLACE}`);
    await waitForMap(page);
    await waitFor(async () => (await page.getAttribute("#desk-answer", "data-place")) === PLACE, { what: `the answer in ${lang}` });
    await page.click("#desk-copy-all");
    await waitFor(async () => (await page.inputValue("#desk-text")).length > 0, { what: "the whole text" });
    await page.evaluate(() => (window.print = () => {}));
    await page.click("#desk-print");
    return {
      answer: await page.textContent("#desk-answer"),
      text: await page.inputValue("#desk-text"),
      print: await page.textContent("#print-sheet"),
    };
  }

  test("English: the check finds the English words it looks for", async () => {
    const en = await render("en");
    for (const part of Object.values(en)) assert.ok(english(part).length > 3, `${english(part)}: ${part}`);
    // The sources by publisher, never the bare word "knowledge".
    assert.match(en.text, /Source: dire\.it \(https:\/\/www\.dire\.it\//);
    assert.doesNotMatch(en.text, /knowledge/);
    assert.match(en.answer, /Primavalle spans Municipio Roma XIII and Municipio Roma XIV/);
  });

  for (const lang of ["it", "de", "bg", "lt"]) {
    test(`${lang}: no English in the answer, the copied text or the print sheet`, async () => {
      const shown = await render(lang);
      for (const [where, text] of Object.entries(shown)) assert.deepEqual(english(text), [], `${lang} ${where}:\n${text}`);
      // The split municipi are listed in the language's own way.
      const and = { it: " e ", de: " und ", bg: " и ", lt: " ir " }[lang];
      assert.ok(shown.answer.includes(`Municipio Roma XIII${and}Municipio Roma XIV`), shown.answer);
      // Phone-only services: no distance, no location, no "before going".
      assert.equal(await page.$$eval("#desk-competent li.phone .approx, #desk-competent li.phone .no-directions", (e) => e.length), 0);
      assert.deepEqual(browser.consoleErrors, []);
    });
  }
});
