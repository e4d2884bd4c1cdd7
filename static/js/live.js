// Keeps a page's live region current without a reload: every few seconds it asks
// the server for the region again, sending the last ETag, and swaps it in only
// when the answer is new (a 304 costs the server no rendering). Times in
// a swapped region gain the reader's own time (local-time.js).
//
// The swapped region is not itself an aria-live region: a screen reader would read
// all of it (every service) again at each change. What is new (an update, the overall
// status, a service's status) is said once, politely, in the page's small status
// region [data-live-news]; keyboard focus inside the region stays where it was.
(function () {
  "use strict";
  var SERVICES_SAID = 3; // a longer list is read out too slowly to help; the page has them all

  function squash(text) { return text.replace(/\s+/g, " ").trim(); }

  function textOf(root, selector) {
    var found = root.querySelector(selector);
    return found ? squash(found.textContent) : "";
  }

  // The first answer usually repeats what the page already shows; replacing it
  // would only cost the reader their place.
  function sameText(region, html) {
    var incoming = document.createElement("div");
    incoming.innerHTML = html;
    var current = region.cloneNode(true);
    current.querySelectorAll(".local-time").forEach(function (el) { el.remove(); });
    return squash(incoming.textContent) === squash(current.textContent);
  }

  // What a reader is told about: updates by id, the overall status, each service's status.
  function snapshot(region) {
    var seen = { overall: textOf(region, ".banner h1"), updates: {}, services: {} };
    region.querySelectorAll(".update[id]").forEach(function (el) { seen.updates[el.id] = true; });
    region.querySelectorAll(".service").forEach(function (el) {
      var name = textOf(el, ".service__name");
      if (name) seen.services[name] = textOf(el, ".status");
    });
    return seen;
  }

  function news(before, region) {
    var said = [];
    region.querySelectorAll(".update[id]").forEach(function (el) {
      if (before.updates[el.id]) return;
      var event = el.closest(".window, .incident");
      var title = event ? textOf(event, ".window__title") : "";
      said.push("New update" + (title ? " on " + title : "") + ": " +
        textOf(el, ".update__status") + ". " + textOf(el, ".update__body"));
    });
    var after = snapshot(region);
    if (after.overall && after.overall !== before.overall) {
      said.push("Overall status: " + after.overall + ".");
    }
    var changed = Object.keys(after.services).filter(function (name) {
      var was = before.services[name];
      return was && after.services[name] && was !== after.services[name];
    });
    changed.slice(0, SERVICES_SAID).forEach(function (name) {
      said.push(name + ": " + after.services[name] + ".");
    });
    if (changed.length > SERVICES_SAID) {
      said.push("And " + (changed.length - SERVICES_SAID) + " more services changed.");
    }
    return said.join(" ");
  }

  // Where keyboard focus was inside the region, to find the same control after a swap.
  function focusedIn(region) {
    var el = document.activeElement;
    if (!el || !region.contains(el)) return null;
    return { tag: el.tagName, href: el.getAttribute("href"), text: squash(el.textContent) };
  }

  function refocus(region, was) {
    if (!was) return;
    var same = Array.prototype.find.call(region.querySelectorAll(was.tag), function (el) {
      return el.getAttribute("href") === was.href && squash(el.textContent) === was.text;
    });
    if (same) same.focus({ preventScroll: true });
  }

  function watch(region) {
    var url = region.dataset.liveUrl;
    var seconds = Math.max(1, parseInt(region.dataset.liveInterval, 10) || 5);
    var etag = null;

    var timer = null;

    function poll() {
      timer = null;
      if (document.hidden) return schedule();
      var headers = etag ? { "If-None-Match": etag } : {};
      fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 200) {
            etag = response.headers.get("ETag");
            return response.text().then(function (html) {
              if (sameText(region, html)) return;
              var before = snapshot(region);
              var focus = focusedIn(region);
              region.innerHTML = html;
              if (window.localTimes) window.localTimes(region);
              refocus(region, focus);
              var said = news(before, region);
              if (said && announcer) announcer.textContent = said;
              region.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
            });
          }
        })
        .catch(function () { /* offline for a moment: try again at the next tick */ })
        .then(schedule);
    }

    function schedule() { timer = window.setTimeout(poll, seconds * 1000); }
    schedule();
    // A reader coming back to the tab sees what happened meanwhile at once.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden || timer === null) return;
      window.clearTimeout(timer);
      poll();
    });
  }

  var announcer = document.querySelector("[data-live-news]");
  document.querySelectorAll("[data-live-url]").forEach(watch);
})();
