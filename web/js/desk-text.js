// @ts-check
// The help desk's referral text, in the caller's language: one service's
// facts (phone, address, hours, trust, directions when the point is exact),
// and the whole answer. Plain functions of a language and the API's answer.

import { t } from "./i18n.js";
import { fmtDistance } from "./format.js";
import { approxText, browserZone, canDirect, hoursText, isApprox } from "./facts.js";
import { trustText } from "./trust.js";

/** @typedef {import("./types.js").TransitLeg} TransitLeg */

/** The OpenStreetMap directions link to a feature (a link only: nothing is sent). */
export function directionsUrl(f) {
  const [lon, lat] = f.geometry.coordinates;
  return `https://www.openstreetmap.org/directions?to=${lat.toFixed(6)}%2C${lon.toFixed(6)}`;
}

/** The full address, when its street is known (a city alone is not an address). */
export function address(lang, p) {
  if (!p.address) return "";
  return [p.address, [p.postcode, p.city].filter(Boolean).join(" "), t(lang, `country.${p.country}`)].filter(Boolean).join(", ");
}

const capital = (lang, s) => s.charAt(0).toLocaleUpperCase(lang) + s.slice(1);

/** What to tell about getting there when the point is only approximate. */
export function noDirections(p) {
  return p.address ? "approx.address" : p.phone ? "approx.noAddressCall" : "approx.noAddress";
}

/**
 * How long it takes by public transport, in `lang`, from the answer's
 * `travel_s` and `transit` (by=transit): "≈ 35 min: bus 105, then metro C
 * (leaving 09:00)", "≈ 20 min on foot (leaving 09:00)", or not reachable
 * within the budget; "" without a transit answer.
 * @param {string} lang
 * @param {{ travel_s?: number | null, transit?: { reachable?: boolean, budget_s?: number, depart?: string, legs?: TransitLeg[] } | null }} p
 */
export function transitText(lang, p) {
  const tr = p.transit;
  if (!tr) return "";
  if (tr.reachable === false) return t(lang, "txt.transitNone", { min: Math.round(tr.budget_s / 60) });
  if (p.travel_s == null || !Array.isArray(tr.legs)) return "";
  const min = Math.max(1, Math.round(p.travel_s / 60));
  // The local time the journey leaves at, as the feed states it ("…T09:00:00+01:00").
  const time = String(tr.depart ?? "").slice(11, 16);
  const rides = tr.legs.filter((l) => l.mode !== "walk");
  if (!rides.length) return t(lang, "txt.transitWalk", { min, time });
  const lines = rides.map((l) => `${t(lang, `transit.${l.mode}`)} ${l.line}`).join(t(lang, "txt.then"));
  return t(lang, "txt.transit", { min, lines, time });
}

/**
 * The referral text of one service, in `lang`: facts only. Phone, address
 * and hours when known, "not known" otherwise; an approximate point says so
 * and gets no directions.
 */
export function serviceText(lang, f, withDistance = true, fromApprox = false) {
  const p = f.properties;
  // Reached by phone only: no distance, no location, no directions, no "before going".
  const phone = !f.geometry || p.reach === "phone";
  const approx = !phone && isApprox(p);
  const head = [p.name];
  // A distance is approximate when either end is: the service's point, or the
  // caller's place when only its quarter is known.
  const d = (m) => fmtDistance(lang, m, approx || fromApprox);
  if (withDistance && p.distance_m != null && !phone) head.push(`(${t(lang, "txt.distance", { d: d(p.distance_m) })})`);
  const lines = [head.join(" "), t(lang, `category.${p.category}`)];
  const transit = phone ? "" : transitText(lang, p);
  if (transit) lines.push(transit);
  if (phone) lines.push(t(lang, "txt.phoneOnly"));
  else if (p.address) lines.push(t(lang, "txt.address", { v: address(lang, p) }));
  else lines.push(t(lang, "txt.addressUnknown"));
  if (approx) lines.push(capital(lang, approxText(lang, p)));
  lines.push(p.phone ? t(lang, "txt.phone", { v: p.phone }) : t(lang, "txt.phoneUnknown"));
  const hours = hoursText(lang, p.hours_week, browserZone());
  lines.push(hours ? t(lang, "txt.hours", { v: hours }) : t(lang, "txt.hoursUnknown"));
  if (p.website && /^https?:\/\//i.test(p.website)) lines.push(t(lang, "txt.website", { v: p.website }));
  lines.push(trustText(lang, p));
  if (!phone && canDirect(f)) lines.push(t(lang, "txt.directions", { v: directionsUrl(f) }));
  else if (approx) lines.push(t(lang, noDirections(p)));
  return lines.join("\n");
}

/** The whole answer as one text, in `lang`. */
export function answerText(lang, a) {
  const out = [t(lang, "txt.heading")];
  if (a.need) out.push(t(lang, "txt.need", { need: t(lang, `topic.${a.need}`) }));
  const section = (key, features) => {
    if (!features?.length) return;
    out.push("", `${t(lang, key)}:`, "");
    const fromApprox = a.point?.approximate === true;
    features.forEach((f, i) => out.push(`${i + 1}. ${serviceText(lang, f, true, fromApprox).replace(/\n/g, "\n   ")}`, ""));
  };
  section("txt.competent", a.competent.features);
  section("txt.alternatives", a.nearest.features);
  section("txt.afterHours", a.after_hours?.features);
  return out.join("\n").replace(/\n+$/, "") + "\n";
}

