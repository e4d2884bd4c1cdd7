// Filters the FAQ's impact entries as the reader types or chooses, without a
// round trip. Without JavaScript the same form filters on the server.
(function () {
  "use strict";
  var form = document.querySelector(".finder__form");
  if (!form) return;
  var entries = Array.prototype.slice.call(document.querySelectorAll(".impact"));
  var count = document.querySelector(".finder__count");
  var total = entries.length;

  function apply() {
    var service = form.elements.service.value;
    var level = form.elements.level.value;
    var words = form.elements.q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    entries.forEach(function (entry) {
      var text = entry.textContent.toLowerCase();
      var match = (!service || entry.dataset.service === service) &&
        (!level || entry.dataset.level === level) &&
        words.every(function (word) { return text.indexOf(word) !== -1; });
      entry.hidden = !match;
      if (match) shown += 1;
    });
    document.querySelectorAll(".impact-list").forEach(function (list) {
      list.hidden = !list.querySelector(".impact:not([hidden])");
    });
    var filtered = service || level || words.length;
    count.textContent = filtered
      ? "Showing " + shown + " of " + total + " entries."
      : "All " + total + " entries are shown below, numbered as in the FAQ.";
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) { if (!params.get(key)) params.delete(key); });
    var query = params.toString();
    history.replaceState(null, "", (query ? "?" + query : location.pathname) + "#impact");
  }

  form.addEventListener("input", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
})();
