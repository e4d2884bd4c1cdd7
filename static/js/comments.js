// Counts what is left of a comment's allowance as the reader types.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-counter]").forEach(function (box) {
    var counter = box.form.querySelector(".counter");
    var max = parseInt(box.getAttribute("maxlength"), 10);
    if (!counter || !max) return;
    function update() {
      var left = max - box.value.length;
      counter.textContent = left + " of " + max + " characters left.";
      counter.classList.toggle("counter--low", left < 200);
    }
    box.addEventListener("input", update);
    update();
  });
})();
