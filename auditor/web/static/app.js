/* auditor serve: the guided form and its live results.
 *
 * The scenario being edited is kept as the same data a scenario file holds
 * (state.scenario); what-if controls are applied to a copy just before each
 * audit. Every value shown is written with textContent or as an attribute,
 * never as HTML, so nothing typed or uploaded can become markup.
 */
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var app = $("app");
  var state = null;          // {example, scenario, cases, whatif, draws, seed}
  var original = null;       // the judgement table of the loaded scenario ("as the scenario says")
  var lastResult = null;
  var timer = null, seq = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  function num(text) {
    // A plain number stays a number in the scenario; anything else is sent as typed, for the
    // server to read (money such as "£17.8m") or to refuse in the command line's words.
    var t = String(text).trim();
    return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
  }
  function money(x) {
    if (x === null || x === undefined || !isFinite(x)) return "n/a";
    var a = Math.abs(x), s = x < 0 ? "−" : "";
    if (a >= 1e9) return s + "£" + (a / 1e9).toFixed(1) + "bn";
    if (a >= 1e6) return s + "£" + (a / 1e6).toFixed(1) + "m";
    if (a >= 1e3) return s + "£" + Math.round(a / 1e3) + "k";
    return s + "£" + Math.round(a);
  }
  function pct(p) {
    if (p === 0) return "0%";
    if (p < 0.005) return "under 1%";
    if (p > 0.995 && p < 1) return "over 99%";
    return Math.round(p * 100) + "%";
  }

  // ---- state <-> link ------------------------------------------------------
  function encodeState() {
    var bytes = new TextEncoder().encode(JSON.stringify(state));
    var bin = "";
    bytes.forEach(function (b) { bin += String.fromCharCode(b); });
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function decodeState(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return JSON.parse(new TextDecoder().decode(bytes));
  }
  function saveLink() {
    try { history.replaceState(null, "", "#s=" + encodeState()); } catch (e) { /* a very long state: no link */ }
  }

  // ---- loading -------------------------------------------------------------
  function loadExample(key) {
    return fetch("/api/examples/" + encodeURIComponent(key)).then(function (r) { return r.json(); })
      .then(function (ex) {
        state = {example: key, scenario: ex.scenario, cases: ex.cases || {}, original: ex.scenario.judgement || null,
                 whatif: {reading: "own", theta: 0.9, year: "", takeup: null, costScale: 1, prior: null},
                 draws: Number(app.dataset.draws), seed: Number(app.dataset.seed)};
        start();
      });
  }
  function start() {
    original = state.original;
    $("example").value = state.example || "";
    showCouncil();
    renderForm();
    renderWhatif();
    schedule(0);
  }

  // ---- the form ------------------------------------------------------------
  function bind(input, get, set) {
    input.value = get() === undefined || get() === null ? "" : get();
    // Properties, not listeners: re-rendering the form replaces the handlers instead of piling them up.
    input.oninput = function () { set(input.value); schedule(); };
    input.onchange = input.oninput;
  }
  function renderForm() {
    var sc = state.scenario;
    sc.scenario = sc.scenario || {};
    sc.claim = sc.claim || {};
    bind($("title"), function () { return sc.scenario.title; }, function (v) { sc.scenario.title = v; });
    bind($("claim-low"), function () { return sc.claim.low; }, function (v) { sc.claim.low = num(v); });
    bind($("claim-high"), function () { return sc.claim.high; }, function (v) { sc.claim.high = num(v); });
    bind($("claim-per"), function () { return sc.claim.per || "year"; }, function (v) { sc.claim.per = v; });
    bind($("claim-horizon"), function () { return sc.claim.horizon_years || 1; },
         function (v) { sc.claim.horizon_years = num(v); });
    bind($("draws"), function () { return state.draws; }, function (v) { state.draws = num(v.replace(/,/g, "")); });
    bind($("seed"), function () { return state.seed; }, function (v) { state.seed = num(v.replace(/,/g, "")); });
    renderSettings();
    renderReview();
  }

  function costEditor(box, key, setting) {
    var cost = setting.cost, f = "settings." + key + ".cost";
    var row = el("div", {"class": "row"});
    function field(label, get, set) {
      var d = el("div"), id = "cost-" + key + "-" + label.replace(/\W+/g, "");
      d.appendChild(el("label", {"for": id}, label));
      var i = el("input", {id: id, "data-field": f, inputmode: "decimal"});
      bind(i, get, set);
      d.appendChild(i);
      row.appendChild(d);
    }
    if (typeof cost === "number" || typeof cost === "string") {
      field("Cost a year", function () { return setting.cost; }, function (v) { setting.cost = num(v); });
    } else if (cost && typeof cost === "object" && ["uniform", "triangular", "pert"].indexOf(cost.dist) >= 0) {
      field("Cost a year, from", function () { return cost.low; }, function (v) { cost.low = num(v); });
      if (cost.dist !== "uniform") field("most likely", function () { return cost.mode; }, function (v) { cost.mode = num(v); });
      field("to", function () { return cost.high; }, function (v) { cost.high = num(v); });
    } else {
      box.appendChild(el("p", {"class": "muted small", "data-field": f},
        "Cost: a " + (cost && cost.dist) + " distribution (change it in the scenario file)."));
    }
    box.appendChild(row);
    var src = cost && typeof cost === "object" && cost.source;
    if (src) box.appendChild(el("p", {"class": "source"}, "Cost source: " + src));
  }

  function renderSettings() {
    var box = $("settings");
    box.textContent = "";
    var settings = state.scenario.settings || {};
    Object.keys(settings).forEach(function (key) {
      var s = settings[key];
      var d = el("div", {"class": "setting", "data-field": "settings." + key});
      d.appendChild(el("h3", {}, s.label || key));
      var row = el("div", {"class": "row"});
      var c = el("div");
      c.appendChild(el("label", {"for": "cohort-" + key}, "Children with an EHC plan here"));
      var i = el("input", {id: "cohort-" + key, "data-field": "settings." + key + ".cohort", inputmode: "numeric"});
      bind(i, function () { return s.cohort; }, function (v) { s.cohort = num(v.replace(/,/g, "")); });
      c.appendChild(i);
      row.appendChild(c);
      d.appendChild(row);
      costEditor(d, key, s);
      if (s.source) d.appendChild(el("p", {"class": "source"}, "Children: " + s.source));
      box.appendChild(d);
    });
  }

  function settingSelect(value, field, onchange) {
    var sel = el("select", {"data-field": field});
    Object.keys(state.scenario.settings || {}).forEach(function (k) {
      var o = el("option", {value: k}, (state.scenario.settings[k].label || k));
      sel.appendChild(o);
    });
    sel.value = value;
    sel.addEventListener("change", function () { onchange(sel.value); schedule(); });
    return sel;
  }

  function reviewForm() {
    var s = state.scenario.sample || {};
    return s.cases !== undefined ? "cases" : s.reported !== undefined ? "reported" : "transitions";
  }

  function renderReview() {
    var box = $("review"), sample = state.scenario.sample = state.scenario.sample || {};
    var form = reviewForm();
    document.querySelectorAll("input[name=review-form]").forEach(function (r) { r.checked = r.value === form; });
    box.textContent = "";
    if (form === "transitions") {
      box.appendChild(el("p", {"class": "help"}, "One line for each pair: how many reviewed children in the first kind " +
        "of school the panel judged would be best placed in the second (the same kind twice: already in the right place)."));
      var t = el("table", {"class": "grid-table"});
      var hr = el("tr");
      ["Now in", "Judged best in", "Children", ""].forEach(function (h) { hr.appendChild(el("th", {}, h)); });
      t.appendChild(hr);
      (sample.transitions || []).forEach(function (tr, i) {
        var r = el("tr"), f = "sample.transitions[" + i + "]";
        var a = el("td"); a.appendChild(settingSelect(tr.from, f + ".from", function (v) { tr.from = v; })); r.appendChild(a);
        var b = el("td"); b.appendChild(settingSelect(tr.to, f + ".to", function (v) { tr.to = v; })); r.appendChild(b);
        var c = el("td"), inp = el("input", {"data-field": f + ".count", inputmode: "numeric", "aria-label": "Children"});
        bind(inp, function () { return tr.count; }, function (v) { tr.count = num(v); });
        c.appendChild(inp); r.appendChild(c);
        var d = el("td"), del = el("button", {type: "button", "class": "small secondary", "aria-label": "Remove this line"}, "✕");
        del.addEventListener("click", function () { sample.transitions.splice(i, 1); renderReview(); schedule(); });
        d.appendChild(del); r.appendChild(d);
        t.appendChild(r);
      });
      box.appendChild(t);
      var add = el("button", {type: "button", "class": "secondary"}, "Add a line");
      add.addEventListener("click", function () {
        var k = Object.keys(state.scenario.settings || {})[0];
        sample.transitions = sample.transitions || [];
        sample.transitions.push({from: k, to: k, count: 1});
        renderReview(); schedule();
      });
      box.appendChild(add);
    } else if (form === "reported") {
      box.appendChild(el("p", {"class": "help"}, "One line per published finding, e.g. “about two thirds of the " +
        "independent special school pupils reviewed could be in mainstream”. Shares may be written 2/3, 67% or 0.67. " +
        "When the number of reviewed children in a group was not published, give the range it could be."));
      var nl = el("label", {"for": "sample-n"}, "Children reviewed in all");
      var n = el("input", {id: "sample-n", "data-field": "sample.n", inputmode: "numeric"});
      bind(n, function () { return sample.n; }, function (v) { sample.n = num(v); });
      box.appendChild(nl); box.appendChild(n);
      (sample.reported || []).forEach(function (rp, i) {
        var f = "sample.reported[" + i + "]";
        var d = el("div", {"class": "setting", "data-field": f});
        var row = el("div", {"class": "row"});
        var a = el("div"); a.appendChild(el("label", {}, "Of the children in"));
        a.appendChild(settingSelect(rp.current, f + ".current", function (v) { rp.current = v; })); row.appendChild(a);
        var b = el("div"); b.appendChild(el("label", {}, "judged best in"));
        b.appendChild(settingSelect(rp.ideal, f + ".ideal", function (v) { rp.ideal = v; })); row.appendChild(b);
        var c = el("div"), isCount = rp.count !== undefined;
        c.appendChild(el("label", {}, isCount ? "how many" : "what share"));
        var v = el("input", {"data-field": f + (isCount ? ".count" : ".share")});
        bind(v, function () { return isCount ? rp.count : rp.share; },
             function (x) { if (isCount) rp.count = num(x); else rp.share = num(x); });
        c.appendChild(v); row.appendChild(c);
        d.appendChild(row);
        if (rp.note) d.appendChild(el("p", {"class": "source"}, rp.note));
        box.appendChild(d);
      });
    } else {
      box.appendChild(el("p", {"class": "help"}, "A CSV file with the columns case_id,current,ideal (and " +
        "optionally reason), one row per reviewed child. The kinds of school must match the names in step 4. The file " +
        "stays on this computer."));
      var names = Object.keys(state.cases || {});
      var lab = el("label", {"for": "cases-file"}, names.length ? "Case list: " + names[0] +
        " (" + (state.cases[names[0]].trim().split(/\r?\n/).length - 1) + " cases). Replace it:" : "Case list (CSV)");
      var file = el("input", {type: "file", id: "cases-file", accept: ".csv,text/csv", "data-field": "sample.cases"});
      file.addEventListener("change", function () {
        var f = file.files[0];
        if (!f) return;
        f.text().then(function (text) {
          state.cases = {};
          state.cases[f.name] = text;
          sample.cases = f.name;
          renderReview(); schedule(0);
        });
      });
      box.appendChild(lab); box.appendChild(file);
    }
    $("download-cases").hidden = form !== "cases";
  }

  function switchReview(form) {
    var sample = state.scenario.sample = state.scenario.sample || {};
    var keys = Object.keys(state.scenario.settings || {});
    delete sample.cases; delete sample.reported; delete sample.transitions; delete sample.n;
    if (form === "transitions") {
      sample.transitions = keys.map(function (k) { return {from: k, to: k, count: 1}; });
    } else if (form === "reported") {
      sample.method = "bayes";
      sample.n = 10;
      sample.reported = [{current: keys[keys.length - 1], ideal: keys[0], share: "1/2"}];
    } else {
      sample.cases = Object.keys(state.cases || {})[0] || "cases.csv";
    }
    renderReview(); schedule(0);
  }

  // ---- councils ------------------------------------------------------------
  var councils = [];
  function loadCouncils(year) {
    return fetch("/api/councils" + (year ? "?year=" + year : "")).then(function (r) { return r.json(); })
      .then(function (data) {
        var list = $("council-list"), years = $("census-year");
        if (!data.available) {
          $("council-status").textContent = "This copy of auditor has no council data; type the numbers in step 4.";
          $("fill-council").disabled = true;
          return;
        }
        councils = data.councils || [];
        list.textContent = "";
        councils.forEach(function (c) { list.appendChild(el("option", {value: c.name + " (" + c.code + ")"})); });
        if (!years.options.length) {
          data.years.slice().reverse().forEach(function (y) { years.appendChild(el("option", {value: y}, y)); });
          years.value = data.year;
        }
        showCouncil();
      });
  }
  function showCouncil() {
    // A scenario that names its council and January shows them in the picker.
    var meta = state && state.scenario && state.scenario.scenario;
    if (!meta || !councils.length) return;
    var c = councils.filter(function (x) { return x.code === String(meta.la_code); })[0];
    if (c) $("council").value = c.name + " (" + c.code + ")";
    if (meta.census_year && $("census-year").querySelector('option[value="' + meta.census_year + '"]'))
      $("census-year").value = String(meta.census_year);
  }
  function fillCouncil() {
    var text = $("council").value.trim(), m = text.match(/\((\d{3})\)\s*$/);
    var found = councils.filter(function (c) { return (m && c.code === m[1]) || c.name.toLowerCase() === text.toLowerCase(); })[0];
    if (!found) { $("council-status").textContent = "Pick a council from the list (start typing its name)."; return; }
    var keys = Object.keys(state.scenario.settings || {});
    fetch("/api/councils/" + found.code + "?year=" + $("census-year").value + "&settings=" + keys.join(","))
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (res) {
        if (!res.ok) { $("council-status").textContent = res.body.error; return; }
        var d = res.body, filled = [];
        Object.keys(d.cohorts).forEach(function (k) {
          if (d.cohorts[k] === null || d.cohorts[k] === undefined) return;
          var s = state.scenario.settings[k];
          s.cohort = d.cohorts[k];
          s.source = d.source;
          filled.push((s.label || k) + " " + d.cohorts[k].toLocaleString("en-GB"));
        });
        state.scenario.scenario.authority = d.name;
        if (d.scenario_keys) {  // recorded so `auditor validate` can check the cohorts against DfE's figures
          state.scenario.scenario.la_code = d.code;
          state.scenario.scenario.census_year = d.year;
        }
        renderSettings();
        $("council-status").textContent = "Filled from DfE, January " + d.year + ": " + filled.join("; ") +
          (d.unmatched.length ? ". Not matched (type these yourself): " + d.unmatched.join(", ") : ".");
        schedule(0);
      });
  }

  // ---- what-if -------------------------------------------------------------
  function renderWhatif() {
    var w = state.whatif, sc = state.scenario;
    $("reading").value = w.reading;
    $("theta").value = w.theta;
    $("tribunal-year").value = w.year || "";
    var r = sc.implementation && sc.implementation.realisation;
    $("takeup").value = w.takeup !== null ? w.takeup : (typeof r === "number" ? r : 1);
    $("cost-scale").value = w.costScale;
    $("prior").value = w.prior !== null ? String(w.prior) : "";
    updateOutputs();
  }
  function updateOutputs() {
    var w = state.whatif, sc = state.scenario;
    $("theta-row").hidden = w.reading !== "fixed";
    $("theta-out").textContent = Math.round(w.theta * 100) + "%";
    var r = sc.implementation && sc.implementation.realisation;
    $("takeup-out").textContent = w.takeup !== null ? Math.round(w.takeup * 100) + "%" :
      (typeof r === "number" ? Math.round(r * 100) + "% (as the scenario says)" : "as the scenario says (a range)");
    $("cost-out").textContent = w.costScale === 1 ? "as sourced" : "× " + w.costScale.toFixed(2);
    var usesEvidence = effectiveJudgement() && effectiveJudgement().evidence !== undefined;
    $("tribunal-year").disabled = !usesEvidence;
  }
  function effectiveJudgement() {
    var w = state.whatif;
    if (w.reading === "face_value") return {model: "face_value"};
    if (w.reading === "fixed") return {model: "fixed", theta: Number(w.theta)};
    var j = original ? clone(original) : {model: "face_value"};
    if (w.year && j.evidence !== undefined) j.evidence = w.year;
    return j;
  }
  function scaleCost(c, k) {
    if (typeof c === "number") return c * k;
    if (c && typeof c === "object") {
      var out = clone(c);
      ["low", "high", "mode", "mean", "sd", "median"].forEach(function (f) { if (typeof out[f] === "number") out[f] = out[f] * k; });
      return out;
    }
    return c;
  }
  function effective() {
    var sc = clone(state.scenario), w = state.whatif;
    sc.judgement = effectiveJudgement();
    if (w.takeup !== null) { sc.implementation = sc.implementation || {}; sc.implementation.realisation = Number(w.takeup); }
    if (w.costScale !== 1) {
      Object.keys(sc.settings || {}).forEach(function (k) {
        sc.settings[k].cost = scaleCost(sc.settings[k].cost, w.costScale);
        sc.settings[k].note = "Costs scaled by " + w.costScale.toFixed(2) + " from the sourced figures (what-if in auditor serve)";
      });
    }
    if (w.prior !== null && sc.sample) sc.sample.prior = w.prior;  // a named prior the loader knows
    return {scenario: sc, cases: state.cases, draws: state.draws, seed: state.seed};
  }
  function bindWhatif() {
    $("reading").addEventListener("change", function () { state.whatif.reading = this.value; updateOutputs(); schedule(0); });
    $("theta").addEventListener("input", function () { state.whatif.theta = Number(this.value); updateOutputs(); schedule(); });
    $("tribunal-year").addEventListener("change", function () { state.whatif.year = this.value; schedule(0); });
    $("takeup").addEventListener("input", function () { state.whatif.takeup = Number(this.value); updateOutputs(); schedule(); });
    $("cost-scale").addEventListener("input", function () { state.whatif.costScale = Number(this.value); updateOutputs(); schedule(); });
    $("prior").addEventListener("change", function () { state.whatif.prior = this.value || null; schedule(0); });
  }

  // ---- audit ---------------------------------------------------------------
  function schedule(delay) {
    clearTimeout(timer);
    $("verdict-card").classList.add("stale");
    timer = setTimeout(runAudit, delay === undefined ? 250 : delay);
  }
  function clearErrors() {
    document.querySelectorAll(".error.field").forEach(function (e) { e.remove(); });
    document.querySelectorAll("[aria-invalid=true]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    $("global-error").hidden = true;
  }
  function fieldFor(err) {
    if (err.field === null || err.field === undefined) {
      if (state.cases && err.error && Object.keys(state.cases).some(function (n) { return err.error.indexOf(n) === 0; }))
        return document.querySelector('[data-field="sample.cases"]');
      return null;
    }
    var f = err.field;
    while (f) {
      var hit = document.querySelector('[data-field="' + CSS.escape(f) + '"]');
      if (hit && hit.offsetParent !== null) return hit;
      var cut = Math.max(f.lastIndexOf("."), f.lastIndexOf("["));
      f = cut > 0 ? f.slice(0, cut) : "";
    }
    return null;
  }
  function showError(err) {
    clearErrors();
    var target = fieldFor(err);
    var text = err.message && target ? err.message : err.error;
    if (target) {
      if (target.matches("input, select")) target.setAttribute("aria-invalid", "true");
      var p = el("p", {"class": "error field", role: "alert", title: err.error}, text);
      target.insertAdjacentElement("afterend", p);
    }
    ["verdict-sentence", "ends-sentence", "face-sentence", "moves-sentence"].forEach(function (id) { $(id).textContent = ""; });
    $("global-error").textContent = "Not audited: " + err.error;
    $("global-error").hidden = false;
    $("verdict-word").textContent = "Check the form";
    $("verdict-bar").textContent = "Check the form: " + (err.message || err.error);
    $("verdict-card").className = "card verdict";
  }
  function runAudit() {
    var mine = ++seq, t0 = performance.now();
    saveLink();
    fetch("/api/explore", {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(effective())})
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (res) {
        if (mine !== seq) return;  // a newer change is already being audited
        if (!res.ok) { showError(res.body); return; }
        clearErrors();
        lastResult = res.body;
        showResult(res.body, performance.now() - t0);
      })
      .catch(function (e) { if (mine === seq) showError({error: "the app did not answer (" + e + "); is auditor serve still running?"}); });
  }

  function showResult(r, ms) {
    var s = r.summary, card = $("verdict-card");
    card.className = "card verdict " + s.verdict;
    $("verdict-word").textContent = "The claim " + s.verdict;
    $("verdict-bar").textContent = "The claim " + s.verdict + " (chance of the low end " + pct(s.p_meets_low) + ") · see why ↓";
    $("verdict-sentence").textContent = r.sentences.verdict;
    $("ends-sentence").textContent = [r.sentences.tipping, r.sentences.depends, r.sentences.scope]
      .filter(function (x) { return x; }).join(" ");
    $("face-sentence").textContent = r.sentences.face_value || "";
    $("moves-sentence").textContent = r.sentences.moves || "";
    var need = s.reliability_needed && s.reliability_needed.low;
    var tip = $("tipping");
    // A claim built on the council's planned moves has no panel: its tipping point is the share of
    // those moves that must happen (docs/methods.md, section 7).
    var plan = s.run && s.run.sample_basis === "plan";
    if (need !== undefined && need !== null) {
      tip.hidden = false;
      tip.textContent = plan
        ? "Tipping point: the low end needs at least " + Math.round(need * 100) +
          "% of the planned moves to happen as the council assumes."
        : "Tipping point: the low end needs the panel to be right about at least " +
          Math.round(need * 100) + "% of the moves it proposed.";
      $("theta").setAttribute("list", "theta-marks");
      var marks = $("theta-marks") || document.body.appendChild(el("datalist", {id: "theta-marks"}));
      marks.textContent = "";
      marks.appendChild(el("option", {value: need.toFixed(2)}));
    } else {
      tip.hidden = s.reliability_needed === undefined;
      tip.textContent = !s.reliability_needed ? "" : plan
        ? "Even if every planned move happens, the low end is not reached more often than not."
        : "Even a panel that is always right does not reach the low end more often than not.";
    }
    wordFor(plan);
    renderLadder(s, r.rungs || {}, plan);
    drawChart(r.curve, s.claim);
    $("timing").textContent = s.run.draws.toLocaleString("en-GB") + " draws, seed " + s.run.seed +
      "; answered in " + Math.round(ms) + " ms.";
  }
  // The page's words for a case review, or (data-plan) for a claim built on the council's planned moves.
  function wordFor(plan) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-plan]"), function (e) {
      if (e.dataset.review === undefined) e.dataset.review = e.textContent;
      e.textContent = plan ? e.dataset.plan : e.dataset.review;
    });
  }
  function renderLadder(s, rungs, plan) {
    var body = document.querySelector("#ladder tbody");
    body.textContent = "";
    // For planned moves only the main reading is shown; the tribunal readings do not bear on a plan.
    (s.judgement && s.judgement.ladder || []).filter(function (row) { return !plan || row.main; }).forEach(function (row) {
      var tr = el("tr", row.main ? {"class": "main"} : {});
      tr.appendChild(el("td", {}, ((plan && row.label) || rungs[row.name] || row.name) + (row.main ? " (this audit)" : "")));
      tr.appendChild(el("td", {}, money(row.median)));
      tr.appendChild(el("td", {}, money(row.p05) + " to " + money(row.p95)));
      tr.appendChild(el("td", {}, pct(row.p_meets_low)));
      body.appendChild(tr);
    });
  }

  // ---- the exceedance chart (SVG, drawn from the numbers the API returns) ----
  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function drawChart(curve, claim) {
    // Drawn at the box's own width so the labels keep their size on a phone.
    var W = Math.max(300, Math.round($("chart").clientWidth || 600)), H = W < 500 ? 240 : 300, L = 46, R = 10, T = 12, B = 40;
    var pts = curve.full.concat(curve.sampling);
    var xs = pts.map(function (p) { return p[0]; }).concat([claim.low, claim.high]);
    var lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs);
    if (hi === lo) { hi = lo + 1; }
    var pad = (hi - lo) * 0.04; lo -= pad; hi += pad;
    var X = function (v) { return L + (v - lo) / (hi - lo) * (W - L - R); };
    var Y = function (p) { return T + (1 - p) * (H - T - B); };
    var g = svg("svg", {viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": "Chance that savings reach at least each amount; the claim's low end is reached with chance " + pct(lastResult.summary.p_meets_low)});
    [0, 0.25, 0.5, 0.75, 1].forEach(function (p) {
      g.appendChild(svg("line", {x1: L, x2: W - R, y1: Y(p), y2: Y(p), stroke: "#e3e3e3"}));
      g.appendChild(svg("text", {x: L - 6, y: Y(p) + 4, "text-anchor": "end"}, Math.round(p * 100) + "%"));
    });
    // Round amounts on the axis (multiples of 1, 2 or 5 times a power of ten), as a person would mark them.
    var raw = (hi - lo) / (W < 500 ? 4 : 6), mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * mag; }).filter(function (x) { return x >= raw; })[0];
    for (var v = Math.ceil(lo / step) * step; v <= hi; v += step) {
      g.appendChild(svg("line", {x1: X(v), x2: X(v), y1: H - B, y2: H - B + 4, stroke: "#999"}));
      // A label by the right edge ends at its tick, so it is not cut off.
      var anchor = X(v) > W - R - 30 ? "end" : "middle";
      g.appendChild(svg("text", {x: X(v), y: H - B + 16, "text-anchor": anchor}, money(Math.abs(v) < step / 1e6 ? 0 : v)));
    }
    g.appendChild(svg("text", {x: (L + W) / 2, y: H - 6, "text-anchor": "middle"}, "Savings " + (claim.per === "year" ? "a year" : "in total")));
    // Two close lines get their labels on two levels, so they never overlap.
    var close = Math.abs(X(claim.high) - X(claim.low)) < 150;
    [["low", claim.low, ""], ["high", claim.high, "5,4"]].forEach(function (c) {
      if (c[0] === "high" && claim.high === claim.low) return;
      g.appendChild(svg("line", {x1: X(c[1]), x2: X(c[1]), y1: T, y2: H - B, stroke: "#E69F00", "stroke-width": 2,
                                 "stroke-dasharray": c[2]}));
      var high = c[0] === "high", y = T + 12 + (close && high ? 16 : 0);
      var left = high ? X(c[1]) > L + 70 : X(c[1]) > W - R - 70;  // write on the side with room
      g.appendChild(svg("text", {x: X(c[1]) + (left ? -4 : 4), y: y, "text-anchor": left ? "end" : "start"},
                        "claim " + c[0]));
    });
    function line(points, colour, width, dash) {
      var d = points.map(function (p, j) { return (j ? "L" : "M") + X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1); }).join("");
      g.appendChild(svg("path", {d: d, fill: "none", stroke: colour, "stroke-width": width, "stroke-dasharray": dash || ""}));
    }
    line(curve.sampling, "#56B4E9", 1.5, "3,3");
    line(curve.full, "#0072B2", 2.5);
    var box = $("chart");
    box.textContent = "";
    box.appendChild(g);
  }

  // ---- downloads -----------------------------------------------------------
  function download(kind) {
    $("download-status").textContent = "Preparing " + kind + "…";
    fetch("/api/download/" + kind, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(effective())})
      .then(function (r) {
        if (!r.ok) return r.json().then(function (b) { throw new Error(b.error); });
        var name = (r.headers.get("content-disposition") || "").match(/filename="([^"]+)"/);
        return r.blob().then(function (b) { return {blob: b, name: name ? name[1] : kind}; });
      })
      .then(function (f) {
        var a = el("a", {href: URL.createObjectURL(f.blob), download: f.name});
        document.body.appendChild(a); a.click(); a.remove();
        $("download-status").textContent = "Downloaded " + f.name + ".";
      })
      .catch(function (e) { $("download-status").textContent = "Could not prepare it: " + e.message; });
  }

  // ---- start -----------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    $("load-example").addEventListener("click", function () { loadExample($("example").value); });
    $("example").addEventListener("change", function () { loadExample($("example").value); });
    $("fill-council").addEventListener("click", fillCouncil);
    $("census-year").addEventListener("change", function () { loadCouncils(this.value); });
    document.querySelectorAll("input[name=review-form]").forEach(function (r) {
      r.addEventListener("change", function () { switchReview(r.value); });
    });
    document.querySelectorAll("[data-download]").forEach(function (b) {
      b.addEventListener("click", function () { download(b.getAttribute("data-download")); });
    });
    $("copy-link").addEventListener("click", function () {
      saveLink();
      var done = function () { $("download-status").textContent = "Link copied: opening it restores this page as it is now."; };
      if (navigator.clipboard) navigator.clipboard.writeText(location.href).then(done, function () {
        $("download-status").textContent = "Copy this page's address: it restores the page as it is now.";
      }); else done();
    });
    bindWhatif();
    // The bar that keeps the verdict in sight on a phone goes away once the results themselves are on screen,
    // so it never covers their buttons.
    if (window.IntersectionObserver) {
      new IntersectionObserver(function (entries) {
        $("verdict-bar").classList.toggle("away", entries[0].isIntersecting);
      }).observe($("results"));
    }
    loadCouncils();
    var m = location.hash.match(/^#s=(.+)$/);
    if (m) {
      try { state = decodeState(m[1]); start(); return; } catch (e) { /* a damaged link: start afresh */ }
    }
    loadExample(app.dataset.defaultExample);
  });
})();
