// Owner console "today's reservations" and the café page: when any order changes, fetch this
// same page again and swap the list in place (the server renders it; no state kept here).
// The socket follows the shop's or the café's versioned feed (livesocket.js): a missed change
// is asked for again, and a snapshot newer than the page means "read the list again".

import { followStream } from "./livesocket.js";

const root = document.querySelector("[data-owner-reservations], [data-cafe]");
if (root) start(root);

function socketPath(root) {
  if (root.hasAttribute("data-cafe")) return `/ws/cafe/${encodeURIComponent(root.dataset.token)}/`;
  return `/ws/owner/shops/${encodeURIComponent(root.dataset.shop)}/reservations/`;
}

function start(root) {
  const live = root.querySelector("[data-reservations-live]");
  const badge = root.querySelector("[data-live-status]");
  let shown = Number(root.dataset.version || 0); // the version the list on screen reflects
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

  function schedule(version) {
    if (version <= shown) return;
    shown = version;
    clearTimeout(pending);
    pending = setTimeout(reload, 150);
  }

  if (!("WebSocket" in window)) return;
  followStream(socketPath(root), {
    version: shown,
    onSnapshot: (message) => schedule(message.version),
    onMessage: (message) => schedule(message.version),
    onOpen: () => { if (badge) badge.hidden = false; },
    onClose: () => { if (badge) badge.hidden = true; },
  });
}
