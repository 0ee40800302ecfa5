// Trust signals in real headless Chromium, with the page's clock fixed on
// 1 December 2026: the list, the details and the caller text say how fresh
// a record is ("Verified 2 months ago", "Never verified"), and the source is
// a link only when it is an http(s) URL. Records: tests/fixtures/quality.geojson.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";
import { freshness, sourceParts, sourceUrl, trustText } from "../../web/js/trust.js";
import { ago } from "../../web/js/format.js";
import { LANGUAGES, loadLanguage } from "../../web/js/i18n.js";

// Every language, loaded as the page loads a chosen one.
await Promise.all(LANGUAGES.map((l) => loadLanguage(l.code)));

const FIXTURE = join(ROOT, "tests/fixtures/quality.geojson");
const TODAY = new Date(2026, 11, 1, 10, 0, 0);

test("freshness words, by hand", () => {
  assert.equal(ago("en", 0), "today");
  assert.equal(ago("en", 61), "2 months ago");
  assert.equal(ago("de", 183), "vor 6 Monaten");
  assert.equal(ago("it", 800), "2 anni fa");
  assert.deepEqual(freshness("en", "2026-10-01", TODAY), { text: "Verified 2 months ago", stale: false, never: false });
  assert.deepEqual(freshness("en", "2025-05-31", TODAY), { text: "Verified 18 months ago", stale: true, never: false });
  assert.deepEqual(freshness("en", null, TODAY), { text: "Never verified", stale: true, never: true });
  assert.equal(freshness("lt", "2026-12-01", TODAY).text, "Patikrinta šiandien");
  assert.equal(sourceUrl("https://example.org/a"), "https://example.org/a");
  for (const s of ["javascript:alert(1)", "general knowledge", "ftp://example.org/x", "https://", null]) assert.equal(sourceUrl(s), null, String(s));
  // A source is named by its publisher (a URL's host), never as a bare URL (issue 34).
  assert.equal(trustText("en", { last_verified: "2026-10-01", source: "https://example.org/a" }, TODAY), "Verified 2 months ago (2026-10-01). Source: example.org (https://example.org/a)");
  assert.equal(trustText("it", { last_verified: "2026-10-01", source: "knowledge" }, TODAY), "Verificato 2 mesi fa (2026-10-01)");
  assert.equal(
    trustText("it", { last_verified: "2026-10-01", source: { publisher: "ASL Roma 1", url: "https://www.aslroma1.it/csm", page_date: "2026-06-19" } }, TODAY),
    "Verificato 2 mesi fa (2026-10-01). Fonte: ASL Roma 1, pagina del 19 giugno 2026 (https://www.aslroma1.it/csm)",
  );
  assert.equal(trustText("bg", { last_verified: null, source: "x" }, TODAY), "Никога не е проверявано");
  assert.deepEqual(sourceParts("https://a.example/x?p=1; https://b.example/; knowledge (not verified; ask)"), [
    { url: "https://a.example/x?p=1" },
    { url: "https://b.example/" },
    { text: "knowledge (not verified" },
    { text: "ask)" },
  ]);
  assert.deepEqual(sourceParts("javascript:alert(1)"), [{ text: "javascript:alert(1)" }]);
  assert.deepEqual(sourceParts(null), []);
});

describe("trust signals in the page", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { resources: [FIXTURE] });
    browser = await startBrowser();
    page = await browser.newPage();
    await page.clock.setFixedTime(TODAY);
  });
  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const sub = (id) => page.textContent(`#list button[data-id="${id}"] .sub`);

  test("the list and the details say how fresh and how sourced a record is", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    await waitFor(async () => (await page.$$("#list button[data-id]")).length === 7, { what: "the seven fixture records" });
    assert.match(await sub("q-full"), / · Verified 2 months ago · source linked$/);
    assert.match(await sub("q-twin-1"), / · Verified 6 months ago · source linked$/);
    assert.match(await sub("q-never"), / · Never verified · no source URL$/);

    await page.focus('#list button[data-id="q-full"]');
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.textContent("#details-name")) === "Test record q-full", { what: "the details" });
    const link = await page.$eval("#details-body dd a[href^='https://example.org']", (a) => ({ href: a.href, text: a.textContent }));
    assert.equal(link.href, "https://example.org/register/q-full");
    assert.ok(link.text.startsWith("example.org/register/q-full"), link.text);
    assert.equal(await page.textContent("#details-body .fresh"), "Verified 2 months ago (2026-10-01)");
    assert.deepEqual(await scan(page), []);

    await page.keyboard.press("Escape");
    await page.click('#list button[data-id="q-stale"]');
    await waitFor(async () => (await page.textContent("#details-name")) === "Test record q-stale", { what: "q-stale" });
    assert.equal(await page.textContent("#details-body .fresh.stale"), "Verified 18 months ago (2025-05-31) · last checked over a year ago");
    const texts = await page.$$eval("#details-body dd", (dds) => dds.map((d) => ({ text: d.textContent, links: d.querySelectorAll("a").length })));
    assert.ok(texts.some((d) => d.text === "witgis test fixture (not a real service)" && d.links === 0), JSON.stringify(texts));

    await page.keyboard.press("Escape");
    await page.click('#list button[data-id="q-twin-1"]');
    await waitFor(async () => (await page.textContent("#details-name")) === "Test record q-twin-1", { what: "q-twin-1" });
    const links = await page.$$eval("#details-body dd a[href^='https://example.org']", (as) => as.map((a) => a.href));
    assert.deepEqual(links, ["https://example.org/list-1", "https://example.org/list-2"], "each URL of the source is its own link");
  });

  test("the caller text carries the freshness and a URL source", async () => {
    const text = await page.evaluate(async () => {
      const { serviceText } = await import("/js/desk-text.js");
      await (await import("/js/i18n.js")).loadLanguage("it"); // the caller's language, as the desk loads it when chosen
      const get = async (id) => (await fetch(`/api/resources/${id}`)).json();
      return { full: serviceText("en", await get("q-full")), never: serviceText("it", await get("q-never")) };
    });
    assert.ok(text.full.includes("\nVerified 2 months ago (2026-10-01). Source: example.org (https://example.org/register/q-full)\n"), text.full);
    assert.ok(text.never.includes("\nMai verificato\n"), text.never);
    assert.deepEqual(browser.consoleErrors, []);
  });
});
