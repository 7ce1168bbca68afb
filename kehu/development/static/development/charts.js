// Development charts (plan against admitted, pickup trend) with ECharts served from static/vendor/echarts.
// ECharts comes through window.kehuEnsureEcharts (static/kehu/js/kehu.js), loaded once a page; when it is missing the tables on the page still show the figures.
(function () {
  "use strict";
  function bars(el, data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: el.getAttribute("data-label-target") || "计划", type: "bar", data: data.target },
        { name: el.getAttribute("data-label-admitted") || "已开户", type: "bar", data: data.admitted }
      ]
    };
  }

  function trend(el, data) {
    var amount = el.getAttribute("data-label-amount") || "金额（元）";
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 60, top: 30, bottom: 30, containLabel: true },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value" }, { type: "value" }],
      series: [
        { name: el.getAttribute("data-label-quantity") || "提货量", type: "bar", data: data.quantity.map(Number) },
        { name: amount, type: "line", yAxisIndex: 1, smooth: true, data: data.amount.map(Number) }
      ]
    };
  }

  function render(el) {
    if (el.getAttribute("data-rendered")) { return; }
    el.setAttribute("data-rendered", "1");
    var data;
    try { data = JSON.parse(el.getAttribute("data-chart")); } catch (e) { el.classList.add("d-none"); return; }
    var kind = el.getAttribute("data-dev-chart");
    if (kind === "bars" && !data.labels.length) { el.classList.add("d-none"); return; }
    window.kehuEnsureEcharts(el.getAttribute("data-echarts-src")).then(function (echarts) {
      var chart = echarts.init(el);
      chart.setOption(kind === "bars" ? bars(el, data) : trend(el, data));
      el.setAttribute("data-chart-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function () { el.classList.add("d-none"); });
  }

  window.kehuWhenReady(function () { document.querySelectorAll("[data-dev-chart]").forEach(render); });
})();
