// Self-service kiosk: back to the start screen after a ticket and after an idle spell, leaving nothing behind.
// Loaded by every kiosk page (and run again after each htmx swap): listeners are installed once per document.
(function () {
  var INTERACTION = ["pointerdown", "touchstart", "keydown", "input"];
  var state = window.onevisitKiosk;
  if (!state) {
    state = window.onevisitKiosk = { timer: null, tick: null, left: 0, press: null };
    // Links and forms move by htmx with hx-replace-url (one history entry, no snapshot); the reset after a
    // citizen is a full load that replaces the entry: "back" cannot show the last citizen.
    state.home = function () {
      var shell = document.querySelector("[data-kiosk-home]");
      document.querySelectorAll("input:not([type=hidden])").forEach(function (i) { i.value = ""; });
      window.location.replace(shell ? shell.dataset.kioskHome : "/guide/kiosk/");
    };
    state.arm = function () {
      var shell = document.querySelector("[data-kiosk-idle]");
      clearTimeout(state.timer);
      clearInterval(state.tick);
      if (!shell) return;
      state.left = parseInt(shell.dataset.kioskIdle, 10) || 60;
      var shown = document.querySelector("[data-kiosk-countdown]");
      if (shown) shown.textContent = state.left;
      state.tick = setInterval(function () {
        state.left -= 1;
        var c = document.querySelector("[data-kiosk-countdown]");
        if (c) c.textContent = Math.max(state.left, 0);
      }, 1000);
      state.timer = setTimeout(function () {
        var atHome = window.location.pathname === shell.dataset.kioskHome;
        var typed = Array.prototype.some.call(document.querySelectorAll("input:not([type=hidden])"), function (i) { return i.value; });
        var staffOpen = document.querySelector("[data-kiosk-staff]:not([hidden])");
        if (!atHome || typed || staffOpen || document.querySelector(".messages")) state.home();
        else state.arm();
      }, state.left * 1000);
    };
    INTERACTION.forEach(function (type) {
      document.addEventListener(type, function () { state.arm(); }, { passive: true, capture: true });
    });
    document.addEventListener("click", function (e) {
      var reset = e.target.closest && e.target.closest("[data-kiosk-reset]");
      if (reset) { e.preventDefault(); state.home(); return; }
      var print = e.target.closest && e.target.closest("[data-kiosk-print]");
      if (print) { e.preventDefault(); printTicket(print.href); return; }
      if (e.target.closest && e.target.closest("[data-kiosk-staff-close]")) staffPanel(false);
    }, true);
    // Staff only: hold the title for three seconds to reach "sign the kiosk out".
    document.addEventListener("pointerdown", function (e) {
      if (!(e.target.closest && e.target.closest("[data-kiosk-longpress]"))) return;
      clearTimeout(state.press);
      state.press = setTimeout(function () { staffPanel(true); }, 3000);
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (type) {
      document.addEventListener(type, function () { clearTimeout(state.press); });
    });
    // A page restored from the back/forward cache is never shown as it was: go back to the start.
    window.addEventListener("pageshow", function (e) { if (e.persisted) state.home(); });
    window.addEventListener("pagehide", function () {
      document.querySelectorAll("input:not([type=hidden])").forEach(function (i) { i.value = ""; });
    });
  }

  function staffPanel(open) {
    var panel = document.querySelector("[data-kiosk-staff]");
    if (!panel) return;
    panel.hidden = !open;
    if (open) panel.querySelector("button").focus();
  }

  // The PDF is fetched first: a refusal is shown on the screen in words, never printed.
  function printTicket(url) {
    var error = document.querySelector("[data-kiosk-print-error]");
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (r.ok && (r.headers.get("Content-Type") || "").indexOf("application/pdf") === 0) return r.blob().then(function (blob) {
        var frame = document.createElement("iframe");
        frame.hidden = true;
        frame.src = URL.createObjectURL(blob);
        frame.onload = function () { try { frame.contentWindow.print(); } catch (ignored) { window.open(frame.src); } };
        document.body.appendChild(frame);
      });
      return r.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var p = doc.querySelector("main [role=alert] p");
        if (error) { error.textContent = p ? p.textContent : "暂时无法打印，请记下您的号码"; error.hidden = false; }
      });
    }).catch(function () {
      if (error) { error.textContent = "暂时无法打印，请记下您的号码"; error.hidden = false; }
    });
  }

  state.arm();
})();
