// Contacts pages: "add another" rows, select-all, confirm buttons. Everything here is an
// enhancement: without JavaScript the same buttons submit the form and the server answers.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var prefix = add.getAttribute("data-add-row");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.getElementById(prefix + "-empty");
      var rows = document.querySelector('[data-rows="' + prefix + '"]');
      if (!total || !template || !rows) return;
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = rows.lastElementChild && rows.lastElementChild.querySelector("input:not([type=hidden]):not([type=checkbox])");
      if (first) first.focus();
      return;
    }
    var confirmButton = event.target.closest("[data-confirm]");
    if (confirmButton && !window.confirm(confirmButton.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches(".select-all")) {
      var form = event.target.closest("form");
      form.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = event.target.checked; });
    }
  });
})();
