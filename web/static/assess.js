// Capability assessment form: a running total and subtotals as items are
// answered, and, once all 26 are, the grade as the server's scorer computes it
// (POST /api/v1/assess/score, which stores nothing). The saved result is always
// scored again on the server. Also the report's print button. The form works
// without this file.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  var en = (document.documentElement.lang || "").indexOf("en") === 0;

  // localMsg cuts a "中文 (English)" message to the page's language.
  function localMsg(m) {
    var i = m.lastIndexOf(" (");
    if (i < 0 || m.charAt(m.length - 1) !== ")") return m;
    return en ? m.slice(i + 2, -1) : m.slice(0, i);
  }

  function setText(el, t) { if (el) el.textContent = t; }

  ready(function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });

    var form = document.getElementById("assess-form");
    if (!form) return;
    var bar = document.getElementById("assess-bar");
    var bands = [];
    try { bands = JSON.parse(form.getAttribute("data-bands") || "[]"); } catch (e) { bands = []; }
    var items = form.querySelectorAll("fieldset.item");
    var csrf = form.querySelector("input[name=csrf_token]");
    var out = {
      total: document.getElementById("a-total"),
      answered: document.getElementById("a-answered"),
      final: document.getElementById("a-final"),
      pre: document.getElementById("a-pre"),
      msg: document.getElementById("a-msg")
    };
    bar.hidden = false;

    function band(grade) {
      for (var i = 0; i < bands.length; i++) if (bands[i].grade === grade) return bands[i];
      return null;
    }
    function bandFor(total) {
      for (var i = 0; i < bands.length; i++) if (total >= bands[i].min && total <= bands[i].max) return bands[i];
      return null;
    }

    function collect() {
      var st = { answers: {}, dims: {}, answered: 0, total: 0, first: null };
      Array.prototype.forEach.call(items, function (fs) {
        var dim = fs.getAttribute("data-dim");
        if (!(dim in st.dims)) st.dims[dim] = 0;
        var c = fs.querySelector("input[type=radio]:checked");
        fs.classList.toggle("done", !!c);
        if (c) {
          var v = parseInt(c.value, 10);
          st.answers[fs.getAttribute("data-code")] = v;
          st.dims[dim] += v;
          st.total += v;
          st.answered++;
        } else if (!st.first) {
          st.first = fs;
        }
      });
      return st;
    }

    function adjustments() {
      var adj = {
        coma: !!form.querySelector("input[name=coma]:checked"),
        dementia: !!form.querySelector("input[name=dementia]:checked"),
        mental_disorder: !!form.querySelector("input[name=mental_disorder]:checked"),
        risk_events: []
      };
      for (var i = 0; ; i++) {
        var k = form.querySelector("[name=risk_kind_" + i + "]");
        var d = form.querySelector("[name=risk_date_" + i + "]");
        if (!k || !d) break;
        if (k.value && d.value) adj.risk_events.push({ kind: k.value, date: d.value });
      }
      return adj;
    }

    var seq = 0, timer = null;
    function score(st) {
      var my = ++seq;
      var body = { answers: st.answers, adjustments: adjustments() };
      var on = form.querySelector("[name=assessed_on]");
      if (on && on.value) body.assessed_on = on.value;
      var headers = { "Content-Type": "application/json" };
      if (csrf) headers["X-CSRF-Token"] = csrf.value;
      fetch("/api/v1/assess/score", { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
        .then(function (res) {
          if (my !== seq) return;
          if (!res.ok) {
            setText(out.final, "–");
            setText(out.msg, localMsg(res.j.message || ""));
            return;
          }
          var b = band(res.j.final_grade);
          setText(out.final, b ? b.name : res.j.final_grade_name);
          var notes = (res.j.reasons || []).map(function (r) { return en ? r.en : r.zh; });
          setText(out.msg, notes.join(en ? " " : "；"));
        })
        .catch(function () { if (my === seq) setText(out.msg, ""); });
    }

    function update() {
      var st = collect();
      Object.keys(st.dims).forEach(function (d) {
        setText(form.querySelector("[data-sub='" + d + "']"), String(st.dims[d]));
      });
      setText(out.total, String(st.total));
      setText(out.answered, String(st.answered));
      clearTimeout(timer);
      if (st.answered === items.length) {
        var b = bandFor(st.total);
        setText(out.pre, b ? (en ? "(by total: " + b.name + ")" : "（按总分：" + b.name + "）") : "");
        timer = setTimeout(function () { score(st); }, 200);
      } else {
        seq++;
        setText(out.final, "–");
        setText(out.pre, "");
        var left = items.length - st.answered;
        setText(out.msg, en ? left + " item(s) still to answer" : "还有" + left + "项未评");
      }
      return st;
    }

    form.addEventListener("change", update);
    document.getElementById("a-next").addEventListener("click", function () {
      var st = collect();
      var target = st.first || document.getElementById("adjustments");
      target.scrollIntoView({ behavior: "smooth", block: "start" });
      var input = target.querySelector("input");
      if (input) input.focus({ preventScroll: true });
    });
    update();
  });
})();
