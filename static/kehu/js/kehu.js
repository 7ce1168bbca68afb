// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("change", function (event) {
  const el = event.target;
  if (el.matches && el.matches("[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("click", function (event) {
  const el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
});

// ECharts (static/vendor/echarts) for every chart on a page, loaded once from the first data-echarts-src asked for.
// Pages that have no chart never download it. Resolves with window.echarts; rejects when it cannot be had, so a
// chart can hide itself (its table still shows the figures).
(function () {
  var loading = null;
  window.kehuEnsureEcharts = function (src) {
    if (window.echarts) { return Promise.resolve(window.echarts); }
    if (!src) { return Promise.reject(new Error("echarts not available")); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src;
        s.onload = function () { resolve(window.echarts); };
        s.onerror = function (err) { loading = null; reject(err); };
        document.head.appendChild(s);
      });
    }
    return loading;
  };
  // A chart script may stand inside the page's content, before this file: it renders on DOMContentLoaded.
  window.kehuWhenReady = function (fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  };
})();
