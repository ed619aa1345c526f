// Berth's own browser code: small progressive enhancements; every control works without it.
document.addEventListener("change", (event) => {
  const master = event.target.closest("[data-select-all]");
  if (!master) return;
  const form = master.closest("form");
  form.querySelectorAll(`input[type=checkbox][name="${master.dataset.selectAll}"]`).forEach((box) => {
    box.checked = master.checked;
  });
});
