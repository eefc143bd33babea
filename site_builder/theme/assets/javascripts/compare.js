/* Compare any two versions. A pair the site already compares (a release against the one before: its
   changes page, listed in data-pairs) is shown as that page shows it, so both mark the same words.
   Any other pair is compared here, from the data every version page publishes (compare.json):
   sections by id, blocks aligned by their words, similar blocks paired, words marked with <ins>/<del>;
   jsdiff (vendored, BSD) does the diffs. The URL (?from=1.0&to=2.0) can be shared. Opens on the pair
   in data-from/data-to (in force -> newest). Nothing leaves this site. */
(function () {
  "use strict";
  var box = document.getElementById("policy-compare");
  var form = document.querySelector(".policy-compare-form");
  if (!box || !form || !window.Diff || !window.fetch) { return; }
  var root = box.getAttribute("data-root");
  var lang = box.getAttribute("data-lang");
  var L = JSON.parse(box.getAttribute("data-labels"));
  var PAIRS = JSON.parse(box.getAttribute("data-pairs") || "{}");

  var esc = function (s) {
    return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}[c]; });
  };
  /* The HTML built here is parsed inert (a <template> runs nothing, loads nothing) and keeps only what
     this script and the site's sanitiser write: these tags, these attributes, links to web pages, mail
     or this page. Whatever compare.json holds, nothing in it runs. */
  var TAGS = /^(A|ABBR|B|BLOCKQUOTE|BR|CODE|DEL|DIV|EM|H[1-6]|HR|I|INS|LI|OL|P|PRE|S|SECTION|SPAN|STRONG|SUB|SUP|TABLE|TBODY|TD|TH|THEAD|TR|UL)$/;
  var ATTRS = /^(class|id|lang|title|hreflang|start|scope|style|data-section|href)$/;
  var safeLink = function (value) {
    if (/^#/.test(value)) { return true; }
    try { return /^(https?|mailto):$/.test(new URL(value, location.href).protocol); } catch (e) { return false; }
  };
  var inert = function (html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    Array.prototype.slice.call(tpl.content.querySelectorAll("*")).forEach(function (el) {
      if (!TAGS.test(el.tagName)) { el.replaceWith(document.createTextNode(el.textContent)); return; }
      Array.prototype.slice.call(el.attributes).forEach(function (at) {
        if (!ATTRS.test(at.name) || (at.name === "href" && !safeLink(at.value))) { el.removeAttribute(at.name); }
      });
    });
    return tpl.content;
  };
  var mark = function (tag, label, s) {
    return "<" + tag + "><span class=\"visually-hidden\">" + esc(label) + "</span>" + s + "</" + tag + ">";
  };
  var ins = function (s) { return s.trim() ? mark("ins", L.ins_label, s) : s; };
  var del = function (s) { return s.trim() ? mark("del", L.del_label, s) : s; };
  var words = function (text) { return text.match(/[\p{L}\p{N}_]+/gu) || []; };

  var ratio = function (x, y) {
    var common = 0;
    Diff.diffArrays(x, y).forEach(function (p) { if (!p.added && !p.removed) { common += p.count; } });
    return {common: common, ratio: 2 * common / (x.length + y.length)};
  };
  /* The site's rule (compare/diffing.py _similar): a paragraph that became a list item with its words is
     the same text; an item that kept most of its words and gained a clause is an edit. */
  var TEXT_KINDS = {paragraph: true, item: true};
  var similar = function (a, b) {
    var x = words(a.t), y = words(b.t);
    if (!x.length || !y.length) { return !x.length && !y.length && a.k === "cell" && b.k === "cell"; }
    var r = ratio(x, y);
    if (a.k !== b.k) { return TEXT_KINDS[a.k] && TEXT_KINDS[b.k] && r.ratio >= 0.8; }
    return r.ratio >= 0.4 || r.common / Math.min(x.length, y.length) >= 0.6;
  };

  /* Words (any script: Greek too) or marks, each with the space after it, as the site's own diff
     cuts them; spacing alone is no change, and so is typography (quotes, dashes, spaces), which the
     site names in a note instead of marking. */
  var tokens = function (text) { return text.match(/[\p{L}\p{N}_]+\s*|(?:[-.\u2010-\u2015\u2212]+|[^\p{L}\p{N}_\s])\s*|\s+/gu) || []; };
  var fold = function (s) {
    return s.trim().replace(/[\u2018\u2019\u201a\u201b\u2032`\u00b4]/g, "'").replace(/[\u201c-\u201f\u2033\u00ab\u00bb]/g, "\"")
      .replace(/[\u2010-\u2015\u2212]/g, "-").replace(/\u2026/g, "...").replace(/-+/g, "-");
  };
  var visible = function (s) { return s.replace(/[ \t\r\n]+/g, " ").trim(); };
  var size = function (list) { return list.join("").trim().length; };
  /* diff-match-patch's semantic clean-up on words, as the site does it: a kept run no longer than the
     changes on both sides of it is a coincidence ("the", ", ") and joins them. */
  var cleanup = function (parts) {
    var runs = [];
    parts.forEach(function (p) {
      var last = runs[runs.length - 1];
      if (p.added || p.removed) {
        if (!last || last.equal) { last = {equal: false, olds: [], news: []}; runs.push(last); }
        if (p.removed) { last.olds = last.olds.concat(p.value); } else { last.news = last.news.concat(p.value); }
      } else {
        runs.push({equal: true, olds: p.value.slice(), news: p.value.slice()});
      }
      while (runs.length >= 3 && !runs[runs.length - 1].equal && runs[runs.length - 2].equal && !runs[runs.length - 3].equal) {
        var before = runs[runs.length - 3], kept = runs[runs.length - 2], after = runs[runs.length - 1];
        var n = size(kept.news);
        if (n > Math.max(size(before.olds), size(before.news)) || n > Math.max(size(after.olds), size(after.news))) { break; }
        runs.splice(runs.length - 3, 3, {equal: false, olds: before.olds.concat(kept.olds, after.olds),
          news: before.news.concat(kept.news, after.news)});
      }
    });
    return runs;
  };
  var wordMarks = function (a, b) {
    var olds = tokens(a), news = tokens(b), typography = false, reworded = false, out = [];
    var same = function (x, y) { return fold(x) === fold(y); };
    /* diffArrays gives kept runs in the new form; the old form is found again by position. */
    var i = 0, j = 0;
    var parts = Diff.diffArrays(olds, news, {comparator: same}).map(function (p) {
      var n = p.count;
      var part = {added: p.added, removed: p.removed, value: p.added ? news.slice(j, j + n) : olds.slice(i, i + n)};
      if (!p.added && !p.removed) {
        part.value = news.slice(j, j + n);
        if (visible(olds.slice(i, i + n).join("")) !== visible(part.value.join(""))) { typography = true; }
        i += n; j += n;
      } else if (p.added) { j += n; } else { i += n; }
      return part;
    });
    cleanup(parts).forEach(function (run) {
      if (run.equal) { out.push(esc(run.news.join(""))); return; }
      reworded = true;
      out.push(del(esc(run.olds.join(""))) + ins(esc(run.news.join(""))));
    });
    var note = typography ? " <span class=\"policy-typography-note\">" + esc(L[reworded ? "typography.also" : "typography.only"]) + "</span>" : "";
    return out.join("") + note;
  };

  /* rows: {op, o (old block), n (new block)}; op is "=", "-", "+" or "~" (a changed pair) */
  var align = function (olds, news) {
    var rows = [], i = 0, j = 0;
    var parts = Diff.diffArrays(olds.map(function (b) { return b.t; }), news.map(function (b) { return b.t; }));
    var pending = [];
    var flush = function (removed, added) {
      var k = 0;
      removed.forEach(function (o) {
        var found = -1;
        for (var m = k; m < added.length; m++) { if (similar(o, added[m])) { found = m; break; } }
        if (found < 0) { rows.push({op: "-", o: o}); return; }
        for (; k < found; k++) { rows.push({op: "+", n: added[k]}); }
        rows.push({op: "~", o: o, n: added[found]});
        k = found + 1;
      });
      for (; k < added.length; k++) { rows.push({op: "+", n: added[k]}); }
    };
    parts.forEach(function (p) {
      if (p.removed) { pending.push(olds.slice(i, i + p.count)); i += p.count; return; }
      if (p.added) {
        var removed = pending.length ? pending.pop() : [];
        flush(removed, news.slice(j, j + p.count)); j += p.count; return;
      }
      pending.forEach(function (r) { flush(r, []); });
      pending = [];
      for (var m = 0; m < p.count; m++) { rows.push({op: "=", o: olds[i + m], n: news[j + m]}); }
      i += p.count; j += p.count;
    });
    pending.forEach(function (r) { flush(r, []); });
    return rows;
  };

  var renderRows = function (rows) {
    var out = [], open = "";
    rows.forEach(function (row) {
      var b = row.n || row.o;
      var html = function (block) { return block.h || esc(block.t); };
      var inner = row.op === "=" ? html(row.n) : row.op === "~" ? wordMarks(row.o.t, row.n.t)
        : row.op === "+" ? ins(html(row.n)) : del(html(row.o));
      var list = b.k === "item" ? (b.l || "ul") : "";
      if (open && open !== list) { out.push("</" + open + ">"); open = ""; }
      if (list && !open) { out.push("<" + list + ">"); open = list; }
      var cls = row.op === "=" ? "" : " class=\"policy-block--" + {"+": "added", "-": "removed", "~": "changed"}[row.op] + "\"";
      if (b.k === "heading") { var tag = b.g || "h3"; out.push("<" + tag + cls + ">" + inner + "</" + tag + ">"); }
      else if (list) { out.push("<li" + cls + ">" + inner + "</li>"); }
      else { out.push("<p" + cls + ">" + inner + "</p>"); }
    });
    if (open) { out.push("</" + open + ">"); }
    return out.join("");
  };

  var heading = function (s) { return (s.n ? s.n + ". " : "") + s.title; };

  var compare = function (A, B) {
    var olds = {}, seen = {}, html = [], list = [];
    A.sections.forEach(function (s) { olds[s.id] = s; });
    var one = function (o, n) {
      var rows = align(o ? o.b : [], n ? n.b : []);
      var changed = rows.some(function (r) { return r.op !== "="; });
      var retitled = o && n && o.title !== n.title;
      if (!changed && !retitled) { return; }
      var s = n || o, status = !o ? "added" : !n ? "removed" : "changed";
      var badge = L["sec." + status] + (retitled ? ", " + L["sec.retitled"] : "");
      list.push("<li><a href=\"#" + esc(s.id) + "\">" + esc(heading(s)) + "</a> — " + esc(badge) + "</li>");
      html.push("<section class=\"policy-change policy-change--" + status + "\" data-section=\"" + esc(s.id) + "\">"
        + "<h2 id=\"" + esc(s.id) + "\">" + esc(heading(s)) + " <span class=\"policy-badge\">" + esc(badge) + "</span></h2>"
        + "<div class=\"policy-diff\">" + renderRows(rows) + "</div></section>");
    };
    B.sections.forEach(function (n) { seen[n.id] = true; one(olds[n.id], n); });
    A.sections.forEach(function (o) { if (!seen[o.id]) { one(o, null); } });
    var head = title(A.version, B.version);
    return html.length ? head + "<ul class=\"policy-change-list\">" + list.join("") + "</ul>" + html.join("")
      : head + "<p>" + esc(L["compare.same"]) + "</p>";
  };

  var load = function (version) {
    return fetch(root + lang + "/" + encodeURIComponent(version) + "/compare.json").then(function (answer) {
      if (!answer.ok) { throw new Error(answer.status); }
      return answer.json();
    });
  };

  /* The site's own comparison of a pair: the changes page's list and sections, links made absolute
     (they were written for that page's folder), then kept inert like everything shown here. */
  var title = function (from, to) {
    return "<p class=\"policy-against\">" + esc(L["compare.against"].replace("{from}", from).replace("{to}", to)) + "</p>";
  };
  var served = function (from, to, address) {
    var page = new URL(address, location.href);
    return fetch(page.href).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.status); }
      return answer.text();
    }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      var parts = doc.querySelectorAll("article .policy-notice--fallback, article .policy-change-list, article section.policy-change");
      Array.prototype.forEach.call(doc.querySelectorAll("article a[href]"), function (a) {
        var href = a.getAttribute("href");
        if (!/^#/.test(href)) { a.setAttribute("href", new URL(href, page.href).href); }
      });
      var html = Array.prototype.map.call(parts, function (el) { return el.outerHTML; }).join("");
      return title(from, to) + (html || "<p>" + esc(L["compare.same"]) + "</p>");
    });
  };

  var run = function (from, to) {
    var started = performance.now();
    var own = PAIRS[from + ">" + to];
    box.textContent = L["compare.loading"];
    box.removeAttribute("data-ms");
    var done = own ? served(from, to, own) : Promise.all([load(from), load(to)]).then(function (pair) { return compare(pair[0], pair[1]); });
    done.then(function (html) {
      box.replaceChildren(inert(html));
      box.setAttribute("data-source", own ? "site" : "browser");
      box.setAttribute("data-ms", String(Math.round(performance.now() - started)));
    }).catch(function () { box.textContent = L["compare.failed"]; });
  };

  var params = new URLSearchParams(location.search);
  var chosen = function (name) {
    var value = params.get(name) || box.getAttribute("data-" + name);
    var known = Array.prototype.some.call(form.elements[name].options, function (o) { return o.value === value; });
    if (known) { form.elements[name].value = value; }
  };
  chosen("from");
  chosen("to");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var from = form.elements.from.value, to = form.elements.to.value;
    history.replaceState(null, "", "?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to));
    run(from, to);
  });
  if (form.elements.from.value && form.elements.to.value) { run(form.elements.from.value, form.elements.to.value); }
})();
