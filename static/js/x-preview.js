// Shows staff the exact post for X, and X's own character count, as they type.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.getElementById("post-update-form");
  var box = document.getElementById("x-preview");
  if (!form || !box) return;
  var timer = null;

  function refresh() {
    var data = new FormData(form);
    fetch(form.dataset.xPreviewUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (preview) {
        if (!preview) return;
        box.hidden = !form.elements.cross_post.checked;
        box.querySelector(".x-preview__text").textContent = preview.text;
        var count = box.querySelector(".x-preview__count");
        count.textContent = preview.length + " of " + preview.limit + " characters" +
          (preview.too_long ? ": too long for X, shorten the words for X." : ".");
        count.classList.toggle("x-preview__count--too-long", preview.too_long);
      });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
  refresh();
});
