/* kommune-sdg report: draws the page's Plotly figures (JSON in #figures) and makes the index table
   filterable and sortable. body[data-charts-rendered] = number of charts drawn, for tests and for print. */
(function () {
  "use strict";

  function drawCharts() {
    var holder = document.getElementById("figures");
    var nodes = document.querySelectorAll("[data-figure]");
    if (!nodes.length) { document.body.dataset.chartsRendered = "0"; return; }
    if (typeof window.Plotly === "undefined") { throw new Error("plotly.min.js did not load"); }
    var figures = JSON.parse(holder.textContent);
    var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
    var jobs = Array.prototype.map.call(nodes, function (el) {
      var fig = figures[el.dataset.figure];
      if (!fig) { throw new Error("no figure named " + el.dataset.figure); }
      return window.Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
        el.dataset.rendered = "true";
      });
    });
    Promise.all(jobs).then(function () { document.body.dataset.chartsRendered = String(jobs.length); });
  }

  function setupFilter() {
    var input = document.getElementById("filter");
    var county = document.getElementById("county");
    var table = document.getElementById("municipalities");
    if (!input || !table) { return; }
    var rows = table.tBodies[0].rows;
    var shown = document.getElementById("shown");
    function apply() {
      var q = input.value.trim().toLowerCase();
      var c = county ? county.value : "";
      var n = 0;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var ok = (!q || r.dataset.search.indexOf(q) !== -1) && (!c || r.dataset.county === c);
        r.hidden = !ok;
        if (ok) { n++; }
      }
      if (shown) { shown.textContent = n + " av " + rows.length + " vises / shown"; }
    }
    input.addEventListener("input", apply);
    if (county) { county.addEventListener("change", apply); }
    apply();
  }

  function setupSort() {
    document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var table = th.closest("table");
        var body = table.tBodies[0];
        var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
        var numeric = th.dataset.sort === "num";
        var dir = th.dataset.dir === "asc" ? -1 : 1;
        th.dataset.dir = dir === 1 ? "asc" : "desc";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[idx], y = b.cells[idx];
          if (numeric) {
            var xv = x.dataset.value === "" ? Infinity : parseFloat(x.dataset.value);
            var yv = y.dataset.value === "" ? Infinity : parseFloat(y.dataset.value);
            return dir * (xv - yv || 0);
          }
          return dir * x.textContent.localeCompare(y.textContent, "nb");
        });
        rows.forEach(function (r) { body.appendChild(r); });
        void col;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupFilter();
    setupSort();
    drawCharts();
  });
})();
