// The theme (auto / light / dark), remembered in localStorage. Loaded in <head> without defer,
// as a file (the CSP allows no inline script), so that data-theme is set before the first paint:
// a deferred script would first paint the system's theme, then flash to the chosen one.
(() => {
  "use strict";
  const KEY = "berth.theme";
  const CHOICES = ["auto", "light", "dark"];
  const root = document.documentElement;
  // Scripts run: what only a page without them needs (the language switcher's Change button,
  // .js-hidden) can go, before the first paint.
  root.classList.add("js");
  const system = window.matchMedia("(prefers-color-scheme: dark)");

  const stored = () => {
    try {
      const value = window.localStorage.getItem(KEY);
      return CHOICES.includes(value) ? value : "auto";
    } catch {
      return "auto"; // storage refused (a privacy setting): the system decides
    }
  };
  const apply = (choice) => {
    if (choice === "auto") delete root.dataset.theme;
    else root.dataset.theme = choice;
  };
  // What is on screen now: "light" or "dark", whatever the choice.
  const effective = () => root.dataset.theme || (system.matches ? "dark" : "light");
  const announce = () => document.dispatchEvent(new CustomEvent("berth:theme", { detail: { theme: effective() } }));

  const choose = (choice) => {
    if (!CHOICES.includes(choice)) return;
    try {
      window.localStorage.setItem(KEY, choice);
    } catch {
      // not remembered, still applied to this page
    }
    apply(choice);
    announce();
  };

  apply(stored());
  system.addEventListener("change", () => {
    if (stored() === "auto") announce();
  });
  // Another tab switched: follow it.
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY) return;
    apply(stored());
    announce();
  });

  window.BerthTheme = { choose, stored, effective };

  // The switch in the header, once the page is parsed (it works only with this script).
  document.addEventListener("DOMContentLoaded", () => {
    const select = document.getElementById("theme-choice");
    if (!select) return;
    select.value = stored();
    select.hidden = false;
    select.closest("[hidden]")?.removeAttribute("hidden");
    select.addEventListener("change", () => choose(select.value));
  });
})();
