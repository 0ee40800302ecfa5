// @ts-check
// The help-desk view's answer: asking /api/referral for the caller's point
// or place, and showing the competent centres, the alternatives and the
// notes, with a copy button per service and the referral text.

import { TOPICS, loadLanguage } from "../i18n.js";
import { fmtChange, fmtDistance, intlLocale } from "../format.js";
import { symbolDataUrl } from "../symbols.js";
import { el } from "../dom.js";
import { abort, isAbort } from "../api.js";
import { approxText, browserZone, canDirect, hoursText, isApprox } from "../facts.js";
import { address, directionsUrl, noDirections, serviceText, transitText } from "../desk-text.js";
import { $, button, desk, dk, input, say, textLang } from "./desk-context.js";
import { highlightArea } from "./desk-areas.js";
import { renderLog } from "./desk-log.js";

/** @typedef {import("./desk-context.js").Feature} Feature */
/** @typedef {import("./desk-context.js").Referral} Referral */

const K = 5;

/** @param {Feature} f */
function openLabel(f) {
  const o = f.properties.open_now;
  return dk.tr(o === true ? "desk.open" : o === false ? "desk.closed" : "desk.hoursUnknown");
}

/**
 * One service of the answer, with its facts and a copy button.
 * @param {Feature} f
 * @param {number} i its rank in its group
 * @param {string} group "competent", "nearest" or "after"
 */
function serviceItem(f, i, group) {
  const p = f.properties;
  const tr = dk.tr;
  const lang = dk.state.lang;
  const id = `desk-${group}-${i}`;
  const meta = [tr(`category.${p.category}`)];
  // Reached by phone only: no distance, no location, no directions, no "before going".
  const phone = !f.geometry || p.reach === "phone";
  const approx = !phone && (isApprox(p) || desk.answer?.point?.approximate === true);
  if (p.distance_m != null && !phone) meta.push(fmtDistance(lang, p.distance_m, approx));
  // A place spanning several municipi: which one each competent centre is for.
  const areas = desk.answer?.areas ?? [];
  if (group === "competent" && areas.length > 1) {
    const served = areas.filter((x) => (p.serves_areas ?? []).includes(x.id)).map((x) => x.name);
    if (served.length) meta.push(tr("desk.servesFor", { area: served.join(", ") }));
  }
  const badges = el("span", { className: "badges" });
  if (p.reach === "phone") badges.append(el("span", { className: "badge phone", textContent: tr("desk.phoneOnly") }));
  badges.append(el("span", { className: `badge open-${p.open_now}`, textContent: openLabel(f) }));
  if (p.next_change) {
    const key = p.open_now === true ? "desk.closes" : "desk.opens";
    const next = el("span", { className: "next", textContent: tr(key, { t: fmtChange(lang, p.next_change) }) });
    next.dataset.nextChange = p.next_change;
    badges.append(next);
  }
  const lines = [];
  // By public transport: minutes and lines (by=transit).
  const transit = phone ? "" : transitText(lang, p);
  if (transit) lines.push(el("span", { className: "transit", textContent: transit }));
  if (f.geometry) lines.push(el("span", { className: "address", textContent: address(lang, p) || tr("desk.addressUnknown") }));
  if (approx) lines.push(el("span", { className: "approx", textContent: approxText(lang, p) }));
  if (p.phone) lines.push(el("a", { href: `tel:${p.phone.replace(/[^\d+]/g, "")}`, textContent: p.phone }));
  else lines.push(el("span", { className: "phone-unknown", textContent: tr("desk.phoneUnknown") }));
  const hours = hoursText(lang, p.hours_week, browserZone());
  if (hours) lines.push(el("span", { className: "hours", textContent: hours }));
  if (!phone && canDirect(f)) {
    const a = el("a", { href: directionsUrl(f), target: "_blank", rel: "noopener noreferrer", textContent: tr("details.directions") });
    a.append(el("span", { className: "sr-only", textContent: ` ${tr("details.newWindow")}` }));
    lines.push(a);
  } else if (approx) {
    lines.push(el("span", { className: "no-directions", textContent: tr(noDirections(p)) }));
  }
  const copy = el("button", { type: "button", className: "btn small copy", textContent: tr("desk.copyOne") });
  copy.setAttribute("aria-label", tr("desk.copyOneNamed", { name: p.name }));
  copy.addEventListener("click", () =>
    copyText(() => serviceText(textLang(), f, true, desk.answer?.point?.approximate === true), copy),
  );
  const li = el(
    "li",
    { className: `service ${p.reach}` },
    el("span", { className: "rank", textContent: group === "competent" ? "C" : `${i + 1}` }),
    el(
      "div",
      { className: "body" },
      el("h4", { id, className: "name" }, el("img", { src: symbolDataUrl(p.category, 18), alt: "", width: 18, height: 18 }), el("span", { textContent: p.name })),
      el("p", { className: "meta", textContent: meta.join(" · ") }, " ", badges),
      el("p", { className: "lines" }, ...lines.flatMap((l, j) => (j ? [el("br"), l] : [l]))),
      copy,
    ),
  );
  li.dataset.id = f.id ?? p.id;
  return li;
}

