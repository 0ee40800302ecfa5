// Typing and keyboard behaviour shared by the search boxes with suggestions
// (names on the map, places in the help-desk view): suggestions after a short
// pause, arrows to move, Enter as the caller decides, Escape and blur close.

/**
 * @param {HTMLInputElement} input the text box
 * @param {HTMLElement} list the suggestion list (open when not hidden)
 * @param {object} on
 * @param {number} on.delay milliseconds of quiet typing before suggesting
 * @param {(text: string) => void} on.suggest fetch and show suggestions
 * @param {(step: number) => void} on.move move the active suggestion
 * @param {(open: boolean) => boolean} on.enter handle Enter; true if handled
 * @param {() => void} on.close hide the suggestions
 */
export function bindCombobox(input, list, { delay, suggest, move, enter, close }) {
  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => suggest(input.value.trim()), delay);
  });
  input.addEventListener("keydown", (e) => {
    const open = !list.hidden;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) suggest(input.value.trim());
      else move(1);
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      move(-1);
    } else if (e.key === "Enter") {
      // A suggestion still waiting for the pause would reopen the list after
      // Enter has dealt with it.
      clearTimeout(timer);
      if (enter(open)) e.preventDefault();
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}
