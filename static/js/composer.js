// The composer's previews: as staff type, how the public page, the subscribers' e-mail, X
// and each other network that is on read the update (the admin's preview view renders them,
// each post with its network's own count).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.getElementById("post-update-form");
  var box = document.getElementById("previews");
  if (!form || !box) return;
  var x = document.getElementById("x-preview");
  var strings = JSON.parse(document.getElementById("composer-strings").textContent);
  var timer = null;
  // Counts written as the page's language writes numbers (1,000; 1 000; 1.000).
  var number = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function refresh() {
    fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (preview) {
        if (!preview) return;
        box.hidden = false;
        // Rendered and sanitised by the server, as the public page renders it.
        box.querySelector(".preview-public").innerHTML = preview.public;
        box.querySelector(".preview-email__subject").textContent = preview.email.subject;
        box.querySelector(".preview-email__text").textContent = preview.email.text;
        showNetworks(preview.posts || []);
        if (!x || !preview.x) return;
        var crossPost = form.elements.cross_post;
        x.hidden = crossPost && !crossPost.checked;
        x.querySelector(".x-preview__text").textContent = preview.x.text;
        var count = x.querySelector(".x-preview__count");
        count.textContent = (preview.x.too_long ? strings.tooLong : strings.count)
          .replace("%(length)s", number.format(preview.x.length))
          .replace("%(limit)s", number.format(preview.x.limit));
        count.classList.toggle("x-preview__count--too-long", preview.x.too_long);
      });
  }

  // Mastodon's and Bluesky's posts (each network that is on), cut to fit by the server.
  function showNetworks(posts) {
    var crossPost = form.elements.cross_post;
    posts.forEach(function (post) {
      var section = box.querySelector('.network-preview[data-network="' + post.network + '"]');
      if (!section) return;
      section.hidden = crossPost && !crossPost.checked;
      section.querySelector(".network-preview__text").textContent = post.text;
      var count = section.querySelector(".network-preview__count");
      count.textContent = strings.networkCount.replace("%(length)s", number.format(post.length))
        .replace("%(limit)s", number.format(post.limit)).replace("%(network)s", post.network);
      count.classList.toggle("x-preview__count--too-long", post.too_long);
    });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
  form.addEventListener("change", refresh);
  refresh();
});