/**
 * A heading and the list of a group (or a line saying it is empty).
 * @param {string} key the heading's text
 * @param {string} listId
 * @param {Feature[] | undefined} features
 * @param {string} group
 * @param {string} noneKey the text when the group is empty
 */
function section(key, listId, features, group, noneKey) {
  const h = el("h3", { textContent: dk.tr(key) });
  if (!features?.length) return [h, el("p", { className: "none", textContent: dk.tr(noneKey) })];
  return [h, el("ol", { id: listId, className: "services" }, ...features.map((f, i) => serviceItem(f, i, group)))];
}

/**
 * A note of the answer in the page's language, from its code and
 * parameters (`note_codes`); an area named by id is named as the answer
 * names it, and a list of areas is joined in the page's language.
 * @param {import("./desk-context.js").NoteCode} c
 * @param {Referral} a
 */
function codeText(c, a) {
  const tr = dk.tr;
  const names = (c.areas ?? []).map((id) => a.areas.find((x) => x.id === id)?.name ?? id);
  const list = new Intl.ListFormat(intlLocale(dk.state.lang), { type: "conjunction" }).format(names);
  const name = c.place ?? "";
  switch (c.code) {
    case "no_area":
      return tr("desk.noArea");
    case "outside":
      return tr("desk.outside");
    case "split":
      return tr("desk.note.split", { name, list });
    case "part":
      return tr("desk.note.part", { name, list });
    case "point":
      return tr("desk.note.point", { name, list });
    case "approximate":
      return tr("desk.note.approx", { name });
    case "no_point":
      return tr("desk.note.noPoint", { name });
    case "none_within":
      return tr("desk.note.noneWithin", { km: c.km });
    default:
      return null;
  }
}

/**
 * A note of the answer in the page's language, read from the server's
 * English (an answer without `note_codes`); the English when not known.
 * @param {string} note
 */
