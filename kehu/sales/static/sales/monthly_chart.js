// Monthly pickup volume and amount chart for the customer archive (ECharts, served from static/vendor/echarts).
// Uses window.echarts when the page already loaded it; otherwise loads it once from data-echarts-src.
(function () {
  "use strict";
  var loading = null;

  function ensureEcharts(src) {
    if (window.echarts) { return Promise.resolve(window.echarts); }
    if (!src) { return Promise.reject(new Error("echarts not available")); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src;
        s.onload = function () { resolve(window.echarts); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function render(el) {
    if (el.getAttribute("data-rendered")) { return; }
    el.setAttribute("data-rendered", "1");
    var data;
    try { data = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    ensureEcharts(el.getAttribute("data-echarts-src")).then(function (echarts) {
      var amountLabel = el.getAttribute("data-amount-label") || "金额（元）";
      var series = data.series.map(function (s) {
        return { name: s.name + "（" + s.unit + "）", type: "bar", stack: s.unit, yAxisIndex: 0,
                 data: s.data.map(Number) };
      });
      series.push({ name: amountLabel, type: "line", yAxisIndex: 1, smooth: true, data: data.amount.map(Number) });
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 60, right: 70, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.months },
        yAxis: [{ type: "value", name: "数量" }, { type: "value", name: amountLabel }],
        series: series
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function () {
      el.classList.add("d-none");  // the table below still shows the figures
    });
  }

  function renderAll(root) {
    (root || document).querySelectorAll("[data-sales-chart]").forEach(render);
  }

  renderAll(document);
  document.addEventListener("htmx:afterSettle", function (evt) { renderAll(evt.target); });
})();
