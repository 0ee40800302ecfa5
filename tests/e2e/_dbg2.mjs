import { startBrowser } from "./harness.mjs";
const b = await startBrowser();
const page = await b.newPage();
const q = async (label) => { await page.waitForTimeout(1000); await page.evaluate(() => new Promise((ok) => window.witgis.map.once("idle", ok).triggerRepaint())); console.log(label, await page.evaluate(() => { const m = window.witgis.map; return [m.getZoom().toFixed(2), m.queryRenderedFeatures({layers:["cov-fill","cov-nodata"]}).length, m.queryRenderedFeatures({layers:["cov-line"]}).length, m.queryRenderedFeatures(m.project([12.48,41.89]), {layers:["cov-fill","cov-nodata"]}).length]; })); };
await page.goto("http://127.0.0.1:18778/#lang=en&mode=coverage&level=area&measure=within_10km&category=mental_health_centre");
await page.waitForSelector("body[data-map-ready='true']", { timeout: 30000 });
await q("direct");
for (const z of [8, 8.3, 8.53, 8.8, 9, 7.5]) { await page.evaluate((z) => window.witgis.map.jumpTo({zoom: z}), z); await q("z" + z); }
await b.stop();
