/**
 * Single-key shortcuts for a panel's buttons (n, c, s, ...): a key clicks its button when that is
 * enabled, except while the developer types in a field or holds a modifier.
 */
export function bindShortcuts(buttons: ReadonlyMap<string, HTMLButtonElement>, target: Document = document): void {
  target.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const focused = event.target;
    if (
      focused instanceof HTMLInputElement ||
      focused instanceof HTMLTextAreaElement ||
      focused instanceof HTMLSelectElement ||
      (focused instanceof HTMLElement && focused.isContentEditable)
    )
      return;
    const found = buttons.get(event.key.toLowerCase());
    if (!found) return;
    event.preventDefault();
    if (!found.disabled) found.click();
  });
}
