// Planned times in the reader's own zone, beside the event's zone and UTC the page
// already shows (without JavaScript those two remain). A <time data-zone> element holds
// the start in `datetime`, and the end, if any, in `data-end`. The words come from the
// page (`data-local-label` on <body>), already translated.
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var DAY = { weekday: "short", day: "numeric", month: "short" };
  var HOUR = { hour: "2-digit", minute: "2-digit" };

  function format(moment, options) {
    return moment.toLocaleString([], Object.assign({ timeZone: zone }, options));
  }

  function zoneName(moment) {
    var parts = new Intl.DateTimeFormat([], { timeZone: zone, timeZoneName: "short" })
      .formatToParts(moment);
    var name = parts.find(function (part) { return part.type === "timeZoneName"; });
    return name ? name.value : zone;
  }

  function sameDay(a, b) { return format(a, DAY) === format(b, DAY); }

  function describe(start, end) {
    var text = format(start, DAY) + ", " + format(start, HOUR);
    if (end) {
      text += "–" + (sameDay(start, end) ? "" : format(end, DAY) + ", ") + format(end, HOUR);
    }
    return text + " " + zoneName(end || start);
  }

  function localise(root) {
    var label = document.body.dataset.localLabel || "Your time";
    root.querySelectorAll("time[data-zone]").forEach(function (el) {
      if (el.dataset.localised) return;
      var start = new Date(el.getAttribute("datetime"));
      var end = el.dataset.end ? new Date(el.dataset.end) : null;
      if (isNaN(start) || (end && isNaN(end))) return;
      el.dataset.localised = "1";
      // Readers in the event's own zone or in UTC see their time already.
      if (zone === el.dataset.zone || zone === "UTC" || zone === "Etc/UTC") return;
      var note = document.createElement("span");
      note.className = "local-time";
      note.textContent = label + " (" + zone.replace(/_/g, " ") + "): " + describe(start, end);
      // Under the whole line (“… UTC) · starts in 3 days”), not in the middle of it.
      var line = el.closest(".window__when");
      if (line) line.appendChild(note); else el.after(note);
    });
  }

  window.localTimes = localise;
  localise(document);
})();
