// The dashboard's only script: it follows the server-sent events of the page, nothing else.
"use strict";

function text(el, s) { if (el) el.textContent = s; }

function cell(tr, s) { var td = document.createElement("td"); td.textContent = s; tr.appendChild(td); return td; }

function uptime(started) {
  var s = Math.max(0, Math.floor((Date.now() - Date.parse(started)) / 1000));
  return s >= 3600 ? Math.floor(s / 3600) + "h" + Math.floor(s % 3600 / 60) + "m" : s >= 60 ? Math.floor(s / 60) + "m" + (s % 60) + "s" : s + "s";
}

// dur writes nanoseconds as Go's report.FormatDuration does below a minute: three digits at most.
// dur writes a latency of ns nanoseconds with three significant digits, as Go's
// report.FormatDuration does for latencies under a minute.
function dur(ns) {
  if (!ns) return "0s";
  var units = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];
  for (var i = 0; i < units.length; i++) {
    if (ns < units[i][0]) continue;
    var v = parseFloat((ns / units[i][0]).toPrecision(3));
    // 999.6ms rounds to 1000ms: that is 1s, in the unit above.
    if (v >= 1000 && i > 0) return parseFloat((ns / units[i - 1][0]).toPrecision(3)) + units[i - 1][1];
    return v + units[i][1];
  }
  return Math.round(ns) + "ns";
}

// figures is a deploy's figures so far on one line, as control.Figures.String writes them.
function figures(f) {
  return f.requests + " requests · " + f.failed + " failed · p50 " + dur(f.p50_ns) + " · p99 " + dur(f.p99_ns);
}

function followStatus(live) {
  var es = new EventSource(live.dataset.events);
  var last = null;
  // The hour chart is drawn by the server (package chart); a new sample brings it again.
  es.addEventListener("hour", function (e) {
    document.getElementById("hour").innerHTML = JSON.parse(e.data).svg;
  });
  es.addEventListener("status", function (e) {
    var st = JSON.parse(e.data);
    text(document.getElementById("live-release"), st.live || "none");
    text(document.getElementById("deploying"), st.deploying ? "deploying " + st.deploying : "");
    var tbody = document.querySelector("#processes tbody");
    tbody.replaceChildren();
    (st.processes || []).forEach(function (p) {
      var tr = document.createElement("tr");
      var a = document.createElement("a"); a.href = "#log"; a.dataset.log = p.name; a.textContent = p.name;
      tr.appendChild(document.createElement("td")).appendChild(a);
      [p.release, p.pid, p.port || "", p.health || "", p.restarts, uptime(p.started)].forEach(function (v) { cell(tr, String(v)); });
      tbody.appendChild(tr);
    });
    var steps = document.getElementById("steps");
    steps.replaceChildren();
    if (st.deploying) {
      (st.deploy_steps || []).forEach(function (s) {
        var li = document.createElement("li");
        li.textContent = s.name + " " + (s.duration ? (s.duration / 1e6).toFixed(0) + "ms" : "…") + (s.error ? " — " + s.error : "");
        if (s.error) li.className = "fail";
        steps.appendChild(li);
      });
    }
    text(document.getElementById("deploy-figures"), st.deploying && st.deploy_figures ? figures(st.deploy_figures) : "");
    // A deploy that ended changes the releases and the chart: reload the page once for them.
    if (last && last !== (st.deploying || "") && !st.deploying) location.reload();
    last = st.deploying || "";
  });
}

function followLog(pre, process) {
  if (pre.source) pre.source.close();
  pre.replaceChildren();
  var url = pre.dataset.logs + (process ? "?process=" + encodeURIComponent(process) : "");
  text(document.getElementById("log-process"), process || "all processes");
  pre.source = new EventSource(url);
  pre.source.addEventListener("line", function (e) {
    var l = JSON.parse(e.data);
    pre.appendChild(document.createTextNode(l.time.slice(11, 19) + " " + l.release + " " + l.process + " | " + l.text + "\n"));
    while (pre.childNodes.length > 500) pre.removeChild(pre.firstChild);
    pre.scrollTop = pre.scrollHeight;
  });
}

document.addEventListener("DOMContentLoaded", function () {
  var live = document.getElementById("live");
  if (live) followStatus(live);
  var pre = document.getElementById("log-lines");
  if (pre) {
    followLog(pre, "");
    document.addEventListener("click", function (e) {
      var a = e.target.closest("a[data-log]");
      if (a) followLog(pre, a.dataset.log);
    });
  }
  var form = document.getElementById("rollback");
  if (form) form.addEventListener("submit", function (e) {
    if (!window.confirm(form.dataset.confirm)) { e.preventDefault(); return; }
    form.elements.confirm.value = "yes";
  });
});
