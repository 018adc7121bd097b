// Owner console "today's reservations" and the café page: when any order changes, fetch this
// same page again and swap the list in place (the server renders it; no state kept here).

const root = document.querySelector("[data-owner-reservations], [data-cafe]");
if (root) start(root);

function socketPath(root) {
  if (root.hasAttribute("data-cafe")) return `/ws/cafe/${encodeURIComponent(root.dataset.token)}/`;
  return `/ws/owner/shops/${encodeURIComponent(root.dataset.shop)}/reservations/`;
}

function start(root) {
  const live = root.querySelector("[data-reservations-live]");
  const badge = root.querySelector("[data-live-status]");
  let attempts = 0;
  let pending = null;

  async function reload() {
    if (document.activeElement && live.contains(document.activeElement) && document.activeElement.value) return;
    try {
      const response = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = doc.querySelector("[data-reservations-live]");
      if (fresh) live.replaceChildren(...fresh.childNodes);
    } catch (err) { /* offline: the next change retries */ }
  }

  function schedule() {
    clearTimeout(pending);
    pending = setTimeout(reload, 150);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${socketPath(root)}`);
    socket.addEventListener("open", () => { attempts = 0; if (badge) badge.hidden = false; });
    socket.addEventListener("message", (event) => {
      try { if (JSON.parse(event.data).type === "reservation") schedule(); } catch (err) { /* ignore */ }
    });
    socket.addEventListener("close", (event) => {
      if (badge) badge.hidden = true;
      if (event.code === 4403 || event.code === 4404) return;
      attempts += 1;
      setTimeout(() => { schedule(); connect(); }, Math.min(30000, 500 * 2 ** Math.min(attempts, 6)) * (0.5 + Math.random()));
    });
  }
  if ("WebSocket" in window) connect();
}
