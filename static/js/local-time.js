// Planned times in the reader's own zone, beside the event's zone and UTC the page
// already shows (without JavaScript those two remain). A <time data-zone> element holds
// the start in `datetime`, and the end, if any, in `data-end`. The words come from the
// page (`data-local-label` on <body>), already translated.
//
// Intl's formatters are costly to make (the first loads the locale's data), so they are
// made once, and only for a reader whose clock differs from UTC at those times.
(function () {
  "use strict";
  var formats = null;

  function formatters() {
    if (!formats) {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      formats = {
        zone: zone,
        day: new Intl.DateTimeFormat([], { timeZone: zone, weekday: "short", day: "numeric", month: "short" }),
        hour: new Intl.DateTimeFormat([], { timeZone: zone, hour: "2-digit", minute: "2-digit" }),
        name: new Intl.DateTimeFormat([], { timeZone: zone, timeZoneName: "short" }),
      };
    }
    return formats;
  }

  function zoneName(f, moment) {
    var name = f.name.formatToParts(moment).find(function (part) {
      return part.type === "timeZoneName";
    });
    return name ? name.value : f.zone;
  }

  function describe(f, start, end) {
    var text = f.day.format(start) + ", " + f.hour.format(start);
    if (end) {
      var sameDay = f.day.format(start) === f.day.format(end);
      text += "–" + (sameDay ? "" : f.day.format(end) + ", ") + f.hour.format(end);
    }
    return text + " " + zoneName(f, end || start);
  }

  function localise(root) {
    var label = document.body.dataset.localLabel || "Your time";
    root.querySelectorAll("time[data-zone]").forEach(function (el) {
      if (el.dataset.localised) return;
      var start = new Date(el.getAttribute("datetime"));
      var end = el.dataset.end ? new Date(el.dataset.end) : null;
      if (isNaN(start) || (end && isNaN(end))) return;
      el.dataset.localised = "1";
      // A reader whose clock reads UTC then sees their time already, in the UTC shown.
      if (start.getTimezoneOffset() === 0 && (!end || end.getTimezoneOffset() === 0)) return;
      var f = formatters();
      if (f.zone === el.dataset.zone) return; // ... as does a reader in the event's zone
      var note = document.createElement("span");
      note.className = "local-time";
      note.textContent = label + " (" + f.zone.replace(/_/g, " ") + "): " + describe(f, start, end);
      // Under the whole line (“… UTC) · starts in 3 days”), not in the middle of it.
      var line = el.closest(".window__when");
      if (line) line.appendChild(note); else el.after(note);
    });
  }

  window.localTimes = localise;
  localise(document);
})();
