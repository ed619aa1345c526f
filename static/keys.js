// Keyboard shortcuts, as Lazydocker and Dozzle users expect them: "/" focuses the filter,
// g c / g i / g v / g n go to containers / images / volumes / networks, "?" lists them, and
// Ctrl-K opens the palette (templates/_keyboard.html: its texts, translated on the server).
// None fires while focus is in a text field or a terminal: there the keys are the user's
// (Ctrl-K is kill-line in a shell, "/" a search in less or vim).
// One closure for the page's keyboard (about 160 lines, as logs.js and terminal.js are one
// each): the palette and the shortcuts share its elements and its "a dialog is open" state.
(() => {
  "use strict";
  const data = document.getElementById("keyboard");
  if (!data) return; // logged out: no shortcuts, no palette
  const shortcuts = document.getElementById("shortcuts");
  const palette = document.getElementById("palette");
  const input = document.getElementById("palette-input");
  const results = document.getElementById("palette-results");
  const status = document.getElementById("palette-status");
  const TEXT = data.dataset; // textLoading, textNone, textError, textMore
  const GO_TIMEOUT = 1500; // ms between "g" and its letter, as in Gmail and GitHub
  const SEARCH_DELAY = 150; // ms after the last key: one search per pause, not per letter

  const typingIn = (target) => {
    if (!(target instanceof Element)) return false;
    if (target.closest(".xterm, #terminal")) return true;
    if (target.isContentEditable) return true;
    if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
    if (target.tagName !== "INPUT") return false;
    return !["checkbox", "radio", "button", "submit", "reset", "file", "range", "color"].includes(target.type);
  };
  const anyDialogOpen = () => document.querySelector("dialog[open]") !== null;

  // ------------------------------------------------------------------ the palette
  let searchTimer = null;
  let searching = null; // the AbortController of the search in flight

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const draw = (answer, query) => {
    results.replaceChildren();
    results.dataset.query = query; // which search is on screen (the tests wait for theirs)
    for (const item of answer.results) {
      const row = el("li", "palette-item");
      const [first, ...more] = item.actions;
      const main = el("a", "palette-main");
      main.href = first.url;
      main.append(el("span", "palette-name", item.name), el("span", "badge palette-kind", item.kind_label));
      if (item.detail) main.append(el("span", "muted palette-detail", item.detail));
      row.append(main);
      const actions = el("span", "palette-actions");
      for (const action of more) {
        const link = el("a", "button", action.label);
        link.href = action.url;
        actions.append(link);
      }
      row.append(actions);
      results.append(row);
    }
    if (!answer.results.length) status.textContent = TEXT.textNone;
    else status.textContent = answer.more ? TEXT.textMore : "";
  };
  const search = async () => {
    searching?.abort();
    searching = new AbortController();
    status.textContent = TEXT.textLoading;
    const query = input.value.trim();
    const url = `${data.dataset.paletteUrl}?q=${encodeURIComponent(query)}`;
    try {
      const response = await fetch(url, { signal: searching.signal, headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      draw(await response.json(), query);
    } catch (error) {
      if (error.name === "AbortError") return; // a newer search replaced it
      results.replaceChildren();
      status.textContent = TEXT.textError;
    }
  };
  let opener = null; // what had the focus before the palette: it gets it back on close
  const openPalette = () => {
    if (palette.open) return;
    opener = document.activeElement;
    input.value = "";
    results.replaceChildren();
    palette.showModal();
    input.focus();
    search();
  };
  palette.addEventListener("close", () => {
    clearTimeout(searchTimer); // a search due or in flight must not draw into a closed palette
    searching?.abort();
  });
  // Chromium leaves the focus on the closed palette's input until a later task when nothing
  // had it before; a key pressed in between lands there, where typingIn() ignores it (CI saw
  // a second Ctrl-K so lost). So the focus moves first: back to the opener, or to the page.
  const closeDialog = (dialog) => {
    if (dialog.contains(document.activeElement)) {
      if (opener?.isConnected && opener !== document.body && !dialog.contains(opener)) opener.focus();
      else document.activeElement.blur();
    }
    dialog.close();
  };
  input.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, SEARCH_DELAY);
  });
  // Up and down move the focus between the results' main links; Enter follows the one focused
  // (the link's own behaviour), or, from the search box, the first.
  const mains = () => Array.from(results.querySelectorAll(".palette-main"));
  palette.addEventListener("keydown", (event) => {
    const links = mains();
    const at = links.indexOf(document.activeElement);
    if (event.key === "Escape") {
      // A search field eats the first Escape (it empties the field): close at once instead.
      event.preventDefault();
      closeDialog(palette);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!links.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = at + step;
      if (next < 0) input.focus();
      else links[Math.min(next, links.length - 1)].focus();
    } else if (event.key === "Enter" && event.target === input && links.length) {
      event.preventDefault();
      links[0].click();
    }
  });
  // A click on the backdrop (outside the box) closes it, as Escape does.
  for (const dialog of [palette, shortcuts]) {
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) closeDialog(dialog);
    });
  }

  // ------------------------------------------------------------------ the shortcuts
  let goPending = 0; // when "g" was pressed (ms), 0 when not
  const focusFilter = () => {
    const filter = document.querySelector("main input[type=search]:not([hidden])");
    if (!filter) return false;
    filter.focus();
    filter.select();
    return true;
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (typingIn(event.target)) return;
    const ctrlK = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k";
    if (ctrlK) {
      if (anyDialogOpen()) return;
      event.preventDefault(); // the browser's own Ctrl-K focuses its address bar
      openPalette();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || anyDialogOpen()) return;
    if (goPending && Date.now() - goPending < GO_TIMEOUT) {
      goPending = 0;
      const target = data.dataset[`go${event.key.toUpperCase()}`];
      if (target && event.key.length === 1) {
        event.preventDefault();
        window.location.assign(target);
      }
      return;
    }
    goPending = 0;
    if (event.key === "g") {
      goPending = Date.now();
    } else if (event.key === "/") {
      if (focusFilter()) event.preventDefault();
    } else if (event.key === "?") {
      event.preventDefault();
      shortcuts.showModal();
    }
  });
})();
