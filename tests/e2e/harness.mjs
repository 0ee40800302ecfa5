// Starts the real witgis binary and Debian's Chromium for the browser tests,
// and stops both afterwards.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = resolve(here, "../..");
/** Where screenshots go. */
export const SCREENSHOTS = join(ROOT, "target/screenshots");

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The serious and critical accessibility violations axe-core finds on the page, one line each. */
export async function scan(page) {
  // Evaluated, not added as an inline <script>: the page's CSP refuses those.
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`);
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function waitFor(fn, { ms = 60000, every = 100, what = "condition" } = {}) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

/**
 * Starts `witgis serve` on a free port with a new SQLite file; `areas` lists
 * GeoJSON files imported with `witgis import-areas` before the server starts,
 * and `resources` files imported with `witgis import` (then the store holds
 * those resources instead of the seed); `tokens` lists roles to create a
 * token for (`witgis token create`), kept in the server's `tokens` by role
 * (`"operator:desk-2"` makes a second token of a role, kept as `desk-2`);
 * `seedAreas: false` starts a store with no boundaries (`--seed-areas false`:
 * a new store otherwise gets Rome's municipi with the seed); `places` lists
 * .osm.pbf extracts imported with `witgis import-places` (the street map);
 * `gtfs` lists [folder or zip, feed id] imported with `witgis import-gtfs`.
 */
export async function startServer(extraArgs = [], { areas = [], resources = [], tokens = [], seedAreas = true, places = [], gtfs = [] } = {}) {
  const bin = process.env.WITGIS_BIN ?? join(ROOT, "target/debug/witgis");
  const dir = mkdtempSync(join(tmpdir(), "witgis-e2e-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Unoptimised test builds compute ten times slower than release: no
  // query budget to speak of (the bounds are tested in tests/bounds.rs).
  const env = { ...process.env, RUST_LOG: "warn", WITGIS_QUERY_BUDGET_MS: "600000" };
  delete env.WITGIS_BASEMAP_STYLE;
  const db = `sqlite://${join(dir, "e2e.db")}`;
  for (const file of areas) {
    execFileSync(bin, ["import-areas", file, "--database-url", db], { env, stdio: ["ignore", "ignore", "inherit"] });
  }
  for (const file of resources) {
    execFileSync(bin, ["import", file, "--database-url", db], { env, stdio: ["ignore", "ignore", "inherit"] });
  }
  for (const file of places) {
    execFileSync(bin, ["import-places", file, "--database-url", db], { env, stdio: ["ignore", "ignore", "inherit"] });
  }
  // GTFS feeds as [path, feed id], imported with `witgis import-gtfs`.
  for (const [file, feed] of gtfs) {
    execFileSync(bin, ["import-gtfs", file, "--feed", feed, "--database-url", db], { env, stdio: ["ignore", "ignore", "inherit"] });
  }
  const created = {};
  for (const entry of tokens) {
    const [role, name = role] = entry.split(":");
    const args = ["token", "create", "--role", role, "--name", `e2e-${name}`, "--database-url", db];
    created[name] = execFileSync(bin, args, { env, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  }
  let child;
  let exited = null;
  const kill = () => child.kill("SIGKILL");
  async function spawnServer(args) {
    exited = null;
    const seeding = seedAreas ? [] : ["--seed-areas", "false"];
    child = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, "--database-url", db, ...seeding, ...args], {
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("exit", (code) => (exited = code ?? -1));
    process.once("exit", kill);
    await waitFor(
      async () => {
        if (exited !== null) throw new Error(`witgis exited with ${exited}`);
        return (await fetch(`${base}/healthz`)).ok;
      },
      { ms: 60000, what: "witgis /healthz" },
    );
  }
  async function stopServer() {
    process.removeListener("exit", kill);
    if (exited === null) {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      if (exited === null) child.kill("SIGKILL");
    }
  }
  await spawnServer(extraArgs);
  return {
    base,
    port,
    tokens: created,
    async api(path) {
      const res = await fetch(base + path);
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      return res.json();
    },
    /** Stops the server and starts it again on the same store with `args`. */
    async restart(args = []) {
      await stopServer();
      await spawnServer(args);
    },
    async stop() {
      await stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Launches Debian's Chromium headless with a fresh profile; records every
 * request. `timezoneId` (e.g. "Europe/Rome") sets the browser's time zone.
 */
export async function startBrowser({ timezoneId } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "witgis-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
    viewport: { width: 1280, height: 800 },
    // The map jumps instead of easing (MapLibre honours the setting): no
    // test asserts an animation, and each eased frame is drawn in software.
    reducedMotion: "reduce",
    locale: "en-GB",
    ...(timezoneId ? { timezoneId } : {}),
  });
  // Generous bounds for every wait and action: a slow machine must not fail
  // a test (none asserts a speed).
  context.setDefaultTimeout(60000);
  const requests = [];
  const consoleErrors = [];
  context.on("request", (req) => requests.push(req.url()));
  const watch = (page) => {
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    page.on("pageerror", (err) => consoleErrors.push(`page error: ${err.message}`));
  };
  context.on("page", watch);
  for (const p of context.pages()) watch(p);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    requests,
    consoleErrors,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async stop() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the map has loaded and drawn its data. */
export async function waitForMap(page) {
  await page.waitForSelector("body[data-map-ready='true']");
  await page.waitForFunction(() => window.witgis?.map?.loaded());
}

/**
 * Resources drawn on the map now: single symbols, the services of each stack
 * (several on one point) and of each cluster.
 */
export async function countDrawn(page) {
  return page.evaluate(
    () =>
      new Promise((ok) => {
        const { map } = window.witgis;
        const count = () => {
          const points = new Map();
          const clusters = new Map();
          for (const f of map.queryRenderedFeatures({ layers: ["points", "clusters"] })) {
            if (f.properties.cluster) clusters.set(f.properties.cluster_id, f.properties.records);
            else points.set(f.properties.id, f.properties.count);
          }
          return [...points.values(), ...clusters.values()].reduce((a, b) => a + b, 0);
        };
        if (map.loaded()) ok(count());
        else map.once("idle", () => ok(count()));
      }),
  );
}

/**
 * A stand-in for an external Nominatim service on a free port of 127.0.0.1:
 * `GET /search` answers `results(query)` as `jsonv2`; every request's query
 * parameters and headers are kept in `seen`.
 */
export async function startFakeNominatim(results) {
  const seen = [];
  const srv = createHttpServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname !== "/search") {
      res.writeHead(404).end();
      return;
    }
    const params = Object.fromEntries(url.searchParams);
    seen.push({ params, headers: req.headers });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(results(params)));
  });
  await new Promise((ok) => srv.listen(0, "127.0.0.1", ok));
  return {
    base: `http://127.0.0.1:${srv.address().port}`,
    seen,
    stop: () => new Promise((ok) => srv.close(ok)),
  };
}
