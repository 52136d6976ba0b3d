// Care visits: the "record my position" button on the visit form, and the
// visit-rate bar chart (ECharts, vendored) whose bars drill down.
(function () {
  'use strict';
  function gps() {
    var btn = document.getElementById('gps');
    if (!btn) return;
    var status = document.getElementById('gps-status');
    btn.addEventListener('click', function () {
      if (!navigator.geolocation) { status.textContent = btn.dataset.fail; return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById('lat').value = p.coords.latitude.toFixed(6);
        document.getElementById('lng').value = p.coords.longitude.toFixed(6);
        status.textContent = btn.dataset.done + ' (' + p.coords.latitude.toFixed(4) + ', ' + p.coords.longitude.toFixed(4) + ')';
      }, function () { status.textContent = btn.dataset.fail; }, { timeout: 15000, maximumAge: 60000 });
    });
  }
  function chart() {
    var el = document.getElementById('rate-chart');
    var data = document.getElementById('rate-data');
    if (!el || !data || !window.echarts) return;
    var d = JSON.parse(data.textContent);
    if (!d.bars || !d.bars.length) { el.hidden = true; return; }
    el.style.height = Math.max(160, 44 * d.bars.length + 70) + 'px';
    var c = window.echarts.init(el, null, { renderer: 'svg' });
    c.setOption({
      grid: { left: 8, right: 64, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', formatter: function (ps) {
        var b = d.bars[ps[0].dataIndex];
        return b.name + '<br>' + d.label + ' ' + (b.rate / 10).toFixed(1) + '% (' + b.visited + '/' + b.targets + ')';
      } },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', inverse: true, data: d.bars.map(function (b) { return b.name; }) },
      series: [{ type: 'bar', barMaxWidth: 32, data: d.bars.map(function (b) {
        return { value: b.rate / 10, itemStyle: { color: b.rate >= d.target * 10 ? '#1a7f37' : '#b42318' } };
      }), label: { show: true, position: 'right', formatter: '{c}%' },
        markLine: { symbol: 'none', data: [{ xAxis: d.target, label: { formatter: d.targetLabel + ' {c}%' } }] } }]
    });
    c.on('click', function (p) { var b = d.bars[p.dataIndex]; if (b && b.href) window.location.href = b.href; });
    window.addEventListener('resize', function () { c.resize(); });
  }
  document.addEventListener('DOMContentLoaded', function () { gps(); chart(); });
})();
