// @ts-check
// The coverage view's measures and their scale: what each measure is, how a
// figure reads in the page's language, the class breaks and the colours.

import { cov, cv, num } from "./coverage-context.js";

/** @typedef {import("../types.js").AnyFeature} AnyFeature */
/** @typedef {import("../types.js").FeatureCollection} FeatureCollection */

/**
 * @typedef {object} Measure a measure the map can show
 * @property {string} id
 * @property {string} prop the report's property
 * @property {string} kind "rate", "count", "share" or "km"
 * @property {boolean} good whether more is better
 * @property {number} [km] the distance of a share within
 */

/** The measures the map can show: the report's property, its kind, and whether more is better. @type {Measure[]} */
export const MEASURES = [
  { id: "per_100k", prop: "resources_per_100k", kind: "rate", good: true },
  { id: "resources", prop: "resources", kind: "count", good: true },
  { id: "within_5km", prop: "share_within_5km", kind: "share", good: true, km: 5 },
  { id: "within_10km", prop: "share_within_10km", kind: "share", good: true, km: 10 },
  { id: "within_25km", prop: "share_within_25km", kind: "share", good: true, km: 25 },
  { id: "mean_km", prop: "mean_km", kind: "km", good: false },
  { id: "p90_km", prop: "p90_km", kind: "km", good: false },
];

/** Distances offered for marking far localities, km. */
export const GAP_KM = [5, 10, 25, 50, 100];

/**
 * Sequential ColorBrewer ramps (colour-blind safe): blue where more is
 * better, orange-red for distances, darker meaning more.
 */
export const RAMPS = {
  good: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
  bad: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
};

/** The measure chosen. */
export const measure = () => MEASURES.find((m) => m.id === cov.measure) ?? MEASURES[0];

/**
 * A figure as people read it in the page's language; null when unknown.
 * @param {string} kind
 * @param {number | null | undefined} v
 * @returns {string | null}
 */
export function formatValue(kind, v) {
  if (v === null || v === undefined || Number.isNaN(v)) return null;
  switch (kind) {
    case "count":
      return num(v, { maximumFractionDigits: 0 });
    case "rate":
      return num(v, v !== 0 && Math.abs(v) < 1 ? { maximumSignificantDigits: 2 } : { maximumFractionDigits: 1 });
    case "share":
      return num(v, { style: "percent", maximumFractionDigits: 1 });
    case "km":
      return num(v, { style: "unit", unit: "kilometer", maximumFractionDigits: 1 });
    default:
      return String(v);
  }
}

/**
 * A measure's name in the page's language.
 * @param {Measure} m
 */
export function measureName(m) {
  return m.km ? cv.tr("cov.m.within", { km: num(m.km) }) : cv.tr(`cov.m.${m.id}`);
}

/** @param {number} x */
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x - 1e-12) return m * p;
  return 10 * p;
}

/**
 * Class breaks for the values of a measure: fixed fifths for shares, else up to five nice steps from 0.
 * @param {string} kind
 * @param {number[]} values
 */
export function breaksFor(kind, values) {
  if (kind === "share") return [0, 0.2, 0.4, 0.6, 0.8, 1];
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const step = niceStep(max > 0 ? max / 5 : 1);
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/**
 * The class of a value: breaks[i] ≤ v < breaks[i + 1], the last class closed. −1 for no data.
 * @param {number[]} breaks
 * @param {number | null | undefined} v
 */
export function classOf(breaks, v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return -1;
  let i = 0;
  while (i < breaks.length - 2 && v >= breaks[i + 1]) i++;
  return i;
}

/**
 * `n` colours of the measure's ramp.
 * @param {Measure} m
 * @param {number} n
 */
function rampFor(m, n) {
  const ramp = m.good ? RAMPS.good : RAMPS.bad;
  if (n === 1) return [ramp[2]];
  return Array.from({ length: n }, (_, i) => ramp[Math.round((i * (ramp.length - 1)) / (n - 1))]);
}

/** The chosen measure, its breaks and colours, and the report's values of it. */
export function legendData() {
  const m = measure();
  const features = cv.report?.features ?? [];
  /** @type {number[]} */
  const values = features.map((/** @type {AnyFeature} */ f) => f.properties[m.prop]);
  const breaks = breaksFor(m.kind, values);
  const colours = rampFor(m, breaks.length - 1);
  return { m, breaks, colours, values };
}
