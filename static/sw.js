// 동네5km service worker (served at /sw.js, scope /): shows pushes, opens or focuses the right
// page on a tap, turns a follow off from the notification, keeps subscriptions alive across
// pushsubscriptionchange, and shows the offline page when a navigation finds no network.
// The server fills in OFFLINE_ASSETS (the offline page and the files it needs).
const OFFLINE_ASSETS = __OFFLINE_ASSETS__;
const OFFLINE_URL = OFFLINE_ASSETS[0];
const CACHE = "dongne5km-offline-v1";
const ICON = OFFLINE_ASSETS[2];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(OFFLINE_ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
  } else if (OFFLINE_ASSETS.some((asset) => request.url.endsWith(asset))) {
    event.respondWith(fetch(request).catch(() => caches.match(request)));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { title: "동네5km", body: event.data ? event.data.text() : "" };
  }
  const actions = data.unfollow_url ? [{ action: "unfollow", title: "알림 끄기" }] : [];
  event.waitUntil(
    self.registration.showNotification(data.title || "동네5km", {
      body: data.body || "",
      tag: data.tag,
      renotify: Boolean(data.tag),
      icon: ICON,
      badge: ICON,
      lang: "ko",
      data: { url: data.url || "/", unfollow_url: data.unfollow_url || null },
      actions,
    }),
  );
});

async function openOrFocus(url) {
  const target = new URL(url, self.location.origin);
  if (target.origin !== self.location.origin) return null; // only this site's pages
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).pathname === target.pathname && "focus" in client) return client.focus();
  }
  return self.clients.openWindow(target.href);
}

self.addEventListener("notificationclick", (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  if (event.action === "unfollow" && data.unfollow_url) {
    const target = new URL(data.unfollow_url, self.location.origin);
    if (target.origin === self.location.origin) {
      event.waitUntil(fetch(target.href, { method: "DELETE" }).catch(() => openOrFocus("/notify/")));
    }
    return;
  }
  event.waitUntil(openOrFocus(data.url || "/"));
});

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil((async () => {
    const old = event.oldSubscription;
    let fresh = event.newSubscription;
    if (!fresh) {
      const response = await fetch("/api/push/key");
      const { public_key: key } = await response.json();
      fresh = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
    }
    await fetch("/api/push/resubscribe", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ old_endpoint: old ? old.endpoint : null, subscription: fresh.toJSON() }),
    });
  })());
});
