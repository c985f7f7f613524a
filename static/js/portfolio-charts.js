// Draws the portfolio dashboard's charts from the JSON blocks the page carries
// (`json_script`). Each chart repeats a table that stays on the page, so without JavaScript
// (or Chart.js) nothing is lost: the canvases simply stay hidden.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var palette = ["#005ea2", "#e5a000", "#00a91c", "#d83933", "#8168b3", "#1a4480", "#71767a"];

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chartSource);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data || !data.labels || data.labels.length === 0) {
      return;
    }
    var stacked = canvas.dataset.chart === "stacked";
    data.datasets.forEach(function (dataset, index) {
      dataset.backgroundColor = palette[index % palette.length];
    });
    canvas.hidden = false;
    new window.Chart(canvas, {
      type: "bar",
      data: data,
      options: {
        animation: false,
        responsive: true,
        aspectRatio: stacked ? 3 : 2,
        plugins: { legend: { display: data.datasets.length > 1 } },
        scales: {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  });
})();
