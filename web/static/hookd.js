// hookd's one script. Every page works without it; it adds copy buttons
// and submits filter forms when a select changes.
"use strict";
document.addEventListener("click", (ev) => {
  const btn = ev.target.closest("[data-copy]");
  if (!btn) return;
  const src = document.getElementById(btn.dataset.copy);
  if (!src) return;
  navigator.clipboard.writeText(src.textContent.trim()).then(() => {
    const old = btn.textContent;
    btn.textContent = "Copied";
    setTimeout(() => { btn.textContent = old; }, 1500);
  }, () => {});
});
document.addEventListener("change", (ev) => {
  const el = ev.target.closest("[data-autosubmit]");
  if (el && el.form) el.form.requestSubmit();
});
