// @ts-check
// The coverage view's panels beside the table: the legend of the map, the
// localities far from any matching service, the downloads, and the chart of
// resources per category and country (with its table).

import { CATEGORIES } from "../i18n.js";
import { el } from "../dom.js";
import { $, GAP_LIMIT, cov, cv, gapsUrl, num, reportUrl } from "./coverage-context.js";
import { classOf, formatValue, legendData, measureName } from "./coverage-scale.js";

/** @typedef {import("../types.js").AnyFeature} AnyFeature */
/** @typedef {import("../types.js").FeatureCollection} FeatureCollection */

const SVG = "http://www.w3.org/2000/svg";
/** Far localities named in the side list. */
const GAP_LISTED = 10;
/** Colours of the countries in the chart (Okabe–Ito); each bar is also labelled. @type {Record<string, string>} */
const COUNTRY_COLOURS = { IT: "#0072B2", BG: "#009E73", DE: "#B35900", LT: "#AA4499" };

/** The map's legend: the classes with their counts, no data, not fully covered, far localities. */
export function renderLegend() {
  const tr = cv.tr;
  const { m, breaks, colours, values } = legendData();
  $("cov-legend-title").textContent = measureName(m);
  const filters = [cov.category ? tr(`category.${cov.category}`) : tr("cov.allCategories")];
  if (cv.state.topic) filters.push(tr(`topic.${cv.state.topic}`));
  if (cv.state.country) filters.push(tr(`country.${cv.state.country}`));
  const items = colours.map((colour, i) => {
    const last = i === colours.length - 1;
    const count = values.filter((v) => classOf(breaks, v) === i).length;
    const range = `${formatValue(m.kind, breaks[i])} – ${formatValue(m.kind, breaks[i + 1])}`;
    const li = el("li", {}, el("span", { className: "swatch", ariaHidden: "true" }), el("span", { textContent: range }), el("span", { className: "n", textContent: `(${num(count)})` }));
    /** @type {HTMLElement} */ (li.querySelector(".swatch")).style.background = colour;
    Object.assign(li.dataset, { from: String(breaks[i]), to: String(breaks[i + 1]), color: colour, closed: String(last) });
    return li;
  });
  const missing = values.filter((v) => classOf(breaks, v) < 0).length;
  const nodata = el("li", { className: "nodata" }, el("span", { className: "swatch hatch", ariaHidden: "true" }), el("span", { textContent: tr("cov.noData") }), el("span", { className: "n", textContent: `(${num(missing)})` }));
  nodata.dataset.nodata = "true";
  const incomplete = values.length - (cv.report?.features ?? []).filter((/** @type {AnyFeature} */ f) => f.properties.complete === true).length;
  const partial = el("li", { className: "incomplete" }, el("span", { className: "swatch hatch-incomplete", ariaHidden: "true" }), el("span", { textContent: tr("cov.legend.incomplete") }), el("span", { className: "n", textContent: `(${num(incomplete)})` }));
  partial.dataset.incomplete = String(incomplete);
  const gap = el("li", { className: "gap" }, el("span", { className: "swatch dot", ariaHidden: "true" }), el("span", { textContent: tr("cov.legend.gap", { km: num(cov.gapKm) }) }));
  $("cov-legend-classes").replaceChildren(...items, nodata, partial, gap);
  $("cov-legend-hint").textContent = `${filters.join(" · ")}. ${tr(m.good ? "cov.legend.better" : "cov.legend.farther")}`;
}

