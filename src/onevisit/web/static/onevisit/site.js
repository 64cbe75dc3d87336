// Keyboard, scanner and focus helpers for every page: no mouse needed at the guide desk or the window.
//
// Loaded once per page load: base.html puts this file in <head> with `defer`, so an htmx swap (hx-boost
// navigation included) never runs it again, and the guard below keeps its document listeners single even if a
// page includes it twice. Work that must follow each swap runs from htmx events (htmx:afterSettle), never by
// re-running the script. A page's own script must do the same: listen for htmx:load, do not add document
// listeners from a <script> inside <body> (it runs again on every boosted navigation).
//
// Focus after an htmx swap or a boosted navigation (for page owners):
//   1. the first field marked aria-invalid="true" (so an error is where the keyboard is);
//   2. else an element marked `data-focus` in the swapped content (any element: a result, a message, a
//      heading; it is made focusable with tabindex="-1" when it is not), or one marked `autofocus`;
//   3. else, for an update inside a page, the control that had focus, found again by id or by name and value
//      (the radio or checkbox just answered);
//   4. else the swapped region's first heading (the main h1 after a navigation), made focusable with
//      tabindex="-1".
// Focus moves only when it was inside the swapped region (or on nothing) and the swap came from the person
// at the page: a polling feed never pulls focus away from where someone is working.
(function () {
  "use strict";
  if (window.onevisit && window.onevisit.ready) return;
  window.onevisit = { ready: true };

  function filterCards(input) {
    var q = input.value.trim().toLowerCase();
    document.querySelectorAll(input.dataset.filter).forEach(function (card) {
      card.hidden = q !== "" && card.dataset.search.toLowerCase().indexOf(q) === -1;
    });
  }

  // On-screen keypad for the touch kiosk: no physical keyboard needed.
  document.addEventListener("click", function (e) {
    var key = e.target.closest && e.target.closest("[data-key]");
    var pad = key && key.closest("[data-keypad]");
    var input = pad && document.getElementById(pad.dataset.keypad);
    if (!input) return;
    if (key.dataset.key === "back") input.value = input.value.slice(0, -1);
    else if (input.maxLength < 0 || input.value.length < input.maxLength) input.value += key.dataset.key;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });

  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("[data-filter]")) filterCards(e.target);
  });

  // Elements that own the keys typed while they have focus: a key typed there is theirs, never the scanner's
  // (Space presses a button, a letter on a link is not a scan).
  var INTERACTIVE = "a[href], button, input, select, textarea, summary, label, [contenteditable], iframe, " +
    "[role=button], [role=link], [role=checkbox], [role=radio], [role=switch], [role=tab], [role=menuitem], " +
    "[role=option], [role=combobox], [role=textbox], [role=slider], [role=spinbutton]";

  function ownsKeys(el) {
    if (!el || el === document.body || el === document.documentElement) return false;
    return el.matches(INTERACTIVE) || el.tabIndex >= 0 || el.isContentEditable;
  }

  function usable(el) {
    return el && !el.disabled && !el.readOnly && el.getClientRects().length > 0;
  }

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    // Enter in the matter search opens the first visible matter.
    if (e.key === "Enter" && t.matches && t.matches("[data-filter]")) {
      var first = Array.prototype.find.call(document.querySelectorAll(t.dataset.filter), function (c) { return !c.hidden; });
      if (first) { e.preventDefault(); first.click(); }
      return;
    }
    // The scanner field is always ready: a scan that starts with nothing focused (the page body, a heading)
    // still lands in it, once. A key typed on a focused control stays with that control.
    var scanner = document.querySelector("[data-scanner]");
    var printable = e.key.length === 1 && e.key !== " " && !e.ctrlKey && !e.altKey && !e.metaKey;
    if (printable && usable(scanner) && !ownsKeys(document.activeElement)) {
      e.preventDefault();
      scanner.focus();
      if (scanner.maxLength < 0 || scanner.value.length < scanner.maxLength) scanner.value += e.key;
      scanner.dispatchEvent(new Event("input", { bubbles: true }));
      return;
    }
    // Function-key shortcuts, e.g. F2 calls the next ticket at the window.
    if (/^F\d+$/.test(e.key)) {
      var hot = document.querySelector('[data-hotkey="' + e.key + '"]');
      if (hot && !hot.disabled) { e.preventDefault(); hot.click(); }
    }
  });

  // ---- focus ----------------------------------------------------------------------------------------------

  function focusOn(el) {
    if (!el) return false;
    if (!ownsKeys(el) && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: false });
    // A rejected scan stays selected, so the next scan replaces it instead of appending to it.
    if (el.matches("[data-scanner]") && el.select) el.select();
    return document.activeElement === el;
  }

  // The first field in error; for a group marked invalid (a fieldset of radios), its first usable control.
  function firstInvalid(region) {
    var el = Array.prototype.find.call(region.querySelectorAll('[aria-invalid="true"]'), usable);
    if (el && !el.matches("input, select, textarea, button")) {
      el = Array.prototype.find.call(el.querySelectorAll("input:not([type=hidden]), select, textarea"), usable) || el;
    }
    return el;
  }

  function heading(region) {
    var main = region === document.body ? document.querySelector("main") || region : region;
    return main.querySelector("h1") || main.querySelector("h1, h2, h3, h4, h5, h6, legend");
  }

  function sameControl(region, was) {
    if (!was) return null;
    if (was.id) return document.getElementById(was.id);
    if (!was.name) return null;
    return Array.prototype.find.call(region.querySelectorAll("[name]"), function (el) {
      return el.name === was.name && (was.value === null || el.value === was.value) && usable(el);
    });
  }

  // Where focus was when a swap began, kept on the request itself (a polling swap may settle in between).
  document.addEventListener("htmx:beforeSwap", function (e) {
    var a = document.activeElement;
    var target = e.detail.target;
    var onNothing = !a || a === document.body;
    var cfg = e.detail.requestConfig;
    var byPerson = !!e.detail.boosted || !!(cfg && cfg.triggeringEvent);  // polling has no triggering event
    if (!e.detail.xhr) return;
    e.detail.xhr.onevisitFocus = {
      act: onNothing ? byPerson : !!(target && target.contains(a)),
      id: a && a.id, name: a && a.name,
      value: a && (a.type === "radio" || a.type === "checkbox") ? a.value : null,
    };
  });

  function settleFocus(region, boosted, was) {
    if (!was || !was.act || !region || !document.body.contains(region)) return;
    if (focusOn(firstInvalid(region))) return;
    if (focusOn(region.querySelector("[data-focus]"))) return;
    var a = document.activeElement;
    if (a && a !== document.body && region.contains(a)) return;  // htmx put it back (same id) or on [autofocus]
    if (!boosted && focusOn(sameControl(region, was))) return;
    if (focusOn(region.querySelector("[autofocus]"))) return;
    focusOn(heading(region));
  }

  document.addEventListener("htmx:afterSettle", function (e) {
    var xhr = e.detail.xhr;
    var was = xhr && xhr.onevisitFocus;
    if (xhr) xhr.onevisitFocus = null;  // once per request, even when several elements settle
    var region = e.detail.target;  // after an outerHTML swap it is gone: the new element is the event's target
    if (!region || !document.body.contains(region)) region = e.target;
    settleFocus(region, !!e.detail.boosted, was);
  });
  document.addEventListener("htmx:historyRestore", function () { settleFocus(document.body, true, { act: true }); });
  // A scrolling table region the keyboard cannot reach is a barrier: give any `.scroll` wrapper without a
  // tabindex the focus stop, the region role and a name (its caption or its section's heading).
  function reachableScrolls(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll(".scroll:not([tabindex])").forEach(function (el) {
      el.tabIndex = 0;
      el.setAttribute("role", "region");
      if (el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby")) return;
      var section = el.closest("section, fieldset, details");
      var name = el.querySelector("caption") || (section && section.querySelector("h1, h2, h3, legend, summary"));
      el.setAttribute("aria-label", name ? name.textContent.trim() : "表格");
    });
  }
  document.addEventListener("htmx:load", function (e) { reachableScrolls(e.target); });
  document.addEventListener("DOMContentLoaded", function () { reachableScrolls(document.body); });

  // A page that arrives with an error (a full load, e.g. the login form) puts the keyboard on it at once: on the
  // field in error the page chose (autofocus: the login's password, retyped after a refusal), else the first.
  document.addEventListener("DOMContentLoaded", function () {
    var chosen = document.querySelector('[aria-invalid="true"][autofocus]');
    focusOn(usable(chosen) ? chosen : firstInvalid(document.body));
  });
  // "返回上一页" on an error page: back in history when there is one, else the link's own address (no javascript:
  // URL, which the Content-Security-Policy refuses).
  document.addEventListener("click", function (e) {
    var back = e.target.closest && e.target.closest("[data-history-back]");
    if (!back || window.history.length < 2) return;
    e.preventDefault();
    window.history.back();
  });

  // A date the browser cannot read (2月30日, a year half typed) is sent as nothing, so a search would run without
  // it and a page would fall back to its default: the form stops and says so beside the field, before htmx (this
  // listens in the capture phase) or the browser sends anything.
  var UNREADABLE = {
    date: "这个日期不存在或没有填写完整，请重新填写",
    time: "这个时间没有填写完整，请重新填写",
    number: "请填写数字"
  };
  document.addEventListener("submit", function (e) {
    var bad = Array.prototype.filter.call(e.target.querySelectorAll("input"), function (el) {
      return UNREADABLE[el.type] && el.validity && el.validity.badInput;
    });
    if (!bad.length) return;
    e.preventDefault();
    e.stopPropagation();
    bad.forEach(function (el) {
      var id = (el.id || el.name) + "-unreadable";
      var note = document.getElementById(id);
      if (!note) {
        note = document.createElement("p");
        note.className = "field-error";
        note.id = id;
        note.setAttribute("role", "alert");
        el.insertAdjacentElement("afterend", note);
      }
      note.textContent = UNREADABLE[el.type];
      el.setAttribute("aria-invalid", "true");
      var described = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) === -1) el.setAttribute("aria-describedby", described.concat(id).join(" "));
    });
    focusOn(bad[0]);
  }, true);
})();
