/* The status of each version on the day the page is read, not the day it was built.
   The page carries the build's status (the fallback without JavaScript); this recomputes it
   from the effective dates in versions.json: in force is the newest version whose date has
   come, upcoming a later date, superseded the rest; a version replaced before its own date
   stays "never in force" whatever the day. Exactly one version is in force on any day once the
   first date has come. No third party, no cookies. */
(function () {
  "use strict";
  var stamp = function () {  // the print date, for the header of a printed version
    var day = new Date().toLocaleDateString(document.documentElement.lang || undefined,
                                             {year: "numeric", month: "long", day: "numeric"});
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
