// The page under its Content-Security-Policy, in real headless Chromium: the
// security headers are sent, and the explore, desk and coverage views work
// with no CSP violation reported.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

describe("security headers", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    // Every violation the browser reports, from the first script on.
    await browser.context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const violations = () => page.evaluate(() => window.__cspViolations);

  test("the page is served with a policy that allows only this server", async () => {
    const res = await fetch(`${server.base}/`);
    const csp = res.headers.get("content-security-policy");
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /connect-src 'self';/, "no other host to connect to without a basemap");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    const api = await fetch(`${server.base}/api/resources?limit=1`);
    assert.equal(api.headers.get("x-content-type-options"), "nosniff");
  });

  test("every view works under it, with no violation", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    await waitFor(async () => (await page.$$("#list button[data-id]")).length > 0, { what: "the list" });
    await page.goto(`${server.base}/#lang=en&mode=desk`);
    await page.reload();
    await waitForMap(page);
    await page.goto(`${server.base}/#lang=de&mode=coverage`);
    await page.reload();
    await waitForMap(page);
    await waitFor(async () => (await page.$$("#cov-table tbody tr")).length > 0, { what: "the coverage table" });
    assert.deepEqual(await violations(), []);
    assert.deepEqual(browser.consoleErrors, []);
  });
});
