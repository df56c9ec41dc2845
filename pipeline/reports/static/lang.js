/* kommune-sdg report: one language at a time (bokmål or English), remembered between pages.

   Loaded without defer in <head>, so <html lang> is set before the body is drawn (no flash of both
   languages). Text in both languages is written as <span lang="nb">…</span><span lang="en">…</span>; the
   stylesheet hides the language that is not <html lang>. Attributes and <option>/<title> texts carry both as
   data-{text,title,label,placeholder}-{nb,en}. The switch is a <button id="lang-switch"> in the header; a
   change fires "langchange" on document (the charts redraw their titles). The choice is kept in
   localStorage (works from file:// too); without storage the page stays in bokmål. */
(function () {
  "use strict";
  var KEY = "kommune-sdg.lang";
  var LANGS = ["nb", "en"];
  var ATTRS = { title: "title", label: "aria-label", placeholder: "placeholder" };

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function current() {
    var l = document.documentElement.getAttribute("lang");
    return LANGS.indexOf(l) === -1 ? "nb" : l;
  }

  function translate(root, lang) {
    var scope = root || document;
    scope.querySelectorAll("[data-text-" + lang + "]").forEach(function (el) {
      el.textContent = el.getAttribute("data-text-" + lang);
    });
    Object.keys(ATTRS).forEach(function (k) {
      scope.querySelectorAll("[data-" + k + "-" + lang + "]").forEach(function (el) {
        el.setAttribute(ATTRS[k], el.getAttribute("data-" + k + "-" + lang));
      });
    });
    var button = document.getElementById("lang-switch");
    if (button) { button.setAttribute("aria-pressed", lang === "en" ? "true" : "false"); }
  }

  function apply(lang, save) {
    if (LANGS.indexOf(lang) === -1) { lang = "nb"; }
    document.documentElement.setAttribute("lang", lang);
    if (save) {
      try { window.localStorage.setItem(KEY, lang); } catch (e) { /* storage off: this page only */ }
    }
    if (document.readyState !== "loading") {
      translate(document, lang);
      document.dispatchEvent(new CustomEvent("langchange", { detail: { lang: lang } }));
    }
  }

  window.kommuneSdgLang = {
    current: current,
    set: function (lang) { apply(lang, true); },
    /* a string or {nb, en} pair in the page's language */
    pick: function (v) {
      if (v && typeof v === "object" && !Array.isArray(v) && "nb" in v && "en" in v) { return v[current()]; }
      return v;
    },
    translate: function (root) { translate(root, current()); }
  };

  apply(stored() || "nb", false);
  document.addEventListener("DOMContentLoaded", function () {
    translate(document, current());
    var button = document.getElementById("lang-switch");
    if (button) {
      button.addEventListener("click", function () { apply(current() === "en" ? "nb" : "en", true); });
    }
  });
  /* another tab switched: follow it */
  window.addEventListener("storage", function (e) {
    if (e.key === KEY && e.newValue && e.newValue !== current()) { apply(e.newValue, false); }
  });
})();
