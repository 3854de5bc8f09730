/* The programme builder's exercise picker (templates/therapist/_item_rows.html).
 * Without this script every exercise is a button grouped by region; with it, a search
 * box narrows the list, Enter in it adds the first match, and Enter in any other field
 * saves the form (not the first "add" button, which comes earlier in the page).
 */
(function () {
  "use strict";

  var picker = document.getElementById("exercise-picker");
  if (!picker) {
    return;
  }
  var form = picker.closest("form");
  var search = document.getElementById("exercise-search");
  var none = picker.querySelector(".picker-none");
  var items = Array.prototype.slice.call(picker.querySelectorAll("li[data-search]"));
  var groups = Array.prototype.slice.call(picker.querySelectorAll(".picker-group"));

  search.closest(".picker-search").hidden = false;

  function narrow() {
    var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var text = item.getAttribute("data-search");
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      item.hidden = !match;
      shown += match ? 1 : 0;
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("li:not([hidden])");
    });
    none.hidden = shown > 0;
  }

  search.addEventListener("input", narrow);
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") {
      return;
    }
    event.preventDefault();
    var button = event.target === search
      ? picker.querySelector("li:not([hidden]) .picker-add")
      : form.querySelector("button[type=submit].primary");
    if (button) {
      form.requestSubmit(button);
    }
  });
})();
