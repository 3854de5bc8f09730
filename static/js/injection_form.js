/* The injection visit form (issue 13): add a site row without a round trip, show this
 * visit's total units live (one product per visit: units are never added across
 * products), and propose top-up or new cycle when the date changes (the same rule as
 * retrain/progress/cycles.py suggested_kind: 1 to TOP_UP_DAYS days after the first visit
 * of the cycle it joins). Without JavaScript the form's buttons do the same on the server.
 */
(function () {
  "use strict";

  var form = document.getElementById("injection-form");
  if (!form) { return; }
  var rows = document.getElementById("site-rows");
  var addButton = document.getElementById("add-site");
  var total = document.getElementById("visit-total");
  var product = form.querySelector("select[name='product']");
  var dateInput = form.querySelector("input[name='injected_on']");
  var kindHint = document.getElementById("kind-hint");
  var maxRows = 30; // usecases.injection_checks.MAX_SITES
  var DAY = 24 * 60 * 60 * 1000;

  function units(text) {
    var value = parseFloat(String(text || "").trim().replace(",", "."));
    return isFinite(value) && value > 0 ? value : 0;
  }

  function showTotal() {
    var sum = 0;
    rows.querySelectorAll("input[name$='-units']").forEach(function (input) {
      sum += units(input.value);
    });
    var chosen = product && product.value ? product.options[product.selectedIndex].text : "";
    total.hidden = false;
    total.textContent = chosen
      ? "This visit: " + (Math.round(sum * 100) / 100) + " U of " + chosen + "."
      : "This visit: " + (Math.round(sum * 100) / 100) + " U. Choose the product: " +
        "units of different products are never added together.";
  }

  function renumber(row, index) {
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
        var value = el.getAttribute(attribute);
        if (value) { el.setAttribute(attribute, value.replace(/sites-\d+-/g, "sites-" + index + "-")); }
      });
    });
    var number = row.querySelector(".site-number");
    if (number) { number.textContent = String(index + 1); }
  }

  function addRow() {
    var all = rows.querySelectorAll(".site-row");
    if (all.length >= maxRows) { return; }
    var row = all[all.length - 1].cloneNode(true);
    row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    row.querySelectorAll(".error").forEach(function (error) { error.remove(); });
    row.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    row.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    renumber(row, all.length);
    rows.appendChild(row);
    row.querySelector("select").focus();
  }

  function proposal(day) {
    var starts = (form.dataset.cycleStarts || "").split(",").filter(Boolean).map(function (text) {
      return Date.parse(text + "T00:00:00Z");
    }).filter(function (start) { return start < day; });
    if (!starts.length) { return { kind: "new_cycle", days: null }; }
    var days = Math.round((day - Math.max.apply(null, starts)) / DAY);
    var window = parseInt(form.dataset.topUpDays, 10);
    return { kind: days >= 1 && days <= window ? "top_up" : "new_cycle", days: days };
  }

  var kindTouched = false;
  form.querySelectorAll("input[name='kind']").forEach(function (radio) {
    radio.addEventListener("change", function () { kindTouched = true; });
  });

  function proposeKind() {
    var day = Date.parse(dateInput.value + "T00:00:00Z");
    if (!isFinite(day)) { return; }
    var found = proposal(day);
    if (!kindTouched) {
      var radio = form.querySelector("input[name='kind'][value='" + found.kind + "']");
      if (radio) { radio.checked = true; }
    }
    if (found.days !== null) {
      kindHint.textContent = "On this date it is " + found.days + " days after the first visit " +
        "of the latest cycle, so it is proposed as " +
        (found.kind === "top_up" ? "a top-up" : "a new cycle") + ". Top-up: 1 to " +
        form.dataset.topUpDays + " days after a cycle's first visit.";
    }
  }

  if (addButton) {
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      addRow();
      showTotal();
    });
  }
  rows.addEventListener("input", showTotal);
  if (product) { product.addEventListener("change", showTotal); }
  if (dateInput && kindHint) { dateInput.addEventListener("change", proposeKind); }
  showTotal();
})();
