// Keyboard and scanner helpers: no mouse needed at the guide desk or the window.
(function () {
  function filterCards(input) {
    var q = input.value.trim().toLowerCase();
    document.querySelectorAll(input.dataset.filter).forEach(function (card) {
      card.hidden = q !== "" && card.dataset.search.toLowerCase().indexOf(q) === -1;
    });
  }
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
    // Function-key shortcuts, e.g. F2 calls the next ticket at the window.
    var hot = document.querySelector('[data-hotkey="' + e.key + '"]');
    if (hot) { e.preventDefault(); hot.click(); }
  });
})();