function noteText(note) {
  const tr = dk.tr;
  if (/^no loaded area/.test(note)) return tr("desk.noArea");
  if (/outside the countries/.test(note)) return tr("desk.outside");
  let m;
  if ((m = /^(.+) spans (.+): the caller's street decides/.exec(note))) return tr("desk.note.split", { name: m[1], list: m[2] });
  if ((m = /^only part of (.+) is known to lie in (.+): the caller's/.exec(note))) return tr("desk.note.part", { name: m[1], list: m[2] });
  if ((m = /^(.+) is taken to lie in (.+), where its map point is/.exec(note))) return tr("desk.note.point", { name: m[1], list: m[2] });
  if ((m = /^the alternatives are measured from an approximate point for (.+), not/.exec(note))) return tr("desk.note.approx", { name: m[1] });
  if ((m = /^no point is known for (.+): ask/.exec(note))) return tr("desk.note.noPoint", { name: m[1] });
  if ((m = /^no service .* lies within ([\d.]+) km/.exec(note))) return tr("desk.note.noneWithin", { km: m[1] });
  return note;
}

/** The fresh-install notice: shown while no area outline is loaded. */
export function renderNotice() {
  let box = $("desk-notice");
  if (!box) {
    box = el("p", { id: "desk-notice", className: "notice" });
    box.setAttribute("role", "note");
    $("desk-answer").before(box);
  }
  box.hidden = dk.boundaries !== false;
  box.textContent = dk.tr("desk.noBoundaries");
}

/** Redraws the desk view in the page's language. */
export function renderDesk() {
  if (!dk.mounted) return;
  const tr = dk.tr;
  const need = /** @type {HTMLSelectElement} */ ($("desk-need"));
  need.replaceChildren(
    new Option(tr("desk.anyNeed"), ""),
    ...TOPICS.map((c) => [c, tr(`topic.${c}`)])
      .sort((a, b) => a[1].localeCompare(b[1], dk.state.lang))
      .map(([v, l]) => new Option(l, v)),
  );
  need.value = desk.need;
  input("desk-open").checked = desk.openOnly;
  /** @type {HTMLSelectElement} */ ($("desk-lang")).value = textLang();
  input("desk-areas").checked = desk.areasShown;
  renderNotice();
  const a = desk.answer;
  const box = $("desk-answer");
  button("desk-copy-all").disabled = !a;
  button("desk-print").disabled = !a;
  renderLog();
  if (!a) {
    // Why there is no answer: a new question cleared the last one (and what
    // it found), or nothing was asked yet.
    box.replaceChildren(dk.why ? el("p", { className: "why", textContent: dk.why }) : el("p", { className: "hint", textContent: tr("desk.start") }));
    for (const k of ["at", "point", "place"]) box.removeAttribute(`data-${k}`);
    return;
  }
  box.dataset.at = a.at;
  if (a.point) box.dataset.point = `${a.point.lon},${a.point.lat}`;
  else box.removeAttribute("data-point");
  if (a.place) box.dataset.place = a.place.id;
  else box.removeAttribute("data-place");
  const place = placeLabel(a) || tr("desk.point", { lat: a.point.lat.toFixed(5), lon: a.point.lon.toFixed(5) });
  const parts = [el("p", { className: "for", textContent: tr("desk.for", { place }) })];
  // The fresh-install note is the notice above; the others are listed here.
  const notes = a.notes
    .map((n, i) => ({ n, c: a.note_codes?.[i] }))
    .filter(({ n, c }) => (c ? c.code !== "no_boundaries" : !/^no boundaries are loaded/.test(n)))
    .map(({ n, c }) => (c && codeText(c, a)) || noteText(n));
  if (notes.length) parts.push(el("ul", { className: "notes" }, ...notes.map((n) => el("li", { textContent: n }))));
  parts.push(...section("desk.competent", "desk-competent", a.competent.features, "competent", "desk.competentNone"));
  parts.push(...section("desk.alternatives", "desk-nearest", a.nearest.features, "nearest", "desk.alternativesNone"));
  if (a.after_hours?.features.length) parts.push(...section("desk.afterHours", "desk-after", a.after_hours.features, "after", "desk.alternativesNone"));
  // Services not offered today (closed, moved, suspended), and alerts on offered ones: never with directions.
  if (a.warnings?.length) {
    parts.push(el("h3", { textContent: tr("desk.warnings") }));
    const items = a.warnings.map((w) => el("li", { dataset: { id: w.id, reason: w.reason }, textContent: `${w.name} — ${w.offered ? tr(`alert.${w.reason}`) : tr(`status.${w.reason}`)}: ${w.text}` }));
    parts.push(el("ul", { id: "desk-warnings", className: "notes warnings" }, ...items));
  }
  box.replaceChildren(...parts);
  if (dk.lastText) input("desk-text").value = dk.lastText();
}

/**
 * Shows a referral text, copies it (or selects it when copying is refused),
 * and keeps how to re-make it in another language.
 * @param {() => string} make
 * @param {HTMLElement | null} [from] the button it was asked from (focus goes back)
 */
export async function copyText(make, from) {
  dk.lastText = make;
  await loadLanguage(textLang()); // chosen a moment ago: wait for its strings
  const text = make();
  const area = input("desk-text");
  area.value = text;
  $("print-sheet").textContent = text;
  try {
    await navigator.clipboard.writeText(text);
    say(dk.tr("desk.copied"));
    from?.focus();
  } catch {
    area.focus();
    area.select();
    say(dk.tr("desk.copyFailed"));
  }
}

/**
 * "Tuscolano · Municipio Roma V · Municipio Roma VII", or the areas holding the point.
 * @param {Referral} a
 */
function placeLabel(a) {
  const names = (a.place ? [a.place.name] : []).concat(a.areas.map((x) => x.name));
  // A municipio picked by name is also the area it names: said once.
  return [...new Set(names)].join(" · ");
}

/**
 * Clears the answer on screen, with its copy and print text, the place and
 * the point it was for, and any answer still on its way: a new question has
 * begun. `why` says so in the answer's place (and to screen readers).
 * @param {string} why
 */
export function clearAnswer(why) {
  dk.question++;
  abort("referral");
  const had = desk.answer !== null || desk.place !== null || dk.state.point != null;
  desk.answer = null;
  desk.place = null;
  dk.lastText = null;
  input("desk-text").value = "";
  $("print-sheet").textContent = "";
  if (dk.state.point) dk.clearPoint();
  else dk.writeHash();
  explain(why, had);
  if (had) {
    dk.redrawHighlights();
    highlightArea();
  }
}

/**
 * Says why no answer is shown (in the answer's place and, when `announce`,
 * on the status line).
 * @param {string} why
 * @param {boolean} [announce]
 */
export function explain(why, announce = true) {
  if (desk.answer) return;
  dk.why = why;
  if (announce) say(why);
  renderDesk();
}

/**
 * @param {number[] | null | undefined} p
 * @param {number[] | null | undefined} q
 */
const samePoint = (p, q) => (p == null && q == null) || (p != null && q != null && p[0] === q[0] && p[1] === q[1]);

/** Asks for the referral of the caller's point or place (in the desk view only), and shows it. */
export async function refer() {
  if (!dk.mounted || dk.state.mode !== "desk") return;
  const pt = dk.state.point;
  // A map click (or any new point) replaces a place picked by name.
  if (desk.place && !samePoint(desk.place.at, pt)) {
    desk.place = null;
    dk.writeHash();
  }
  if (!pt && !desk.place) {
    desk.answer = null;
    renderDesk();
    dk.redrawHighlights();
    highlightArea();
    return;
  }
  const p = desk.place ? new URLSearchParams({ place: desk.place.id, k: String(K) }) : new URLSearchParams({ lon: pt[0].toFixed(5), lat: pt[1].toFixed(5), k: String(K) });
  if (desk.need) p.set("need", desk.need);
  if (desk.openOnly) p.set("open_now", "true");
  if (desk.byTransit) {
    p.set("by", "transit");
    if (desk.depart) p.set("depart", desk.depart.slice(0, 16));
  }
  const question = ++dk.question;
  say(dk.tr("status.loading"));
  /** @type {Referral} */
  let a;
  try {
    a = /** @type {Referral} */ (await dk.getJson("referral", `/api/referral?${p}`));
  } catch (e) {
    if (isAbort(e) || question !== dk.question) return;
    say(dk.tr("status.error", { detail: /** @type {Error} */ (e).message }));
    return;
  }
  // A newer question was asked meanwhile: this answer is not for it.
  if (question !== dk.question) return;
  desk.answer = a;
  dk.why = "";
  dk.boundaries = a.boundaries_loaded;
  // A text made for the previous answer no longer holds.
  dk.lastText = null;
  input("desk-text").value = "";
  // Announced to screen readers; on screen the answer's own heading says the same.
  say(dk.tr("desk.for", { place: placeLabel(a) || "—" }), true);
  renderDesk();
  dk.redrawHighlights();
  highlightArea();
}
