// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("change", function (event) {
  const el = event.target;
  if (el.matches && el.matches("[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("click", function (event) {
  const el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
});
