/* kommune-sdg report: draws the page's Plotly figures (JSON in #figures) in the page's language, follows the
   comparison group picker (#compare) and makes the index table filterable and sortable.
   body[data-charts-rendered] = number of charts drawn, for tests and for print.
   A figure string may be {nb, en}: it is replaced by the page's language (static/lang.js) before drawing. A
   figure may carry "compare": {trace, groups: {kind: {y, name}}}: the trace shows the picked group. */
(function () {
  "use strict";

  var figures = null;

  function lang() { return window.kommuneSdgLang ? window.kommuneSdgLang.current() : "nb"; }

  function localize(v) {
    if (Array.isArray(v)) { return v.map(localize); }
    if (v && typeof v === "object") {
      if ("nb" in v && "en" in v && Object.keys(v).length === 2) { return v[lang()]; }
      var out = {};
      Object.keys(v).forEach(function (k) { out[k] = localize(v[k]); });
      return out;
    }
    return v;
  }

  function compareKind() {
    var scope = document.getElementById("compare-scope");
    return scope ? scope.dataset.compare : null;
  }

  function figureFor(name) {
    var fig = figures[name];
    if (!fig) { throw new Error("no figure named " + name); }
    var data = fig.data.map(function (t) { return Object.assign({}, t); });
    var kind = compareKind();
    if (fig.compare && kind && fig.compare.groups[kind]) {
      var g = fig.compare.groups[kind];
      data[fig.compare.trace] = Object.assign({}, data[fig.compare.trace], { y: g.y, name: g.name });
    }
    return { data: localize(data), layout: localize(fig.layout) };
  }

  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function drawCharts() {
    var holder = document.getElementById("figures");
    var nodes = document.querySelectorAll("[data-figure]");
    if (!nodes.length) { document.body.dataset.chartsRendered = "0"; return; }
    if (typeof window.Plotly === "undefined") { throw new Error("plotly.min.js did not load"); }
    figures = JSON.parse(holder.textContent);
    var jobs = Array.prototype.map.call(nodes, function (el) {
      var fig = figureFor(el.dataset.figure);
      return window.Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
        el.dataset.rendered = "true";
      });
    });
    Promise.all(jobs).then(function () { document.body.dataset.chartsRendered = String(jobs.length); });
  }

  function redrawCharts() {
    if (!figures || typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll("[data-figure][data-rendered]").forEach(function (el) {
      var fig = figureFor(el.dataset.figure);
      window.Plotly.react(el, fig.data, fig.layout, config);
    });
  }

  function setupCompare() {
    var select = document.getElementById("compare");
    var scope = document.getElementById("compare-scope");
    if (!select || !scope) { return; }
    function apply() {
      scope.dataset.compare = select.value;
      redrawCharts();
    }
    select.addEventListener("change", apply);
    if (select.value !== scope.dataset.compare) { scope.dataset.compare = select.value; }
  }

  function setupFilter() {
    var input = document.getElementById("filter");
    var county = document.getElementById("county");
    var network = document.getElementById("network-only");
    var table = document.getElementById("municipalities");
    if (!input || !table) { return; }
    var rows = table.tBodies[0].rows;
    var shown = document.getElementById("shown");
    function apply() {
      var q = input.value.trim().toLowerCase();
      var c = county ? county.value : "";
      var onlyNetwork = network ? network.checked : false;
      var n = 0;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var ok = (!q || r.dataset.search.indexOf(q) !== -1) && (!c || r.dataset.county === c) &&
          (!onlyNetwork || r.dataset.network === "true");
        r.hidden = !ok;
        if (ok) { n++; }
      }
      if (shown) { shown.textContent = lang() === "en" ? n + " of " + rows.length + " shown" : n + " av " + rows.length + " vises"; }
    }
    input.addEventListener("input", apply);
    if (county) { county.addEventListener("change", apply); }
    if (network) { network.addEventListener("change", apply); }
    document.addEventListener("langchange", apply);
    apply();
  }

  function setupSort() {
    document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      function sort() {
        var table = th.closest("table");
        var body = table.tBodies[0];
        var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
        var numeric = th.dataset.sort === "num";
        var dir = th.dataset.dir === "asc" ? -1 : 1;
        th.dataset.dir = dir === 1 ? "asc" : "desc";
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
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
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  }

  document.addEventListener("langchange", redrawCharts);
  document.addEventListener("DOMContentLoaded", function () {
    setupFilter();
    setupSort();
    setupCompare();
    drawCharts();
  });
})();
