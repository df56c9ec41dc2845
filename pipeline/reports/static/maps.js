/* kommune-sdg report maps (inline SVG drawn by the page itself): mirror the hovered or focused municipality's
   name, score, rating and trend into the map's info line (aria-live), so keyboard users see what the mouse's
   tooltip shows, in the page's language (each area's <title> carries data-text-nb/-en; <html lang> picks);
   on goal maps, switch the colouring between rating and score. body[data-maps-ready] = number of maps wired,
   for tests. */
(function () {
  "use strict";

  function lang() { return document.documentElement.getAttribute("lang") === "en" ? "en" : "nb"; }

  function label(a) {
    var t = a.querySelector("title");
    if (!t) { return a.dataset.code; }
    return t.getAttribute("data-text-" + lang()) || t.textContent;
  }

  function wire(fig) {
    var info = fig.querySelector(".map-info");
    if (!info) { return; }
    var hint = info.innerHTML;  /* both languages as spans: the stylesheet shows one */
    var active = null;
    function show(e) {
      var a = e.target.closest ? e.target.closest("a[data-code]") : null;
      if (a && fig.contains(a)) {
        active = a;
        info.textContent = label(a);
        fig.dataset.active = a.dataset.code;
      }
    }
    function hide(e) {
      var next = e.relatedTarget;
      if (next && next.closest && next.closest("a[data-code]") && fig.contains(next)) { return; }
      active = null;
      info.innerHTML = hint;
      delete fig.dataset.active;
    }
    fig.addEventListener("mouseover", show);
    fig.addEventListener("focusin", show);
    fig.addEventListener("mouseout", hide);
    fig.addEventListener("focusout", hide);
    document.addEventListener("langchange", function () { if (active) { info.textContent = label(active); } });
  }

  /* Goal maps: switch between rating colours (as drawn) and score classes (data-alt-fill on each path). */
  function modes(fig) {
    var box = fig.querySelector(".map-modes");
    if (!box) { return; }
    box.hidden = false;
    var paths = fig.querySelectorAll("path[data-alt-fill]");
    box.addEventListener("change", function (e) {
      var mode = e.target.value;
      Array.prototype.forEach.call(paths, function (p) {
        if (!p.dataset.ratingFill) { p.dataset.ratingFill = p.getAttribute("fill"); }
        p.setAttribute("fill", mode === "score" ? p.dataset.altFill : p.dataset.ratingFill);
      });
      Array.prototype.forEach.call(fig.querySelectorAll(".map-legend[data-mode]"), function (ul) {
        ul.hidden = ul.dataset.mode !== mode;
      });
      fig.dataset.mode = mode;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var maps = document.querySelectorAll("figure.map");
    Array.prototype.forEach.call(maps, wire);
    Array.prototype.forEach.call(maps, modes);
    document.body.dataset.mapsReady = String(maps.length);
  });
})();
