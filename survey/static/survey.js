// Skip logic in the browser: hide questions whose "show if" condition does not hold.
// The form works without this script; the server drops answers to hidden questions anyway.
(function () {
  "use strict";
  var form = document.querySelector("form.survey");
  if (!form) return;
  function chosen(name) {
    var out = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") ? el.checked : el.value) out.push(el.value);
    });
    return out;
  }
  function update() {
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      var source = form.querySelector('[data-question="' + box.dataset.showIf + '"]');
      var wanted = box.dataset.showValues.split("|");
      var visible = !(source && source.hidden) && chosen(box.dataset.showIf).some(function (v) {
        return wanted.indexOf(v) !== -1;
      });
      box.hidden = !visible;
      box.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !visible; });
    });
  }
  form.addEventListener("change", update);
  update();
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
