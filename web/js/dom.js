// Small DOM helpers shared by the page's views.

/** An element with properties (and `dataset` entries) and children; empty children are skipped. */
export function el(tag, { dataset = {}, ...props } = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  Object.assign(e.dataset, dataset);
  e.append(...children.filter((c) => c !== null && c !== undefined && c !== ""));
  return e;
}

/** Replaces a select's options with `[value, label]` pairs and selects `value`. */
export function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([v, label]) => new Option(label, v)));
  select.value = value;
}
