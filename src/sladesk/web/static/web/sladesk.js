/* sladesk: live countdowns, relative times, inbox keyboard, "replying" flag. No build step. */
(function () {
  "use strict";

  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    if (s < 60) return s + " s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    var h = Math.floor(m / 60); m = m % 60;
    if (h < 48) return m ? h + " h " + m + " min" : h + " h";
    var d = Math.floor(h / 24); h = h % 24;
    return h ? d + " d " + h + " h" : d + " d";
  }
  function relative(ms) {
    if (Math.abs(ms) < 1000) return "now";
    return ms > 0 ? "in " + span(ms) : span(ms) + " ago";
  }

  /* Every second: countdown text and colour at the exact warn/due instants. */
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".clock[data-due]").forEach(function (el) {
      if (!el.dataset.due) return;
      var due = Date.parse(el.dataset.due);
      var warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      var colour = now >= due ? "breached" : (!isNaN(warn) && now >= warn ? "warn" : "ok");
      el.classList.remove("clock-ok", "clock-warn", "clock-breached");
      el.classList.add("clock-" + colour);
      var text = el.querySelector(".clock-text");
      if (text) text.textContent = (now >= due ? "breached " : "due ") + relative(due - now);
      var row = el.closest("[data-row]");
      if (row) {
        row.classList.toggle("row-breached", colour === "breached");
        row.classList.toggle("row-warn", colour === "warn");
      }
    });
    document.querySelectorAll("[data-rel]").forEach(function (el) {
      var at = Date.parse(el.dataset.rel);
      if (!isNaN(at)) el.textContent = relative(at - now);
    });
  }

  /* Inbox keyboard: j / k move, Enter opens, / focuses the search box. */
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-row][data-href]")); }
  function select(i) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (r, j) {
      r.classList.toggle("is-current", j === current);
      r.setAttribute("aria-selected", j === current ? "true" : "false");
    });
    all[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === "/") {
      var q = document.getElementById("q");
      if (q) { e.preventDefault(); q.focus(); }
    } else if (e.key === "j" && rows().length) {
      select(current + 1);
    } else if (e.key === "k" && rows().length) {
      select(current < 0 ? 0 : current - 1);
    } else if (e.key === "Enter" && current >= 0 && rows()[current]) {
      window.location.href = rows()[current].dataset.href;
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (current >= 0) select(current);
    tick();
  });

  /* Collision notice: tell the heartbeat whether this agent is writing a reply. */
  document.addEventListener("input", function (e) {
    var flag = document.getElementById("replying-flag");
    if (flag && e.target.closest && e.target.closest("[data-reply-box]")) {
      flag.value = e.target.value.trim() ? "1" : "0";
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
  });
})();

/* Inbox bulk actions: "tick all", the ticked count, and only the chosen action's fields. */
(function () {
  "use strict";
  function refresh() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var n = document.querySelectorAll("input[data-bulk-pick]:checked").length;
    var count = form.querySelector("[data-bulk-count]");
    if (count) count.textContent = String(n);
    var action = form.querySelector("#bulk-action").value;
    form.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.dataset.for.split(" ").indexOf(action) < 0;
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("input[data-bulk-all]")) {
      document.querySelectorAll("input[data-bulk-pick]").forEach(function (box) { box.checked = e.target.checked; });
    }
    refresh();
  });
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSwap", refresh);
})();

/* Ticket page keys: r reply, n note, a assign to me, s solve, m macro, ? help, Esc. */
(function () {
  "use strict";
  function typing(el) {
    var tag = (el.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
  }
  function box(kind) {
    var body = document.getElementById("id_body");
    if (!body) return;
    body.dataset.kind = kind;
    body.placeholder = kind === "note" ? "Internal note (only agents see it)" : "Public reply to the customer";
    body.focus();
  }
  function click(selector) {
    var el = document.querySelector(selector);
    if (el) el.click();
    return !!el;
  }
  document.addEventListener("keydown", function (e) {
    if (!document.querySelector("[data-shortcuts]")) return;
    var help = document.getElementById("shortcut-help");
    if (e.key === "Escape") {
      if (help && !help.hidden) help.hidden = true;
      if (typing(e.target)) e.target.blur();
      return;
    }
    if (typing(e.target) || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === "?") { if (help) help.hidden = !help.hidden; e.preventDefault(); }
    else if (e.key === "r") { box("reply"); e.preventDefault(); }
    else if (e.key === "n") { box("note"); e.preventDefault(); }
    else if (e.key === "a") { click("[data-assign-me]"); e.preventDefault(); }
    else if (e.key === "m") { var m = document.getElementById("id_macro"); if (m) { m.focus(); e.preventDefault(); } }
    else if (e.key === "s") {
      var body = document.getElementById("id_body");
      if (body && body.value.trim()) { click("[data-send-then=solved]"); }
      else {
        var status = document.getElementById("id_status");
        if (status && status.querySelector("option[value=solved]")) {
          status.value = "solved";
          click("[data-status-submit]");
        }
      }
      e.preventDefault();
    }
  });
  /* Enter in the note mode (n) sends a note with Ctrl+Enter; plain submit buttons stay as they are. */
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || e.target.id !== "id_body") return;
    e.preventDefault();
    click(e.target.dataset.kind === "note" ? "button[name=kind][value=note]" : "button[name=kind][value=reply]");
  });
})();
