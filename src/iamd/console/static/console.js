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
})();
