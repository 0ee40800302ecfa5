// @ts-check
// Small DOM helpers shared by the page's views.

/**
 * An element with properties (and `dataset` entries) and children; empty children are skipped.
 * @param {string} tag
 * @param {{ dataset?: Record<string, string> } & Record<string, unknown>} [props] properties of the element; `dataset` entries apart
 * @param {...(Node | string | null | undefined)} children
 * @returns {HTMLElement}
 */
export function el(tag, { dataset = {}, ...props } = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  Object.assign(e.dataset, dataset);
  e.append(.../** @type {Array<Node | string>} */ (children.filter((c) => c !== null && c !== undefined && c !== "")));
  return e;
}

/**
 * Replaces a select's options with `[value, label]` pairs and selects `value`.
 * @param {HTMLSelectElement | HTMLElement} select
 * @param {Array<[string, string] | string[]>} options
 * @param {string} value
 */
export function fillSelect(select, options, value) {
  const s = /** @type {HTMLSelectElement} */ (select);
  s.replaceChildren(...options.map(([v, label]) => new Option(label, v)));
  s.value = value;
}
