/* The status of each version on the day the page is read, not the day it was built.
   The page carries the build's status (the fallback without JavaScript); this recomputes it
   from the effective dates in versions.json: in force is the newest version whose date has
   come, upcoming a later date, superseded the rest; a version replaced before its own date
   stays "never in force" whatever the day. Exactly one version is in force on any day once the
   first date has come. No third party, no cookies. */
/* One date style per language, as the build writes them (i18n.format_day): the page carries the
   catalog's CLDR patterns (<meta name="policy-date-format">: "d MMMM y", and French "d'er' MMMM y"
   for the first of a month), so "3 February 2026", "3 Φεβρουαρίου 2026", "1er juin 2026"; the
   month's name comes from the browser in the language's own case. A pattern with a field this does
   not know falls back to the browser's long date (English in the British order). */
function longDate(day, lang) {
  "use strict";
  var meta = document.querySelector('meta[name="policy-date-format"]');
  var pattern = meta ? (day.getDate() === 1 ? meta.getAttribute("data-first-day") : meta.getAttribute("content")) : null;
  var written = pattern ? cldrDate(day, lang, pattern) : null;
  return written !== null ? written :
    day.toLocaleDateString(lang === "en" ? "en-GB" : (lang || undefined), {year: "numeric", month: "long", day: "numeric"});
}
function cldrDate(day, lang, pattern) {
  "use strict";
  var two = function (n) { return (n < 10 ? "0" : "") + n; };
  var month = function (width) {
    try {
      var parts = new Intl.DateTimeFormat(lang || undefined, {day: "numeric", month: width}).formatToParts(day);
      for (var k = 0; k < parts.length; k++) { if (parts[k].type === "month") { return parts[k].value; } }
    } catch (e) { return null; }
    return null;
  };
  var out = "", i = 0;
  while (i < pattern.length) {
    var c = pattern.charAt(i);
    if (c === "'") {  // a quoted literal; '' is one quote
      var end = pattern.indexOf("'", i + 1);
      if (end === i + 1) { out += "'"; i += 2; continue; }
      if (end < 0) { end = pattern.length; }
      out += pattern.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) { out += c; i += 1; continue; }
    var n = 1;
    while (pattern.charAt(i + n) === c) { n += 1; }
    i += n;
    var value = null;
    if (c === "d") { value = n >= 2 ? two(day.getDate()) : String(day.getDate()); }
    else if (c === "M" || c === "L") {
      value = n >= 4 ? month("long") : n === 3 ? month("short") : n === 2 ? two(day.getMonth() + 1) : String(day.getMonth() + 1);
    } else if (c === "y") { value = n === 2 ? String(day.getFullYear()).slice(-2) : String(day.getFullYear()); }
    if (value === null) { return null; }
    out += value;
  }
  return out;
}
(function () {
  "use strict";
  var stamp = function () {  // the print date, for the header of a printed version
    var day = longDate(new Date(), document.documentElement.lang);
    document.querySelectorAll(".policy-print-date").forEach(function (el) { el.textContent = day; });
  };
  stamp();
  window.addEventListener("beforeprint", stamp);
  /* A link is built only from an address this site wrote, and only to a web page: http(s), or a
     relative address (resolved here, so "javascript:" or "data:" in any spelling is refused). */
  var webAddress = function (value) {
    var url;
    try { url = new URL(value || "", location.href); } catch (e) { return null; }
    return url.protocol === "https:" || url.protocol === "http:" || url.protocol === location.protocol ? url.href : null;
  };
  var anchor = document.querySelector("[data-root][data-labels]");
  if (!anchor || !window.fetch) { return; }
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var now = new Date();
  var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  var labels = JSON.parse(anchor.getAttribute("data-labels"));
  fetch(anchor.getAttribute("data-root") + "versions.json", {cache: "no-cache"})
    .then(function (answer) { return answer.json(); })
    .then(function (versions) {
      var inForce = null, never = {};
      versions.forEach(function (v) {
        if (v.status === "never in force") { never[v.version] = true; return; }
        if (inForce === null && v.effective <= today) { inForce = v.version; }
      });
      document.querySelectorAll(".policy-status[data-effective]").forEach(function (el) {
        var holder = el.closest("[data-version]");
        var version = holder ? holder.getAttribute("data-version") : null;
        var status = never[version] ? "never in force" : el.getAttribute("data-effective") > today ? "upcoming"
          : (version === inForce ? "in force" : "superseded");
        el.textContent = labels[status];
        el.className = "policy-status policy-status--" + status.replace(/ /g, "-");
      });
      document.querySelectorAll("[data-until]").forEach(function (el) {
        if (el.getAttribute("data-until") <= today) { el.hidden = true; }
      });
      document.querySelectorAll(".policy-notice--upcoming[data-effective]").forEach(function (el) {
        var href = webAddress(el.getAttribute("data-href"));
        if (el.getAttribute("data-effective") > today) { return; }
        if (el.getAttribute("data-version") !== inForce) { el.hidden = true; return; }  // replaced since
        if (href) {
          var p = el.querySelector("p");
          p.textContent = el.getAttribute("data-now") + " ";
          var a = document.createElement("a");
          a.href = href;
          a.textContent = el.getAttribute("data-read");
          p.appendChild(a);
        }
      });
      document.documentElement.setAttribute("data-policy-today", today);
    })
    .catch(function () { /* keep the build's status */ });
})();

