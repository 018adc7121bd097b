// The reservation page: live status over /ws/reservations/<token>/ (polling the API as a
// fallback) and "my reservations" remembered in this browser. The socket follows the
// reservation's versioned stream (livesocket.js): each message holds the whole reservation.

import { gettext } from "./i18n.js";
import { followStream } from "./livesocket.js";

const STORE = "dongne5km:reservations";
const root = document.querySelector("[data-reservation]");
if (root) start(root);

// A broadcast is built once for everyone (in the language of whoever changed the status), so
// the status words come from this page's own language, the server's label being the fallback.
const LABEL = {
  confirmed: gettext("예약 확정"),
  ready: gettext("준비 완료"),
  picked_up: gettext("수령 완료"),
  cancelled: gettext("취소됨"),
  no_show: gettext("미수령(노쇼)"),
};
const HELP = {
  confirmed: gettext("가게에서 준비하고 있습니다. 준비되면 여기에 바로 표시됩니다."),
  ready: gettext("준비되었습니다! 픽업 장소에서 수령 코드를 보여 주세요."),
  picked_up: gettext("이용해 주셔서 고맙습니다. 오늘 들어온 다른 상품도 가게 페이지에서 볼 수 있습니다."),
  cancelled: gettext("이 예약은 취소되어 수령 코드를 더 쓸 수 없습니다. 필요하면 가게 페이지에서 다시 예약해 주세요."),
  no_show: gettext("수령 시간이 지나 수령 코드를 더 쓸 수 없습니다. 아직 필요하면 가게 페이지에서 다시 예약해 주세요."),
};

function remember(root) {
  let mine = [];
  try { mine = JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (err) { mine = []; }
  const d = root.dataset;
  mine = mine.filter((r) => r.token !== d.token);
  mine.unshift({ token: d.token, url: d.url, shop: d.shop, code: d.code, item: d.item,
                 quantity: Number(d.quantity), date: d.date, status: d.status });
  try { localStorage.setItem(STORE, JSON.stringify(mine.slice(0, 20))); } catch (err) { /* private mode */ }
}

function start(root) {
  remember(root);
  const label = root.querySelector("[data-status-label]");
  const help = root.querySelector("[data-status-help]");
  let pollTimer = null;

  function apply(reservation) {
    if (!reservation || reservation.token !== root.dataset.token) return;
    root.dataset.status = reservation.status;
    label.textContent = LABEL[reservation.status] || reservation.status_label;
    label.className = `status-badge status-${reservation.status}`;
    let text = HELP[reservation.status] || "";
    if (reservation.status === "cancelled" && reservation.cancel_reason) text += ` (${reservation.cancel_reason})`;
    help.textContent = text;
    // The code and QR, the amount due, the cancel button, the way back to the shop: each
    // part says which statuses it belongs to (data-show-when).
    for (const part of root.querySelectorAll("[data-show-when]")) {
      part.hidden = !part.dataset.showWhen.split(" ").includes(reservation.status);
    }
    remember(root);
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.apiUrl, { headers: { Accept: "application/json" } });
      if (response.ok) apply(await response.json());
    } catch (err) { /* offline */ }
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  followStream(`/ws/reservations/${encodeURIComponent(root.dataset.token)}/`, {
    version: Number(root.dataset.version || 0),
    onSnapshot: (message) => apply(message.reservation),
    onMessage: (message) => { if (message.type === "reservation") apply(message.reservation); },
    onOpen: stopPolling,
    onRetry(attempts) {
      if (attempts >= 2 && !pollTimer) pollTimer = setInterval(poll, 10000);
    },
    stopCodes: [4404],
  });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") poll(); });
}
