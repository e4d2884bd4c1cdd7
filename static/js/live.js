// Keeps a page's live region current without a reload: every few seconds it asks
// the server for the region again, sending the last ETag, and swaps it in only
// when the answer is new (a 304 costs the server no rendering). Times in
// <time datetime> elements gain the reader's own local time.
(function () {
  "use strict";

  function localise(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      if (el.dataset.localised || el.getAttribute("datetime").length < 12) return;
      var moment = new Date(el.getAttribute("datetime"));
      if (isNaN(moment)) return;
      // Readers in UTC or in the event's own zone already see their time.
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (moment.getTimezoneOffset() === 0 || zone === el.dataset.zone) return;
      var local = moment.toLocaleString([], {
        weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
        timeZoneName: "short",
      });
      el.title = "Your time: " + local;
      var note = document.createElement("span");
      note.className = "local-time";
      note.textContent = " · your time " + local;
      el.after(note);
      el.dataset.localised = "1";
    });
  }

  // The first answer usually repeats what the page already shows; replacing it
  // would make screen readers announce the whole region again.
  function sameText(region, html) {
    var incoming = document.createElement("div");
    incoming.innerHTML = html;
    var current = region.cloneNode(true);
    current.querySelectorAll(".local-time").forEach(function (el) { el.remove(); });
    var squash = function (text) { return text.replace(/\s+/g, " ").trim(); };
    return squash(incoming.textContent) === squash(current.textContent);
  }

  function watch(region) {
    var url = region.dataset.liveUrl;
    var seconds = Math.max(1, parseInt(region.dataset.liveInterval, 10) || 15);
    var etag = null;

    function poll() {
      if (document.hidden) return schedule();
      var headers = etag ? { "If-None-Match": etag } : {};
      fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 200) {
            etag = response.headers.get("ETag");
            return response.text().then(function (html) {
              if (sameText(region, html)) return;
              region.innerHTML = html;
              localise(region);
              region.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
            });
          }
        })
        .catch(function () { /* offline for a moment: try again at the next tick */ })
        .then(schedule);
    }

    function schedule() { window.setTimeout(poll, seconds * 1000); }
    schedule();
  }

  localise(document);
  document.querySelectorAll("[data-live-url]").forEach(watch);
})();
