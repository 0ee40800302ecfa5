// @ts-check
// The one accessible combobox of the page (names on the map, places in the
// help-desk view): a text box with a list box of suggestions. It holds the
// options and the active one; suggestions after a short pause, arrows to
// move (aria-activedescendant), Enter as the caller decides, a click or tap
// picks, Escape and blur close.

/**
 * @template T
 * @typedef {object} ComboboxOptions
 * @property {string} idPrefix the options' ids are `${idPrefix}-${i}`
 * @property {number} delay milliseconds of quiet typing before suggesting
 * @property {(text: string) => void} suggest fetch and show suggestions for the trimmed text
 * @property {(box: Combobox<T>) => boolean} enter handle Enter; true if handled (no form submit)
 * @property {(i: number) => void} pick the option `i` was chosen (a click, or by `enter`)
 * @property {() => void} [onClose] also done when the list closes
 */

/**
 * @template T
 * @typedef {object} Combobox
 * @property {T[]} items the options shown
 * @property {number} active the active option's index, -1 for none
 * @property {boolean} open whether the list is shown
 * @property {(items: T[], render: (item: T, li: HTMLLIElement) => void, notes?: HTMLElement[]) => void} show shows `items` (`render` fills each option), after `notes` (disabled options, e.g. "nothing found")
 * @property {(delta: number) => void} move moves the active option
 * @property {() => void} close hides the list
 */

/**
 * A disabled option that says something (no option to pick).
 * @param {string} text
 * @param {string} [className]
 */
export function noteOption(text, className = "") {
  const li = document.createElement("li");
  if (className) li.className = className;
  li.textContent = text;
  li.setAttribute("role", "option");
  li.setAttribute("aria-disabled", "true");
  return li;
}

/**
 * Makes `input` a combobox over the list box `list`.
 * @template T
 * @param {HTMLInputElement} input
 * @param {HTMLElement} list
 * @param {ComboboxOptions<T>} options
 * @returns {Combobox<T>}
 */
export function combobox(input, list, { idPrefix, delay, suggest, enter, pick, onClose = () => {} }) {
  /** @type {Combobox<T>} */
  const box = {
    items: [],
    active: -1,
    get open() {
      return !list.hidden;
    },
    show(items, render, notes = []) {
      box.items = items;
      box.active = -1;
      const options = items.map((item, i) => {
        const li = document.createElement("li");
        li.id = `${idPrefix}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        render(item, li);
        li.addEventListener("mousedown", (ev) => ev.preventDefault());
        li.addEventListener("click", () => pick(i));
        return li;
      });
      list.replaceChildren(...notes, ...options);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
    },
    move(delta) {
      if (!box.items.length) return;
      box.active = (box.active + delta + box.items.length) % box.items.length;
      const id = `${idPrefix}-${box.active}`;
      for (const li of list.querySelectorAll("li[id]")) li.setAttribute("aria-selected", String(li.id === id));
      input.setAttribute("aria-activedescendant", id);
      document.getElementById(id)?.scrollIntoView({ block: "nearest" });
    },
    close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      box.active = -1;
      onClose();
    },
  };
  let timer = 0;
  input.addEventListener("input", () => {
    // The option moved to belongs to the list of the text before.
    if (box.active >= 0) {
      box.active = -1;
      for (const li of list.querySelectorAll("li[aria-selected=true]")) li.setAttribute("aria-selected", "false");
      input.removeAttribute("aria-activedescendant");
    }
    clearTimeout(timer);
    timer = setTimeout(() => suggest(input.value.trim()), delay);
  });
  input.addEventListener("keydown", (e) => {
    const open = box.open;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) suggest(input.value.trim());
      else box.move(1);
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      box.move(-1);
    } else if (e.key === "Enter") {
      // A suggestion still waiting for the pause would reopen the list after
      // Enter has dealt with it.
      clearTimeout(timer);
      if (enter(box)) e.preventDefault();
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      e.stopPropagation();
      box.close();
    }
  });
  input.addEventListener("blur", () => setTimeout(() => box.close(), 150));
  return box;
}
