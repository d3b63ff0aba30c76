// iamd console: small conveniences only. Every page works without this file.
(function () {
  "use strict";
  // The add-user wizard: show only the part of the permissions step that the chosen
  // way of granting permissions uses (without JavaScript every part shows).
  document.querySelectorAll("[data-modes]").forEach(function (fieldset) {
    var form = fieldset.closest("form");
    function update() {
      var checked = fieldset.querySelector("input[type=radio]:checked");
      form.querySelectorAll("[data-mode]").forEach(function (part) {
        part.hidden = checked !== null && part.getAttribute("data-mode") !== checked.value;
      });
    }
    fieldset.addEventListener("change", update);
    update();
  });
  // Search as you type: an input with data-filter="<list id>" hides the list's items
  // (elements with data-text) that do not hold every word typed. The search button
  // still works without this file.
  document.querySelectorAll("[data-filter]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-filter"));
    if (list === null) { return; }
    function update() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      list.querySelectorAll("[data-text]").forEach(function (item) {
        var text = item.getAttribute("data-text");
        item.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
      });
    }
    input.addEventListener("input", update);
  });
  // Search as you type, for searches the server answers (the policy picker pages
  // through more policies than a page holds): a pause in typing, or a new choice in
  // a select, presses the search button named by data-autosubmit.
  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    var button = document.getElementById(field.getAttribute("data-autosubmit"));
    if (button === null) { return; }
    var timer = null;
    if (field.tagName === "SELECT") {
      field.addEventListener("change", function () { button.click(); });
      return;
    }
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { button.click(); }, 500);
    });
  });
  // On a narrow screen the sidebar folds into a "Menu" button (without JavaScript it
  // stays open above the page).
  var menu = document.querySelector(".menu-button");
  var links = menu ? document.getElementById(menu.getAttribute("aria-controls")) : null;
  if (menu && links) {
    var narrow = window.matchMedia("(max-width: 760px)");
    var apply = function () {
      menu.hidden = !narrow.matches;
      links.hidden = narrow.matches && menu.getAttribute("aria-expanded") !== "true";
    };
    menu.addEventListener("click", function () {
      var open = menu.getAttribute("aria-expanded") === "true";
      menu.setAttribute("aria-expanded", open ? "false" : "true");
      apply();
    });
    narrow.addEventListener("change", apply);
    apply();
  }
  // Names checked as they are typed, in words (data-rule) rather than a regular
  // expression: "User names can have up to 64 letters, digits and +=,.@_-". The
  // server checks them again, and shows the API's own message below the words.
  function keepsRule(input) {
    input.setCustomValidity("");
    var broken = input.value !== "" && !input.checkValidity();
    var note = document.getElementById(input.id + "-rule");
    if (broken) { input.setCustomValidity(input.getAttribute("data-rule")); }
    if (note) {
      note.textContent = broken ? input.getAttribute("data-rule") : "";
      note.hidden = !broken;
    }
    input.setAttribute("aria-invalid", broken ? "true" : "false");
    return !broken;
  }
  document.querySelectorAll("input[data-rule]").forEach(function (input) {
    var note = document.createElement("p");
    note.className = "field-error";
    note.id = input.id + "-rule";
    note.hidden = true;
    note.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", note);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    input.setAttribute("aria-describedby", described.concat(note.id).join(" "));
    input.addEventListener("input", function () { keepsRule(input); });
  });
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var value = submitter ? submitter.value : "";
    if ((submitter && submitter.hasAttribute("formnovalidate")) ||
        ["back", "search", "add-tag"].indexOf(value) !== -1) { return; }
    var shown = Array.prototype.filter.call(
      event.target.querySelectorAll("input[data-rule]"),
      function (input) { return input.offsetParent !== null; });
    var broken = shown.filter(function (input) { return !keepsRule(input); });
    if (broken.length) { event.preventDefault(); broken[0].focus(); }
  }, true);
  // After such a search the box has focus again: put the caret after what was typed.
  var focused = document.activeElement;
  if (focused && focused.matches && focused.matches("input[type=search]")) {
    var end = focused.value.length;
    focused.setSelectionRange(end, end);
  }
})();
