/* kommune-sdg report above the unit limit (pipeline/reports/scale.py): one page for every unit.
   The data files are scripts that call the functions below (a page opened from disk may load a script, not fetch
   a file): data/site.js -> ksdgSite({...}), data/index.js -> ksdgIdx([...]) per unit, data/units/<prefix>.js ->
   ksdgUnit("<code>", {...}) per unit. enhet.html#<code> loads the unit's file and draws it; index.html lists and
   searches the units. Text goes out in both languages as <span lang> pairs, like the rest of the report. */
(function () {
  "use strict";
  var site = null;
  var index = [];
  var units = {};
  var loaded = {};
  var RATINGS = {
    green: ["#3f9c35", "Mål nådd", "Achieved"], yellow: ["#f2c500", "Utfordringer gjenstår", "Challenges remain"],
    orange: ["#f08a24", "Betydelige utfordringer", "Significant challenges"],
    red: ["#d7263d", "Store utfordringer", "Major challenges"]
  };
  var NO_RATING = ["#c9c9c9", "Ikke vurdert", "Not rated"];
  var LIST_MAX = 200;

  window.ksdgSite = function (s) { site = s; };
  window.ksdgIdx = function (row) { index.push(row); };
  window.ksdgUnit = function (code, data) { units[code] = data; };

  function lang() { return window.kommuneSdgLang ? window.kommuneSdgLang.current() : "nb"; }
  function esc(v) {
    return String(v === null || v === undefined ? "" : v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function tx(nb, en) {
    return '<span lang="nb">' + esc(nb) + '</span><span lang="en">' + esc(en === undefined ? nb : en) + "</span>";
  }
  /* Norwegian number format, as data.fmt_number: thin-space thousands, decimal comma. */
  function num(v, d) {
    if (v === null || v === undefined || v === "" || isNaN(v)) { return "–"; }
    var x = Number(v);
    if (d === undefined) { d = Math.abs(x) >= 1000 || x === Math.round(x) ? 0 : (Math.abs(x) >= 10 ? 1 : 2); }
    var parts = Math.abs(x).toFixed(d).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return (x < 0 ? "-" : "") + whole + (parts[1] ? "," + parts[1] : "");
  }
  function rating(r) { return RATINGS[r] || NO_RATING; }
  function trend(t) {
    var v = String(t || "").toLowerCase();
    if (!v) { return ["", "t-none", "Ingen trend", "No trend data"]; }
    if (v.indexOf("track") !== -1 || v.indexOf("achiev") !== -1) { return ["↑", "t-on", "I rute mot 2030", "On track for 2030"]; }
    if (v.indexOf("moderat") !== -1) { return ["↗", "t-mod", "Moderat forbedring", "Moderately improving"]; }
    if (v.indexOf("stagn") !== -1) { return ["→", "t-stag", "Stagnerer", "Stagnating"]; }
    if (v.indexOf("decreas") !== -1 || v.indexOf("declin") !== -1) { return ["↓", "t-dec", "Går i feil retning", "Decreasing"]; }
    return ["·", "t-none", t, t];
  }
  function setHtml(id, html) { var el = document.getElementById(id); if (el) { el.innerHTML = html; } return el; }
  function translate() { if (window.kommuneSdgLang) { window.kommuneSdgLang.translate(document); } }

  /* ------------------------------------------------------------------ unit page */

  function codeFromHash() { return decodeURIComponent((location.hash || "").replace(/^#/, "")).trim(); }

  function loadUnit(code, done) {
    if (!site || !code) { done(null); return; }
    var prefix = code.substr(0, site.prefix_len);
    if (loaded[prefix]) { done(units[code] || null); return; }
    var s = document.createElement("script");
    s.src = "data/units/" + encodeURIComponent(prefix) + ".js";
    s.onload = function () { loaded[prefix] = true; done(units[code] || null); };
    s.onerror = function () { loaded[prefix] = true; done(null); };
    document.head.appendChild(s);
  }

  function drawGoalsChart(u) {
    var el = document.getElementById("chart-goals");
    if (!el || typeof window.Plotly === "undefined") { return Promise.resolve(); }
    var en = lang() === "en";
    var own = {};
    u.g.forEach(function (g) { own[g[0]] = g[1]; });
    var x = site.goals.map(function (g) { return String(g.goal); });
    var data = [
      { type: "bar", name: u.n, x: x, y: site.goals.map(function (g) { return own[g.goal] === undefined ? null : own[g.goal]; }),
        marker: { color: site.goals.map(function (g) { return g.colour; }) } },
      { type: "scatter", mode: "markers", name: en ? "Median, all units" : "Median, alle enheter", x: x,
        y: site.goals.map(function (g) { return g.national; }),
        marker: { symbol: "line-ew-open", size: 18, color: "#1f4e79", line: { width: 3, color: "#1f4e79" } } }
    ];
    var layout = { title: { text: (en ? "Goal scores " : "Målscore ") + (site.year || ""), x: 0, font: { size: 14 } },
      yaxis: { range: [0, 100], gridcolor: "#eeeeee" }, xaxis: { type: "category" }, height: 360,
      margin: { l: 48, r: 12, t: 56, b: 40 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff",
      legend: { orientation: "h", y: -0.12 } };
    return window.Plotly.react(el, data, layout, { displaylogo: false, responsive: true });
  }

  function renderUnit(u, code) {
    var missing = document.getElementById("unit-missing");
    document.body.dataset.unitRendered = "";
    if (!u) {
      setHtml("unit-title", tx("Ukjent enhet", "Unknown unit") + ' <span class="code">' + esc(code) + "</span>");
      setHtml("unit-crumb", esc(code));
      if (missing) { missing.hidden = false; }
      document.body.dataset.unitRendered = "missing";
      return;
    }
    if (missing) { missing.hidden = true; }
    document.title = u.n + " (" + u.c + ") – kommune-sdg" + (document.body.classList.contains("is-demo") ? " (DEMO)" : "");
    var title = setHtml("unit-title", esc(u.n) + ' <span class="code">' + esc(u.c) + "</span>");
    title.dataset.municipality = u.c;
    setHtml("unit-crumb", esc(u.n));
    var peer = site.peers[u.pg] || { n: 0, en: null };
    setHtml("unit-lead", (u.cn ? tx(u.cn + " fylke", "County of " + u.cn) + " · " : "") +
      tx(num(u.p) + " innbyggere", num(u.p) + " inhabitants") +
      (u.pg ? " · " + tx(u.pg, u.pe || u.pg) : ""));
    var x = u.x || [];
    var years = Object.keys(site.index_years || {});
    var natIdx = site.index_years ? site.index_years[String(site.year)] : null;
    setHtml("unit-summary",
      '<div class="kpi"><div class="kpi-label">' + tx("SDG-indeks", "SDG index") + " " + esc(site.year || "") + "</div>" +
      '<div class="kpi-value" id="index-score">' + num(x[0], 1) + "</div>" +
      '<div class="kpi-sub">' + (x[1] !== null && x[1] !== undefined
        ? tx("Rang " + num(x[1], 0) + " av " + num(site.n_scored), "Rank " + num(x[1], 0) + " of " + num(site.n_scored))
        : tx("Ingen indeks (for mange indikatorer mangler)", "No index (too many indicators missing)")) + "</div></div>" +
      '<div class="kpi"><div class="kpi-label">' + tx("Størrelsesklasse", "Size class") + "</div>" +
      '<div class="kpi-value small-value" id="peer-group">' + tx(u.pg || "–", u.pe || u.pg || "–") + "</div>" +
      '<div class="kpi-sub">' + tx(num(peer.n) + " enheter", num(peer.n) + " units") +
      (x[2] !== null && x[2] !== undefined ? " · " + tx("rang " + num(x[2], 0), "rank " + num(x[2], 0)) : "") +
      " · median " + num(site.peer_index[u.pg], 1) + "</div></div>" +
      '<div class="kpi"><div class="kpi-label">' + tx("Median, alle enheter", "Median, all units") + "</div>" +
      '<div class="kpi-value">' + num(natIdx, 1) + "</div><div class=\"kpi-sub\">" + tx("SDG-indeks", "SDG index") + "</div></div>" +
      '<div class="kpi"><div class="kpi-label">' + tx("Indikatorer med data", "Indicators with data") + "</div>" +
      '<div class="kpi-value">' + u.i.length + " / " + site.indicators.length + "</div></div>");

    var byGoal = {};
    u.g.forEach(function (g) { byGoal[g[0]] = g; });
    var peerGoal = site.peer_goal[u.pg] || {};
    var tiles = [], rows = [];
    site.goals.forEach(function (meta) {
      var g = byGoal[meta.goal] || [meta.goal, null, null, null, null, null, null, null];
      var r = rating(g[2]), t = trend(g[3]);
      var key = RATINGS[g[2]] ? g[2] : "none";
      tiles.push('<li class="tile rating-' + key + '" data-goal="' + meta.goal + '" data-rating="' + key +
        '" style="--goal:' + esc(meta.colour) + ";--rating:" + r[0] + '">' +
        '<div class="tile-head"><span class="tile-no">' + meta.goal + '</span><span class="tile-name">' +
        tx(meta.name_nb, meta.name_en) + "</span></div>" +
        '<div class="tile-foot"><span class="tile-score">' + num(g[1], 0) + '</span><span class="tile-trend ' + t[1] +
        '">' + t[0] + '</span><span class="tile-rating">' + tx(r[1], r[2]) + "</span></div></li>");
      rows.push('<tr data-goal="' + meta.goal + '"><td><span class="goalno" style="background:' + esc(meta.colour) + '">' +
        meta.goal + "</span> " + tx(meta.name_nb, meta.name_en) + '</td><td class="num">' + num(g[1], 1) + "</td>" +
        '<td><b class="' + t[1] + '">' + t[0] + "</b> " + tx(t[2], t[3]) + "</td>" +
        '<td><span class="chip" style="background:' + r[0] + '"></span>' + tx(r[1], r[2]) + "</td>" +
        '<td class="num">' + (g[6] === null ? "–" : g[6]) + " / " + (g[7] === null ? "–" : g[7]) + "</td>" +
        '<td class="num">' + num(g[4], 0) + "</td><td class=\"num\">" + num(peerGoal[meta.goal], 1) + "</td>" +
        '<td class="num">' + num(meta.national, 1) + "</td></tr>");
    });
    setHtml("goal-tiles", tiles.join(""));
    document.querySelector("#goal-table tbody").innerHTML = rows.join("");

    var own = {};
    u.i.forEach(function (r) { own[r[0]] = r; });
    var irows = site.indicators.map(function (m) {
      var r = own[m.id] || [m.id, null, null, null, null, null, null];
      var rt = rating(r[4]), t = trend(r[5]);
      var med = r[1] !== null && site.indicator_medians[m.id] ? site.indicator_medians[m.id][r[1]] : null;
      return '<tr data-indicator="' + esc(m.id) + '"><td class="num">' + esc(m.goal) + "</td><td>" +
        tx(m.name_nb || m.id, m.name_en || m.name_nb || m.id) + '</td><td class="num">' + esc(r[1] || "–") +
        '</td><td class="num">' + num(r[2]) + "</td><td>" + esc(m.unit || "") + '</td><td class="num">' + num(r[3], 1) +
        '</td><td><span class="chip" style="background:' + rt[0] + '"></span>' + tx(rt[1], rt[2]) + "</td>" +
        '<td><b class="' + t[1] + '">' + t[0] + "</b></td><td class=\"num\">" + num(med) + "</td></tr>";
    });
    document.querySelector("#indicator-table tbody").innerHTML = irows.join("");
    var series = {};
    (u.xs || []).forEach(function (p) { series[p[0]] = p[1]; });
    document.querySelector("#index-series tbody").innerHTML = years.map(function (y) {
      return '<tr><td class="num">' + esc(y) + '</td><td class="num">' + num(series[y], 1) + '</td><td class="num">' +
        num(site.index_years[y], 1) + "</td></tr>";
    }).join("");
    translate();
    drawGoalsChart(u).then(function () { document.body.dataset.unitRendered = u.c; },
                          function () { document.body.dataset.unitRendered = u.c; });
  }

  function showUnit() {
    var code = codeFromHash();
    loadUnit(code, function (u) { renderUnit(u, code); });
  }

  /* ------------------------------------------------------------------ index page */

  function setupIndex() {
    var input = document.getElementById("unit-filter");
    var county = document.getElementById("unit-county");
    var body = document.querySelector("#units tbody");
    var shown = document.getElementById("unit-shown");
    function apply() {
      var q = input.value.trim().toLowerCase();
      var c = county ? county.value : "";
      var out = [], n = 0;
      for (var i = 0; i < index.length; i++) {
        var r = index[i];
        if ((q && (r[0] + " " + String(r[1]).toLowerCase()).indexOf(q) === -1) || (c && r[2] !== c)) { continue; }
        n++;
        if (out.length < LIST_MAX) {
          out.push('<tr><td>' + esc(r[0]) + '</td><td><a href="enhet.html#' + encodeURIComponent(r[0]) + '">' +
            esc(r[1]) + "</a></td><td>" + esc(r[2] || "") + '</td><td class="num">' + num(r[3]) +
            '</td><td class="num">' + num(r[4], 1) + "</td></tr>");
        }
      }
      body.innerHTML = out.join("");
      if (shown) {
        shown.textContent = lang() === "en"
          ? n + " of " + index.length + " match" + (n > LIST_MAX ? ", the first " + LIST_MAX + " shown" : "")
          : n + " av " + index.length + " treff" + (n > LIST_MAX ? ", de første " + LIST_MAX + " vises" : "");
      }
      document.body.dataset.unitsListed = String(Math.min(n, LIST_MAX));
    }
    input.addEventListener("input", apply);
    if (county) { county.addEventListener("change", apply); }
    document.addEventListener("langchange", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("unit-title")) {
      showUnit();
      window.addEventListener("hashchange", showUnit);
      document.addEventListener("langchange", function () {
        var u = units[codeFromHash()];
        if (u) { drawGoalsChart(u); }
      });
    } else if (document.getElementById("units")) {
      setupIndex();
    }
  });
})();
