// Berth's own browser code: small progressive enhancements; every control works without it.
document.addEventListener("change", (event) => {
  const master = event.target.closest("[data-select-all]");
  if (!master) return;
  const form = master.closest("form");
  form.querySelectorAll(`input[type=checkbox][name="${master.dataset.selectAll}"]`).forEach((box) => {
    box.checked = master.checked;
  });
});

// A select that submits its form when it changes (the language switcher): its button is for a
// browser without JavaScript.
for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
  select.form.querySelector("button").hidden = true;
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-submit-on-change]")) event.target.form.requestSubmit();
});

// "Copy as docker run" (containers/_docker_run.html): copies the text of the element named by
// data-copy. The clipboard API needs a secure context (HTTPS or localhost); elsewhere the text is
// selected so that Ctrl-C copies it. The JavaScript catalogue's gettext, when a page loads one.
const copyTexts = (() => {
  const gettext = window.gettext || ((text) => text);
  return { copied: gettext("Copied"), select: gettext("Selected: press Ctrl-C to copy") };
})();
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const said = (text) => {
    button.dataset.label = button.dataset.label || button.textContent;
    button.textContent = text;
    setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
  };
  const select = () => {
    const range = document.createRange();
    range.selectNodeContents(source);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    said(copyTexts.select);
  };
  if (!navigator.clipboard) return select();
  navigator.clipboard.writeText(source.textContent).then(() => said(copyTexts.copied), select);
});
