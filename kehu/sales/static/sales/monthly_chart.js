// Monthly pickup volume and amount chart for the customer archive (ECharts, served from static/vendor/echarts).
// ECharts comes through window.kehuEnsureEcharts (static/kehu/js/kehu.js), loaded once a page.
(function () {
  "use strict";
  function render(el) {
    if (el.getAttribute("data-rendered")) { return; }
    el.setAttribute("data-rendered", "1");
    var data;
    try { data = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    window.kehuEnsureEcharts(el.getAttribute("data-echarts-src")).then(function (echarts) {
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
      el.setAttribute("data-chart-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function () {
      el.classList.add("d-none");  // the table below still shows the figures
    });
  }

  function renderAll(root) {
    (root || document).querySelectorAll("[data-sales-chart]").forEach(render);
  }

  window.kehuWhenReady(function () { renderAll(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { renderAll(evt.target); });
})();
