// Notifications on the page: the follow button (shop page, near-me list), "다시 들어오면 알림"
// on sold-out items, a reservation's pushes, the owner's "새 예약" and the "내 알림" page.
// Every subscription comes from pushManager.subscribe with the server's VAPID key; when the
// browser cannot make one (no push support, iOS outside a home-screen app, blocked, offline),
// the page says so instead of failing silently.

import { gettext } from "./i18n.js";

const T = {
  unsupported: gettext("이 브라우저는 웹 푸시 알림을 받을 수 없어요."),
  ios: gettext("iPhone·iPad에서는 먼저 홈 화면에 추가한 뒤, 홈 화면의 동네5km에서 알림을 켜 주세요."),
  denied: gettext("알림이 차단되어 있어요. 브라우저 설정에서 이 사이트의 알림을 허용해 주세요."),
  failed: gettext("알림 구독을 만들지 못했어요. 이 브라우저가 푸시 서비스에 연결할 수 없습니다(오프라인이거나 지원하지 않음). 잠시 뒤 다시 시도해 주세요."),
  followed: gettext("단골 알림을 켰어요. 오늘 입고·재입고 소식을 보내 드릴게요."),
  unfollowed: gettext("이 가게의 알림을 껐어요."),
  restock: gettext("다시 들어오면 한 번 알려 드릴게요."),
  reservation: gettext("이 예약의 알림을 보내 드릴게요."),
  staff: gettext("이 휴대폰으로 새 예약을 알려 드릴게요."),
  none: gettext("이 기기에서 받는 단골 알림이 없습니다."),
  error: gettext("문제가 생겼어요. 다시 시도해 주세요."),
  arrivals: gettext("오늘 입고"),
  restockTopic: gettext("재입고"),
  night: gettext("야간 포함"),
};

const isIOS = /iPad|iPhone|iPod/.test(navigator.userAgent)
  || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

class NotifyError extends Error {}

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function existingSubscription() {
  if (!supported) return null;
  const registration = await navigator.serviceWorker.getRegistration("/");
  return registration ? registration.pushManager.getSubscription() : null;
}

// A subscription for this device, made on a tap: permission, the worker, then the push service.
async function subscribe() {
  if (!supported) throw new NotifyError(isIOS && !standalone ? T.ios : T.unsupported);
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new NotifyError(T.denied);
  let registration;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    registration = await navigator.serviceWorker.ready;
  } catch (error) {
    throw new NotifyError(T.unsupported);
  }
  const current = await registration.pushManager.getSubscription();
  if (current) return current.toJSON();
  const response = await fetch("/api/push/key");
  const { public_key: key } = await response.json();
  try {
    const made = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
    return made.toJSON();
  } catch (error) {
    throw new NotifyError(T.failed);
  }
}

async function call(url, method, body, csrf) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRFToken"] = csrf;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  if (!response.ok) {
    let detail = T.error;
    try { detail = (await response.json()).detail || detail; } catch (error) { /* not JSON */ }
    throw new NotifyError(detail);
  }
  return response.status === 204 ? null : response.json();
}

function wire(box, action) {
  const status = box.querySelector("[data-notify-status]");
  const say = (message) => { if (status) status.textContent = message || ""; };
  if (!supported && isIOS && !standalone) {
    const note = box.querySelector("[data-ios-note]");
    if (note) note.hidden = false;
  }
  box.hidden = false;
  return async (button) => {
    button.disabled = true;
    say("");
    try {
      say(await action());
    } catch (error) {
      say(error instanceof NotifyError ? error.message : T.error);
      if (!(error instanceof NotifyError)) console.error(error);
    } finally {
      button.disabled = false;
    }
  };
}

const followed = new Map(); // shop slug → follow token, for this device

function showFollowState(box) {
  const button = box.querySelector("[data-follow-button]");
  const on = followed.has(box.dataset.shop);
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.textContent = on ? button.dataset.labelOn : button.dataset.labelOff;
}