/* The reader's place kept: the links to another version, view or language carry the section
   being read (the address's #section, which follows the reader as the contents do), and the
   compare page's language link its ?from&to. Set when a link is used, and once on load. */
(function () {
  "use strict";
  var KEPT = "a.policy-lang, .policy-links a[rel=prev], .policy-links a[rel=next], a.policy-changes-link, a.policy-full-text-link";
  var keep = function (a) {
    if (!a.hasAttribute("data-base")) { a.setAttribute("data-base", a.getAttribute("href") || ""); }
    var base = a.getAttribute("data-base").split("#")[0];
    var query = a.classList.contains("policy-lang") && document.getElementById("policy-compare") ? location.search : "";
    var hash = location.hash === "#policy-version-header" ? "" : location.hash;
    a.setAttribute("href", (query ? base.split("?")[0] + query : base) + hash);
  };
  var keepAll = function () { document.querySelectorAll(KEPT).forEach(keep); };
  ["pointerdown", "click", "auxclick", "contextmenu", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var a = event.target && event.target.closest ? event.target.closest(KEPT) : null;
      if (a) { keep(a); }
    }, true);
  });
  window.addEventListener("hashchange", keepAll);
  keepAll();
})();

/* "Changed since you last read it": the version in force when this browser last showed the
   policy, and the day, are kept in localStorage (nothing leaves the browser). A returning reader
   whose version has since been replaced is told once, with the comparison from that version to
   the one in force; the notice can be dismissed. Without storage, nothing is shown. */
(function () {
  "use strict";
  var box = document.getElementById("policy-since");
  var header = document.querySelector("[data-root][data-version]");
  if (!box || !header || !window.fetch) { return; }
  var store;
  try {
    store = window.localStorage;
    store.setItem("policy-probe", "1");
    store.removeItem("policy-probe");
  } catch (e) { return; }
  var compare = box.getAttribute("data-compare") || "";
  var key = "policy-last-read:" + new URL(compare || ".", location.href).href;
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var now = new Date();
  var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  fetch(header.getAttribute("data-root") + "versions.json", {cache: "no-cache"})
    .then(function (answer) { return answer.json(); })
    .then(function (versions) {
      var inForce = null;
      var known = {};
      versions.forEach(function (v) {
        known[v.version] = true;
        if (inForce === null && v.effective <= today) { inForce = v.version; }
      });
      if (inForce === null) { return; }
      var last = null;
      try { last = JSON.parse(store.getItem(key) || "null"); } catch (e) { last = null; }
      store.setItem(key, JSON.stringify({version: inForce, day: today}));
      if (!last || typeof last.version !== "string" || typeof last.day !== "string" ||
          last.version === inForce || !known[last.version] || !/^\d{4}-\d{2}-\d{2}$/.test(last.day)) { return; }
      var parts = last.day.split("-");
      var day = longDate(new Date(+parts[0], +parts[1] - 1, +parts[2]), document.documentElement.lang);
      var p = document.createElement("p");
      p.textContent = box.getAttribute("data-text").replace("{version}", last.version).replace("{date}", day) + " ";
      var a = document.createElement("a");
      a.href = compare + "?from=" + encodeURIComponent(last.version) + "&to=" + encodeURIComponent(inForce);
      a.textContent = box.getAttribute("data-link");
      p.appendChild(a);
      var close = document.createElement("button");
      close.type = "button";
      close.className = "policy-since__dismiss";
      close.setAttribute("aria-label", box.getAttribute("data-dismiss"));
      close.title = box.getAttribute("data-dismiss");
      close.textContent = "×";
      close.addEventListener("click", function () { box.hidden = true; });
      box.appendChild(p);
      box.appendChild(close);
      box.hidden = false;
    })
    .catch(function () { /* no notice */ });
})();
