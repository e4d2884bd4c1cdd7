/* <script src="https://status.example.com/embed/banner.js" async></script> on any site.
   textContent and element.style only: no HTML from data, no CSP rule needed. */
(() => {
  const script = document.currentScript;
  if (!script) return;
  const KEY = "status-banner-dismissed";
  const DAY = { weekday: "short", day: "numeric", month: "short" };
  const ZONE = { timeZoneName: "short" };

  const local = (iso, ...options) =>
    new Date(iso).toLocaleString(undefined, Object.assign({ hour: "2-digit", minute: "2-digit" }, ...options));

  const describe = (e) => {
    if (e.kind === "incident") return `Incident: ${e.title} (${e.status_label})`;
    if (e.active) return `Maintenance in progress: ${e.title}, until ${local(e.end, DAY, ZONE)}`;
    const sameDay = new Date(e.start).toDateString() === new Date(e.end).toDateString();
    const end = local(e.end, sameDay ? {} : DAY, ZONE);
    return `Planned maintenance: ${e.title}, ${local(e.start, DAY)} – ${end}`;
  };

  const element = (tag, style, text) => {
    const node = document.createElement(tag);
    Object.assign(node.style, style);
    if (text) node.textContent = text;
    return node;
  };

  const show = (events, seen) => {
    const banner = element("div", {
      display: "flex", gap: "12px", padding: "8px 16px", color: "#fff",
      background: events.some((e) => e.kind === "incident") ? "#b42318" : "#0b5394",
      font: "14px/1.4 system-ui, sans-serif",
    });
    banner.setAttribute("role", "region");
    banner.setAttribute("aria-label", "Service status");
    const list = element("ul", { flex: "1", margin: "0", padding: "0", listStyle: "none" });
    for (const e of events.slice(0, 3)) {
      const item = element("li", {}, `${describe(e)} — `);
      const link = element("a", { color: "inherit", textDecoration: "underline" }, "details");
      if (/^https?:\/\//.test(e.url)) link.href = e.url;
      item.append(link);
      list.append(item);
    }
    const close = element("button", {
      background: "none", border: "0", color: "inherit", fontSize: "20px", cursor: "pointer",
    }, "×");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.onclick = () => {
      banner.remove();
      try { localStorage.setItem(KEY, seen); } catch { /* blocked */ }
    };
    banner.append(list, close);
    document.body.prepend(banner);
  };

  fetch(new URL("banner.json", script.src))
    .then((response) => (response.ok ? response.json() : {}))
    .then(({ events = [] }) => {
      if (!events.length) return;
      // Dismissed until an event is added or changes.
      const seen = events.map((e) => e.url + e.status + e.start).join();
      try { if (localStorage.getItem(KEY) === seen) return; } catch { /* blocked */ }
      if (document.body) show(events, seen);
      else document.addEventListener("DOMContentLoaded", () => show(events, seen));
    })
    .catch(() => {}); // status page unreachable: no banner
})();