function setUpFollow(box) {
  const button = box.querySelector("[data-follow-button]");
  const run = wire(box, async () => {
    const shop = box.dataset.shop;
    if (followed.has(shop)) {
      await call(`/api/follows/${encodeURIComponent(followed.get(shop))}`, "DELETE");
      followed.delete(shop);
      document.querySelectorAll("[data-follow]").forEach(showFollowState);
      return T.unfollowed;
    }
    const topics = [...box.querySelectorAll("[data-topic]")].filter((c) => c.checked).map((c) => c.dataset.topic);
    const night = Boolean(box.querySelector("[data-night]")?.checked);
    const subscription = await subscribe();
    const body = { subscription, night };
    if (box.querySelector("[data-topic]")) body.topics = topics;
    const { token } = await call(`/api/shops/${encodeURIComponent(shop)}/follow`, "POST", body);
    followed.set(shop, token);
    document.querySelectorAll("[data-follow]").forEach(showFollowState);
    return T.followed;
  });
  button.addEventListener("click", () => run(button));
}

function setUpRestock(box) {
  const item = box.closest(".listing, .nearby-listing");
  const soldOut = () => !item || item.classList.contains("is-sold-out");
  const sync = () => { box.hidden = !soldOut(); };
  const button = box.querySelector("[data-restock-button]");
  const run = wire(box, async () => {
    const subscription = await subscribe();
    await call(`/api/listings/${encodeURIComponent(box.dataset.restockListing)}/restock-alert`, "POST", { subscription });
    return T.restock;
  });
  button.addEventListener("click", () => run(button));
  sync();
  if (item) new MutationObserver(sync).observe(item, { attributes: true, attributeFilter: ["class"] });
}

function setUpReservation(box) {
  const button = box.querySelector("[data-reservation-push-button]");
  const run = wire(box, async () => {
    const subscription = await subscribe();
    await call(`/api/reservations/${encodeURIComponent(box.dataset.token)}/push`, "POST", { subscription });
    return T.reservation;
  });
  button.addEventListener("click", () => run(button));
}

function setUpStaff(box) {
  const button = box.querySelector("[data-staff-push-button]");
  const run = wire(box, async () => {
    const subscription = await subscribe();
    await call(`/api/shops/${encodeURIComponent(box.dataset.shop)}/push/new-reservations`, "POST", { subscription }, box.dataset.csrf);
    return T.staff;
  });
  button.addEventListener("click", () => run(button));
}

async function setUpMyAlerts(page) {
  const list = page.querySelector("[data-alert-list]");
  const empty = page.querySelector("[data-alert-empty]");
  const status = page.querySelector("[data-notify-status]");
  const template = document.getElementById("alert-item-template");
  if (!supported && isIOS && !standalone) page.querySelector("[data-ios-note]").hidden = false;
  const subscription = await existingSubscription();
  const follows = subscription ? await call("/api/push/follows", "POST", { endpoint: subscription.endpoint }) : [];
  empty.hidden = follows.length > 0;
  for (const follow of follows) {
    const item = template.content.firstElementChild.cloneNode(true);
    const link = item.querySelector('[data-field="shop"]');
    link.textContent = follow.shop_name;
    link.href = `/s/${encodeURIComponent(follow.shop)}/`;
    const topics = follow.topics.map((t) => (t === "arrivals" ? T.arrivals : T.restockTopic));
    if (follow.night) topics.push(T.night);
    item.querySelector('[data-field="topics"]').textContent = topics.join(" · ");
    item.querySelector("[data-unfollow]").addEventListener("click", async (event) => {
      event.target.disabled = true;
      try {
        await call(`/api/follows/${encodeURIComponent(follow.token)}`, "DELETE");
        item.remove();
        status.textContent = T.unfollowed;
        empty.hidden = list.children.length > 0;
      } catch (error) {
        status.textContent = error instanceof NotifyError ? error.message : T.error;
        event.target.disabled = false;
      }
    });
    list.append(item);
  }
}

async function loadFollowState() {
  const boxes = document.querySelectorAll("[data-follow]");
  if (!boxes.length) return;
  try {
    const subscription = await existingSubscription();
    if (subscription) {
      const follows = await call("/api/push/follows", "POST", { endpoint: subscription.endpoint });
      for (const follow of follows) followed.set(follow.shop, follow.token);
    }
  } catch (error) { /* the buttons still work; they just start as "off" */ }
  boxes.forEach(showFollowState);
}

document.querySelectorAll("[data-follow]").forEach(setUpFollow);
document.querySelectorAll("[data-restock]").forEach(setUpRestock);
document.querySelectorAll("[data-reservation-push]").forEach(setUpReservation);
document.querySelectorAll("[data-staff-push]").forEach(setUpStaff);
document.querySelectorAll("[data-my-alerts]").forEach((page) => setUpMyAlerts(page).catch(() => {
  page.querySelector("[data-notify-status]").textContent = T.error;
}));
loadFollowState();
