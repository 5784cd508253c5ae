// Draws the dashboards' charts with uPlot from the data the page carries (data-chart: x in epoch seconds, then each
// series' label and values), each as wide as its card, drawn again when the window's width changes.
(function () {
  const palette = ['#2f5bd3', '#7a5af8', '#079455', '#f79009', '#d92d20', '#0ba5ec', '#ee46bc', '#667085'];
  const charts = [];

  function size(el) {
    return { width: Math.max(260, el.clientWidth), height: window.innerWidth < 600 ? 180 : 220 };
  }

  document.querySelectorAll('.chart[data-chart]').forEach(el => {
    const data = JSON.parse(el.dataset.chart);
    const opts = {
      ...size(el),
      scales: { x: { time: true } },
      axes: [{}, { size: 60 }],
      legend: { live: true },
      series: [{}].concat(data.series.map((s, i) => ({
        label: s.label, stroke: palette[i % palette.length], width: 2, spanGaps: false,
        value: (u, v) => v == null ? '–' : `${+v.toFixed(4)} ${el.dataset.unit}`,
      }))),
    };
    const plot = new uPlot(opts, [data.x].concat(data.series.map(s => s.values)), el);
    el.dataset.drawn = 'true';
    charts.push({ el, plot });
  });

  let pending;
  window.addEventListener('resize', () => {
    clearTimeout(pending);
    pending = setTimeout(() => charts.forEach(({ el, plot }) => plot.setSize(size(el))), 150);
  });
})();
