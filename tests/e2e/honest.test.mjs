// What the page says about a place, in real headless Chromium, on a store
// holding only tests/e2e/fixtures/honest.geojson (made-up services): points
// that are only a quarter's or a city's centre are drawn and worded as
// approximate and get no directions; services sharing one point can all be
// opened; opening hours read as words in the five languages, never as
// OpenStreetMap syntax; the caller text holds facts only.
//
// The fixture's hours do not depend on the day the test runs: the next seven
// days always hold each weekday once, and the hours that mention public
// holidays are checked with a pattern that allows a holiday in the week.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ROOT, SCREENSHOTS, scan, startBrowser, startServer, waitFor, waitForMap } from "./harness.mjs";

const FIXTURE = join(ROOT, "tests/e2e/fixtures/honest.geojson");
/** The point five fixture services share: Vilnius's centre. */
const VILNIUS = [25.2798, 54.68916];
const STACK = ["t-vln-1", "t-vln-2", "t-vln-3", "t-vln-4", "t-vln-5"];

/** "Mo-Fr 08:00-20:00; Sa 08:00-14:00" in words, as each language's weekday names give it (hand-written). */
const WEEKDAYS = {
  it: "lun–ven 08:00–20:00; sab 08:00–14:00",
  en: "Mon–Fri 08:00–20:00; Sat 08:00–14:00",
  de: "Mo–Fr 08:00–20:00; Sa 08:00–14:00",
  bg: "пн–пт 08:00–20:00; сб 08:00–14:00",
  lt: "pr–pn 08:00–20:00; št 08:00–14:00",
};
/** "; PH off" added, in words. */
const PH_OFF = {
  it: "chiuso nei giorni festivi",
  en: "closed on public holidays",
  de: "an Feiertagen geschlossen",
  bg: "затворено на официални празници",
  lt: "per valstybines šventes uždaryta",
};
/** The caller-text lines for what is not known. */
const UNKNOWN = {
  it: { phone: "Telefono: non noto", address: "Indirizzo: non noto", hours: "Orari: non noti" },
  en: { phone: "Phone: not known", address: "Address: not known", hours: "Opening hours: not known" },
  de: { phone: "Telefon: nicht bekannt", address: "Adresse: nicht bekannt", hours: "Öffnungszeiten: nicht bekannt" },
  bg: { phone: "Телефон: не е известен", address: "Адрес: не е известен", hours: "Работно време: не е известно" },
  lt: { phone: "Telefonas: nežinomas", address: "Adresas: nežinomas", hours: "Darbo laikas: nežinomas" },
};
/** Raw OpenStreetMap syntax of the fixture: never shown. */
const RAW = /Mo-Fr|Mo-Th|PH off|24\/7|\d\d:\d\d-\d\d:\d\d/;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("honest locations, hours in words, a caller text with facts only (fixture data)", () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer([], { resources: [FIXTURE] });
    // An operator in Rome: Rome's hours need no zone, Vilnius's are named as Vilnius's.
    browser = await startBrowser({ timezoneId: "Europe/Rome" });
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.stop();
    await server?.stop();
  });

  const idle = () => page.evaluate(() => new Promise((ok) => (window.witgis.map.loaded() ? ok() : window.witgis.map.once("idle", () => ok()))));
  const jump = (center, zoom) =>
    page.evaluate(([c, z]) => new Promise((ok) => window.witgis.map.once("idle", () => ok()).jumpTo({ center: c, zoom: z })), [center, zoom]);
  /** The rendered map feature at a point: its properties and icon. */
  const drawnAt = (lonlat) =>
    page.evaluate((ll) => {
      const { map } = window.witgis;
      const p = map.project(ll);
      const f = map.queryRenderedFeatures([[p.x - 3, p.y - 3], [p.x + 3, p.y + 3]], { layers: ["points"] })[0];
      return f ? { ...f.properties, icon: f.layer.layout?.["icon-image"] ?? null } : null;
    }, lonlat);
  const openDetails = async (id, lang = "en") => {
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=${lang}&sel=${id}`);
    await page.waitForSelector("#details:not([hidden]) #details-name");
  };
  /** The details panel as label → value. */
  const detailRows = () =>
    page.$$eval("#details dl dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));

  test("an approximate point is drawn apart from an exact one, and the legend says so", async () => {
    await page.goto(`${server.base}/#lang=en`);
    await waitForMap(page);
    await jump([12.52, 41.885], 12);
    const exact = await drawnAt([12.49, 41.89]);
    const district = await drawnAt([12.55, 41.87]);
    const city = await drawnAt([12.4964, 41.9028]);
    assert.equal(exact?.id, "t-exact");
    assert.equal(exact.approx, false);
    assert.equal(district?.id, "t-district");
    assert.equal(district.approx, true);
    assert.equal(city?.approx, true);
    // Different images: the approximate one is the category symbol in a dashed ring.
    const images = await page.evaluate(() => {
      const { map } = window.witgis;
      const a = map.style.getImage("sym-approx-mental_health_centre");
      const e = map.style.getImage("sym-mental_health_centre");
      return { approx: a && [a.data.width, a.data.height], exact: e && [e.data.width, e.data.height] };
    });
    assert.ok(images.approx && images.exact, "both images exist");
    assert.ok(images.approx[0] > images.exact[0], `the approximate marker is a larger ring (${images.approx} vs ${images.exact})`);
    const legend = await page.$$eval("#legend-marks li", (lis) => lis.map((li) => [li.dataset.mark, li.textContent.trim()]));
    assert.deepEqual(legend, [
      ["exact", "exact address (building or street)"],
      ["approx", "approximate location: centre of a quarter or a city"],
      ["stack", "3several services at one point (how many): click for the list"],
    ]);
    await page.screenshot({ path: join(SCREENSHOTS, "approximate-points.png") });
  });

  test("details: the approximate location is named, distances read ≈, and Directions only for an exact point", async () => {
    await openDetails("t-district");
    let rows = await detailRows();
    assert.equal(rows.Location, "approximate location: centre of a quarter of Roma");
    assert.equal(rows.Address, "address not known (Roma, Italy)", "a city is not an address");
    assert.equal(rows["Location precision"], undefined);
    assert.equal(await page.$("#details a.directions"), null, "no directions to a quarter's centre");
    assert.equal(await page.textContent("#details .no-directions"), "The exact address is not known: call before going.");

    await openDetails("t-city-nophone");
    rows = await detailRows();
    assert.equal(rows.Location, "approximate location: centre of Roma");
    assert.equal(await page.$("#details a.directions"), null);
    assert.equal(
      await page.textContent("#details .no-directions"),
      "Neither the exact address nor a phone number is known: check before going.",
      "no 'call' without a phone",
    );

    await openDetails("t-exact");
    rows = await detailRows();
    assert.equal(rows["Location precision"], "street");
    assert.equal(rows.Address, "Via di Prova 10, 00100 Roma, Italy");
    assert.equal(rows.Location, undefined);
    const href = await page.getAttribute("#details a.directions", "href");
    assert.equal(href, "https://www.openstreetmap.org/directions?to=41.890000,12.490000");
    assert.equal(await page.$("#details .no-directions"), null);

    // The nearest list from a point between them: ≈ for the approximate ones only.
    await page.keyboard.press("Escape");
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=en&pt=12.52000,41.88000`);
    await page.waitForSelector("#list[data-mode='nearest'] button[data-id]");
    const near = await server.api("/api/nearest?lon=12.52&lat=41.88&k=10");
    const dist = Object.fromEntries(
      await page.$$eval("#list button[data-id]", (bs) => bs.map((b) => [b.dataset.id, b.querySelector(".dist").textContent])),
    );
    for (const f of near.features.filter((x) => x.properties.distance_m < 10000)) {
      const km = f.properties.distance_m / 1000;
      if (["district", "city"].includes(f.properties.coord_precision)) {
        const whole = km >= 1 ? `≈ ${Math.round(km)} km` : `≈ ${Math.max(100, Math.round(km * 10) * 100)} m`;
        assert.equal(dist[f.id], whole, f.id);
      } else {
        assert.doesNotMatch(dist[f.id], /≈/, f.id);
        assert.equal(dist[f.id], `${km.toFixed(1)} km`, f.id);
      }
    }
    assert.match(dist["t-district"], /^≈ \d+ km$/);
  });

  test("services sharing one point: the symbol says how many, and a click or the keyboard lists each", async () => {
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=en&map=14/${VILNIUS[1]}/${VILNIUS[0]}`);
    await waitForMap(page);
    await idle();
    const all = await server.api("/api/resources?limit=100");
    const shared = all.features.filter((f) => f.geometry && f.geometry.coordinates.join() === VILNIUS.join()).map((f) => f.id);
    assert.deepEqual(shared.sort(), STACK, "the fixture's five services on one point");
    const drawn = await drawnAt(VILNIUS);
    assert.equal(drawn.count, 5);
    assert.equal(drawn.category, "mixed", "services of several categories: no single category is claimed");
    assert.equal(drawn.approx, true);
    const badge = await page.waitForSelector(".stack-count[data-stack]");
    assert.equal(await badge.textContent(), "5");
    assert.equal(await badge.getAttribute("aria-label"), "5 services at this point: show the list");

    // A click on the count lists them (and sets no point for the nearest search).
    await badge.click();
    await page.waitForSelector(".stack-list button[data-id]");
    assert.equal(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get("pt"), null);
    await page.keyboard.press("Escape");
    await page.waitForSelector(".stack-list", { state: "detached" });

    // A click on the symbol lists them all; each opens.
    const box = await page.$eval("#map", (m) => m.getBoundingClientRect().toJSON());
    const at = await page.evaluate((ll) => window.witgis.map.project(ll), VILNIUS);
    await page.mouse.click(box.x + at.x, box.y + at.y);
    await page.waitForSelector(".stack-list button[data-id]");
    assert.equal(await page.textContent(".stack-list h2"), "5 services at this point");
    assert.equal(await page.textContent(".stack-list .approx"), "approximate location: centre of Vilnius");
    const listed = await page.$$eval(".stack-list button[data-id]", (bs) => bs.map((b) => b.dataset.id));
    assert.deepEqual([...listed].sort(), STACK);
    await page.screenshot({ path: join(SCREENSHOTS, "shared-point.png") });
    for (const id of STACK) {
      await page.click(`.stack-list button[data-id="${id}"]`);
      await waitFor(async () => (await page.textContent("#details-name")) === all.features.find((f) => f.id === id).properties.name, {
        what: `the details of ${id}`,
      });
    }
    assert.deepEqual(await scan(page), [], "no serious or critical accessibility violations with the list open");

    // With the keyboard: Escape closes the list, then the details, back on the map;
    // Tab reaches the count, Enter lists, Tab and Enter open one.
    await page.keyboard.press("Escape"); // the list
    await page.waitForSelector(".stack-list", { state: "detached" });
    assert.equal(await page.isVisible("#details"), true, "the details stay open");
    await page.keyboard.press("Escape"); // the details
    await page.waitForSelector("#details[hidden]", { state: "attached" });
    assert.equal(await page.evaluate(() => document.activeElement?.className), "maplibregl-canvas", "focus back on the map");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.stack ?? ""), VILNIUS.join(","), "Tab reaches the count");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".stack-list button[data-id]");
    const first = await page.evaluate(() => document.activeElement?.dataset.id);
    assert.ok(STACK.includes(first), "the first listed service has the focus");
    await page.keyboard.press("Tab");
    const second = await page.evaluate(() => document.activeElement?.dataset.id);
    assert.ok(STACK.includes(second) && second !== first, "Tab moves down the list");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.evaluate(() => document.activeElement?.id)) === "details", { what: "the details focused" });
    assert.equal(await page.textContent("#details-name"), all.features.find((f) => f.id === second).properties.name);
    await page.keyboard.press("Escape"); // the list: focus back on the count
    await page.waitForSelector(".stack-list", { state: "detached" });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.stack ?? ""), VILNIUS.join(","), "focus back on the count");
    await page.keyboard.press("Escape"); // the details
  });

  test("hours read as words in the five languages, never as OpenStreetMap syntax", async () => {
    for (const lang of Object.keys(WEEKDAYS)) {
      await openDetails("t-exact", lang);
      const hours = await page.$eval("#details dl", (dl) =>
        [...dl.querySelectorAll("dt")].find((dt) => dt.nextElementSibling.textContent.includes("08:00"))?.nextElementSibling.textContent,
      );
      assert.equal(hours, WEEKDAYS[lang], lang);
      await openDetails("t-district", lang);
      const text = await page.textContent("#details dl");
      assert.match(text, new RegExp(`${escape(WEEKDAYS[lang])}; ${escape(PH_OFF[lang])}( \\(.+\\))?`), lang);
      assert.doesNotMatch(text, RAW, lang);
      await openDetails("t-vln-exact", lang);
      assert.doesNotMatch(await page.textContent("#details dl"), RAW, lang);
    }
    // Vilnius's hours read from Rome: in Vilnius time, and the page says so.
    await openDetails("t-vln-1", "en");
    assert.equal((await detailRows())["Opening hours"], "Mon–Thu 09:00–17:00; Fri 09:00–15:00 (Eastern European Time)");
    await openDetails("t-vln-1", "it");
    assert.equal((await detailRows())["Orari di apertura"], "lun–gio 09:00–17:00; ven 09:00–15:00 (Ora dell’Europa orientale)");
  });

  test("the desk: approximate alternatives say so, without Directions; the caller text has facts only, in five languages", async () => {
    await page.goto("about:blank");
    await page.goto(`${server.base}/#lang=en&mode=desk&need=housing&pt=12.52000,41.88000`);
    await waitForMap(page);
    await page.waitForSelector("#desk-answer[data-at] #desk-nearest li");
    const at = await page.getAttribute("#desk-answer", "data-at");
    const api = await server.api(`/api/referral?${new URLSearchParams({ lon: "12.52", lat: "41.88", k: "5", need: "housing", at })}`);
    assert.deepEqual(
      api.nearest.features.map((f) => f.id),
      await page.$$eval("#desk-nearest li", (lis) => lis.map((li) => li.dataset.id)),
    );
    const item = (id) =>
      page.$eval(`#desk-nearest li[data-id="${id}"]`, (li) => ({
        meta: li.querySelector(".meta").textContent,
        lines: li.querySelector(".lines").textContent,
        directions: Boolean(li.querySelector("a[href*='openstreetmap.org/directions']")),
        approx: li.querySelector(".approx")?.textContent ?? null,
        noDirections: li.querySelector(".no-directions")?.textContent ?? null,
      }));
    assert.equal(await page.isVisible("#legend-marks li[data-mark=approx]"), true, "the desk shows the legend of the markers too");
    const district = await item("t-district");
    assert.equal(district.approx, "approximate location: centre of a quarter of Roma");
    assert.equal(district.directions, false);
    assert.equal(district.noDirections, "The exact address is not known: call before going.");
    assert.match(district.meta, /≈ \d+ km/);
    assert.match(district.lines, /address not known/);
    const nophone = await item("t-city-nophone");
    assert.equal(nophone.directions, false);
    assert.match(nophone.lines, /phone not known/);
    assert.doesNotMatch(nophone.lines, /call/i, "no 'call' without a phone");
    const exact = await item("t-exact");
    assert.equal(exact.directions, true);
    assert.equal(exact.approx, null);
    assert.ok(exact.lines.includes(WEEKDAYS.en), exact.lines);
    assert.doesNotMatch(await page.textContent("#desk-answer"), RAW);

    for (const lang of Object.keys(WEEKDAYS)) {
      await page.selectOption("#desk-lang", lang);
      // The clipboard still holds the previous language's text, which the
      // text box held too until the page re-rendered it: empty it first, and
      // wait for this language's words.
      await page.evaluate(() => navigator.clipboard.writeText(""));
      await page.click("#desk-copy-all");
      await waitFor(
        async () => {
          const shown = await page.inputValue("#desk-text");
          return shown.includes(UNKNOWN[lang].address) && (await page.evaluate(() => navigator.clipboard.readText())) === shown;
        },
        { what: `the text in ${lang}, copied` },
      );
      const text = await page.inputValue("#desk-text");
      const block = (name) => {
        const start = text.indexOf(name);
        assert.ok(start >= 0, `${name} in the ${lang} text`);
        const end = text.indexOf("\n\n", start);
        return text.slice(start, end < 0 ? undefined : end);
      };
      assert.doesNotMatch(text, RAW, lang);
      assert.doesNotMatch(text, /telefon(ic|isch|u)|by phone|по телефона|teiraukitės/i, `${lang}: no 'ask by phone'`);
      const u = UNKNOWN[lang];
      const nophoneText = block("Gruppo di prova (solo città, nessun telefono)");
      assert.ok(nophoneText.includes(u.phone) && nophoneText.includes(u.address) && nophoneText.includes(u.hours), `${lang}:\n${nophoneText}`);
      assert.doesNotMatch(nophoneText, /openstreetmap\.org\/directions/, lang);
      const districtText = block("CSM di prova (solo quartiere)");
      assert.ok(districtText.includes("+39 06 0000011") && districtText.includes(u.address), `${lang}:\n${districtText}`);
      assert.match(districtText, /≈ \d+/, lang);
      assert.match(districtText, new RegExp(`${escape(WEEKDAYS[lang])}; ${escape(PH_OFF[lang])}`), lang);
      assert.doesNotMatch(districtText, /openstreetmap\.org\/directions/, lang);
      const exactText = block("Centro diurno di prova (indirizzo esatto)");
      assert.ok(exactText.includes(WEEKDAYS[lang]), `${lang}:\n${exactText}`);
      assert.ok(exactText.includes("Via di Prova 10, 00100 Roma") && exactText.includes("+39 06 0000010"), lang);
      assert.match(exactText, /openstreetmap\.org\/directions\?to=41\.890000%2C12\.490000/, lang);
      assert.doesNotMatch(exactText, /≈/, lang);
    }
    const en = await (async () => {
      await page.selectOption("#desk-lang", "en");
      await page.click("#desk-copy-all");
      await waitFor(async () => (await page.inputValue("#desk-text")).startsWith("Where to find help"), { what: "the English text" });
      return page.inputValue("#desk-text");
    })();
    assert.match(en.replace(/\n +/g, "\n"), /CSM di prova \(solo quartiere\) \(≈ \d+ km away\)\nMental health centre\nAddress: not known\nApproximate location: centre of a quarter of Roma\nPhone: \+39 06 0000011\nOpening hours: Mon–Fri 08:00–20:00; Sat 08:00–14:00; closed on public holidays( \(.+\))?\nNever verified\nThe exact address is not known: call before going\./);
    assert.deepEqual(await scan(page), []);
    await page.screenshot({ path: join(SCREENSHOTS, "operator-approximate.png") });
    assert.deepEqual(browser.consoleErrors, []);
  });
});
