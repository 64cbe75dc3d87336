// Keyboard and scanner helpers: no mouse needed at the guide desk or the window.
(function () {
  function filterCards(input) {
    var q = input.value.trim().toLowerCase();
    document.querySelectorAll(input.dataset.filter).forEach(function (card) {
      card.hidden = q !== "" && card.dataset.search.toLowerCase().indexOf(q) === -1;
    });
  }
  // On-screen keypad for the touch kiosk: no physical keyboard needed.
  document.addEventListener("click", function (e) {
    var key = e.target.closest && e.target.closest("[data-key]");
    if (!key) return;
    var pad = key.closest("[data-keypad]");
    var input = document.getElementById(pad.dataset.keypad);
    input.value = key.dataset.key === "back" ? input.value.slice(0, -1) : input.value + key.dataset.key;
    input.focus();
  });
  document.addEventListener("input", function (e) {
    if (e.target.matches("[data-filter]")) filterCards(e.target);
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    // Enter in the matter search opens the first visible matter.
    if (e.key === "Enter" && t.matches && t.matches("[data-filter]")) {
      var first = Array.prototype.find.call(document.querySelectorAll(t.dataset.filter), function (c) { return !c.hidden; });
      if (first) { e.preventDefault(); first.click(); }
    }
    // The scanner field is always ready: a scan that starts while focus is elsewhere (or mid-swap) still lands in it.
    var scanner = document.querySelector("[data-scanner]");
    var typing = t.matches && t.matches("input, textarea, select");
    if (scanner && !typing && e.key.length === 1 && !e.ctrlKey && !e.altKey && !e.metaKey) {
      e.preventDefault();
      scanner.focus();
      scanner.value += e.key;
      return;
    }
    // Function-key shortcuts, e.g. F2 calls the next ticket at the window.
    var hot = document.querySelector('[data-hotkey="' + e.key + '"]');
    if (hot) { e.preventDefault(); hot.click(); }
  });
  // A rejected scan stays selected, so the next scan replaces it instead of appending to it.
  function selectRejectedScan() {
    var bad = document.querySelector("[data-scanner][aria-invalid=true]");
    if (bad) { bad.focus(); bad.select(); }
  }
  document.addEventListener("DOMContentLoaded", selectRejectedScan);
  document.addEventListener("htmx:afterSettle", selectRejectedScan);
})();
