// @ts-check
// The editor's lists: a record's history (who changed what, when) and the
// data-quality work list of records to fix.

import { el } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { differences, shown } from "./editor-form.js";
import { $, call, ec, ed, fail, needToken } from "./editor-context.js";

/** Shows the open record's history. */
export async function history() {
  if (needToken()) return;
  const r = await call("GET", `/api/resources/${encodeURIComponent(ed.id)}/history`);
  if (!r.ok) return fail(r);
  const items = [...r.data.changes].reverse().map((c) => {
    const diff = differences(c.before, c.after).map(([k, a, b]) => el("li", { textContent: `${k}: ${shown(a)} → ${shown(b)}`, dataset: { field: k } }));
    const head = ec.tr("ed.change", { at: fmtDateTime(ec.state.lang, new Date(c.at)), actor: c.actor, action: c.action });
    return el("li", { dataset: { version: String(c.version), action: c.action } }, el("p", { textContent: head }), el("ul", {}, ...diff));
  });
  $("ed-history-list").replaceChildren(...items);
  $("ed-history-box").hidden = false;
}

// ------------------------------------------------------------- work list ----
const PROBLEMS = [
  ["missing_phone", "ed.q.missing_phone"],
  ["missing_hours", "ed.q.missing_hours"],
  ["missing_address", "ed.q.missing_address"],
  ["missing_source_url", "ed.q.missing_source_url"],
  ["never_verified", "ed.q.never_verified"],
  ["stale", "ed.q.stale"],
];

/**
 * Shows the work list; a record in it opens with `open`.
 * @param {(id: string) => void} open
 */
export async function workList(open) {
  const r = await call("GET", "/api/quality");
  if (!r.ok) return fail(r);
  const tr = ec.tr;
  $("ed-quality-count").textContent = tr("ed.workCount", { n: r.data.work_list.length });
  $("ed-worklist").replaceChildren(
    ...r.data.work_list.map((p) => {
      const words = PROBLEMS.filter(([k]) => p[k]).map(([, key]) => tr(key));
      if (p.shares_point_with.length) words.push(tr("ed.q.shares_point"));
      if (p.outside_served_areas.length) words.push(tr("ed.q.outside"));
      if (p.open_questions?.length) words.push(tr("ed.q.open_questions", { n: p.open_questions.length }));
      const b = el("button", { type: "button", className: "linkish", textContent: p.name, dataset: { id: p.id } });
      b.addEventListener("click", () => open(p.id));
      const questions = (p.open_questions ?? []).map((/** @type {string} */ q) => el("li", { textContent: q }));
      return el("li", { dataset: { id: p.id } }, b, el("span", { className: "sub", textContent: ` — ${words.join(", ")}` }), questions.length ? el("ul", { className: "questions" }, ...questions) : "");
    }),
  );
}
