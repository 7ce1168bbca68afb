// Survey report charts: one bar chart per scale/choice question, drawn with ECharts when it is loaded.
// The data comes from a JSON block (no inline script: the CSP forbids it); the plain tables stay as a fallback.
(function () {
  function draw() {
    var holder = document.getElementById("survey-chart-data");
    if (!holder || !window.echarts) { return; }
    var charts = JSON.parse(holder.textContent);
    charts.forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el) { return; }
      el.style.height = "220px";
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: {}, grid: { left: 40, right: 10, top: 10, bottom: 30 },
        xAxis: { type: "category", data: c.labels }, yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: c.counts, itemStyle: { color: "#0b5394" } }]
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
