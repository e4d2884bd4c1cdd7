// Filters the FAQ's impact entries as the reader types or chooses, without a
// round trip. Without JavaScript the same form filters on the server
// (faq/selectors.py), which folds words the same way: no case, accents or quotes.
(function () {
  "use strict";
  var form = document.querySelector(".finder__form");
  if (!form) return;
  var entries = Array.prototype.slice.call(document.querySelectorAll(".impact"));
  var count = document.querySelector(".finder__count");
  var reset = document.querySelector(".finder__reset");
  var chips = Array.prototype.slice.call(document.querySelectorAll(".finder__glance [data-level]"));
  var QUOTES = /["'\u2018-\u201f\u00ab\u00bb\u2039\u203a]/g;

  function fold(text) {
    return text.replace(QUOTES, " ").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/\u00df/g, "ss");
  }

  // Folded on the first search, not while the page loads.
  var folded = null;
  function searched(index) {
    folded = folded || entries.map(function (entry) { return fold(entry.textContent); });
    return folded[index];
  }

  function query(changes) {
    var params = new URLSearchParams(new FormData(form));
    Object.keys(changes || {}).forEach(function (key) { params.set(key, changes[key]); });
    Array.from(params.keys()).forEach(function (key) { if (!params.get(key)) params.delete(key); });
    var text = params.toString();
    return (text ? "?" + text : location.pathname) + "#impact";
  }

  function apply() {
    var service = form.elements.service.value;
    var level = form.elements.level.value;
    var words = fold(form.elements.q.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    var levels = {};
    entries.forEach(function (entry, index) {
      var other = (!service || entry.dataset.service === service) &&
        words.every(function (word) { return searched(index).indexOf(word) !== -1; });
      if (other) levels[entry.dataset.level] = (levels[entry.dataset.level] || 0) + 1;
      var match = other && (!level || entry.dataset.level === level);
      entry.hidden = !match;
      if (match) shown += 1;
    });
    document.querySelectorAll(".faq-section--impact").forEach(function (section) {
      var none = !section.querySelector(".impact:not([hidden])");
      section.classList.toggle("faq-section--empty", none);
      var list = section.querySelector(".impact-list");
      if (list) list.hidden = none;
    });
    // Each level's count says what its link would show with the same service and words.
    chips.forEach(function (chip) {
      var n = levels[chip.dataset.level] || 0;
      chip.hidden = !n;
      chip.querySelector("[data-count]").textContent = n;
      chip.href = query({ level: chip.dataset.level });
    });
    var filtered = service || level || words.length;
    form.closest(".faq").classList.toggle("faq--filtered", Boolean(filtered));
    count.textContent = !filtered ? count.dataset.all
      : shown ? count.dataset.some.replace("{shown}", shown) : count.dataset.none;
    count.classList.toggle("finder__count--none", Boolean(filtered && !shown));
    reset.hidden = !filtered;
    history.replaceState(null, "", query());
  }

  // A page the server filtered holds only the entries shown: its form and links go back
  // to the server, which has them all.
  if (entries.length < Number(count.dataset.total)) return;

  reset.querySelector("a").addEventListener("click", function (event) {
    event.preventDefault();
    form.reset();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name) field.value = "";
    });
    apply();
    form.elements.service.focus();
  });
  form.addEventListener("input", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
})();