/** The far localities: how many, how many people, the first ones named. */
export function renderGaps() {
  const tr = cv.tr;
  const gaps = cv.gaps;
  const km = num(cov.gapKm);
  $("cov-gaps-title").textContent = tr("cov.gaps.title", { km });
  const list = $("cov-gaps");
  if (!gaps) {
    $("cov-gaps-summary").textContent = "";
    list.replaceChildren();
    return;
  }
  const features = gaps.features;
  const n = features.length;
  const people = features.reduce((s, f) => s + (f.properties.population ?? 0), 0);
  let summary = n ? tr("cov.gaps.count", { n: num(n), count: n, people: num(people) }) : tr("cov.gaps.none", { km });
  if (n >= GAP_LIMIT) summary += ` ${tr("cov.gaps.more", { n: num(GAP_LIMIT) })}`;
  if (features.some((f) => f.properties.complete !== true)) summary += ` ${tr("cov.gaps.incomplete")}`;
  $("cov-gaps-summary").textContent = summary;
  list.replaceChildren(
    ...features.slice(0, GAP_LISTED).map((f) => {
      const p = f.properties;
      const vars = { name: p.name, country: p.country ? tr(`country.${p.country}`) : "—", people: num(p.population ?? 0) };
      const text = p.nearest_km == null ? tr("cov.gaps.itemNone", vars) : tr("cov.gaps.item", { ...vars, km: formatValue("km", p.nearest_km) });
      const li = el("li", { textContent: text });
      li.dataset.id = String(f.id);
      return li;
    }),
  );
}

/** The download links: the API's own answers (the server names the report files after what they hold). */
export function renderDownloads() {
  const link = (/** @type {string} */ id) => /** @type {HTMLAnchorElement} */ ($(id));
  link("cov-csv").href = reportUrl("csv");
  link("cov-geojson").href = reportUrl("geojson");
  const gapParts = ["witgis-far-places", `${cov.gapKm}km`, cov.category, cv.state.topic, cv.state.country].filter(Boolean).join("-");
  link("cov-gaps-geojson").href = gapsUrl();
  link("cov-gaps-geojson").download = `${gapParts}.geojson`;
}

/** Grouped horizontal bars: for each category, one labelled bar per country. */
export function renderChart() {
  const box = $("cov-chart");
  const table = $("cov-chart-table");
  if (!cv.chart) {
    box.replaceChildren();
    table.replaceChildren();
    return;
  }
  const tr = cv.tr;
  const rows = cv.chart.rows;
  const count = (/** @type {typeof rows[number]} */ row, /** @type {string} */ c) => row.by_category.find((x) => x.category === c)?.count ?? 0;
  const max = Math.max(1, ...rows.flatMap((r) => CATEGORIES.map((c) => count(r, c))));
  const width = Math.max(260, Math.min(box.clientWidth || 480, 640));
  const [labelH, barH, gapY, groupGap, codeW, valueW] = [18, 13, 3, 10, 30, 42];
  const svg = document.createElementNS(SVG, "svg");
  /**
   * @param {Element} parent
   * @param {string} tag
   * @param {Record<string, unknown>} attrs
   * @param {string} [text]
   */
  const add = (parent, tag, attrs, text) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    parent.append(e);
    return e;
  };
  let y = 0;
  for (const c of CATEGORIES) {
    const g = add(svg, "g", { class: `group${c === cov.category ? " chosen" : ""}`, "data-category": c });
    if (c === cov.category) add(g, "rect", { x: 0, y, width, height: labelH + rows.length * (barH + gapY) + 4, fill: "#fff3c4" });
    add(g, "text", { x: 2, y: y + 13, class: "label" }, tr(`category.${c}`));
    y += labelH;
    for (const r of rows) {
      const n = count(r, c);
      const w = ((width - codeW - valueW) * n) / max;
      add(g, "text", { x: 2, y: y + barH - 2, class: "code" }, r.id);
      const bar = add(g, "rect", { x: codeW, y, width: Math.max(n ? 1 : 0, w), height: barH, fill: COUNTRY_COLOURS[r.id] ?? "#555", "data-country": r.id, "data-count": n });
      add(bar, "title", {}, `${tr(`country.${r.id}`)}: ${num(n)}`);
      add(g, "text", { x: codeW + w + 4, y: y + barH - 2, class: "value" }, num(n));
      y += barH + gapY;
    }
    y += groupGap;
  }
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(y));
  svg.setAttribute("viewBox", `0 0 ${width} ${y}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", tr("cov.chart.alt"));
  box.replaceChildren(svg);

  const head = el("tr", {}, el("th", { scope: "col", textContent: tr("cov.category") }), ...rows.map((r) => el("th", { scope: "col", className: "num", textContent: tr(`country.${r.id}`) })));
  const body = CATEGORIES.map((c) => el("tr", {}, el("th", { scope: "row", textContent: tr(`category.${c}`) }), ...rows.map((r) => el("td", { className: "num", textContent: num(count(r, c)) }))));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}
