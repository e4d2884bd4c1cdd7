// Counts what is left of a comment's allowance as the reader types. The count itself is
// not a live region, which would read out every keystroke; screen readers are told once
// as the comment passes each of a few marks near the limit.
(function () {
  "use strict";
  var MARKS = [200, 100, 50, 0];

  document.querySelectorAll("textarea[data-counter]").forEach(function (box) {
    var counter = box.form.querySelector(".counter");
    var news = box.form.querySelector(".counter__news");
    var max = parseInt(box.getAttribute("maxlength"), 10);
    if (!counter || !max) return;
    var passed = MARKS.filter(function (mark) { return max - box.value.length <= mark; }).length;
    function update() {
      var left = max - box.value.length;
      counter.textContent = left + " of " + max + " characters left.";
      counter.classList.toggle("counter--low", left < 200);
      var now = MARKS.filter(function (mark) { return left <= mark; }).length;
      if (news && now > passed) news.textContent = left + " characters left.";
      passed = now;
    }
    box.addEventListener("input", update);
    update();
  });
})();
