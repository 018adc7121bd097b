// Live counts for a shop: websocket first, polling when websockets are blocked.
// Protocol (docs/live-protocol.md, kept by livesocket.js): apply `stock` only when
// version === last + 1, otherwise ask the server to resync; heartbeats reveal a message that
// never arrived.

import { gettext, interpolate } from "./i18n.js";
import { followStream } from "./livesocket.js";
import { hasDiscount, unitText } from "./units.js";

// One connection per live shop on the page (the shop page has one; "near me" several).
for (const root of document.querySelectorAll("[data-live-shop]")) startLive(root);

function startLive(root) {
  const slug = root.dataset.liveShop;
  const stockUrl = root.dataset.stockUrl;
  const list = root.querySelector("[data-listings]");
  const announcer = root.querySelector("[data-announcer]");
  const liveBadge = root.querySelector("[data-live-status]");
  const isConsole = root.hasAttribute("data-console");
  const won = new Intl.NumberFormat("ko-KR");
  const text = {
    soldOut: (name) => interpolate(gettext("%(name)s 품절"), { name }),
    left: (name, n, unit) => interpolate(gettext("%(name)s %(n)s%(unit)s 남음"), { name, n, unit: unitText(unit) }),
    optionLeft: (n) => interpolate(gettext("%(n)s개 남음"), { n }),
    price: (n) => interpolate(gettext("%(amount)s원"), { amount: won.format(n) }),
    limit: (n, unit) => interpolate(gettext("1인 최대 %(n)s%(unit)s"), { n, unit: unitText(unit) }),
  };

  let pollTimer = null;

  const rowFor = (id) => list.querySelector(`[data-listing-id="${id}"]`);

  function setField(row, name, value) {
    const el = row.querySelector(`[data-field="${name}"]`);
    if (el) el.textContent = value;
    return el;
  }

  function applyListing(listing, announce) {
    let row = rowFor(listing.id);
    if (listing.status === "ended") {
      if (row) row.remove();
      updateEmpty();
      return;
    }
    if (!row) {
      if (isConsole) { window.location.reload(); return; }
      const template = document.getElementById("listing-template");
      if (!template) return;
      row = template.content.firstElementChild.cloneNode(true);
      row.dataset.listingId = String(listing.id);
      completeNewRow(row, listing);
      list.prepend(row);
    }
    const before = row.querySelector('[data-field="available"]')?.textContent;
    setPhoto(row, listing);
    setField(row, "name", listing.name);
    setField(row, "unit", unitText(listing.unit));
    setField(row, "available", String(listing.available));
    const regular = setField(row, "price", text.price(listing.price));
    if (regular) regular.hidden = !hasDiscount(listing.price, listing.pickup_price);
    setOptions(row, listing);
    setField(row, "pickup_price", text.price(listing.pickup_price));
    if (listing.max_per_customer) setField(row, "limit", text.limit(listing.max_per_customer, listing.unit));
    const note = setField(row, "staff_note", listing.staff_note || "");
    if (note) note.hidden = !listing.staff_note;
    const soldOut = listing.status === "sold_out";
    row.classList.toggle("is-sold-out", soldOut);
    const badge = row.querySelector('[data-field="soldout"]');
    if (badge) badge.hidden = !soldOut;
    const reserve = row.querySelector('[data-field="reserve"]');
    if (reserve) reserve.hidden = soldOut;
    row.dispatchEvent(new CustomEvent("listing:update", { bubbles: true, detail: listing }));
    if (announce && announcer && before !== String(listing.available)) {
      announcer.textContent = soldOut
        ? text.soldOut(listing.name)
        : text.left(listing.name, listing.available, listing.unit);
    }
    updateEmpty();
  }

  // The ways to buy it as the owner last left them (names, pickup prices, sizes), each with its
  // own count in the unit the customer buys it in.
  function setOptions(row, listing) {
    const box = row.querySelector('[data-field="options"]');
    if (!box || !Array.isArray(listing.options)) return;
    box.replaceChildren(...listing.options.map((option) => {
      const item = document.createElement("li");
      item.dataset.optionUnits = String(option.units);
      const left = document.createElement("span");
      left.dataset.optionLeft = "";
      left.textContent = text.optionLeft(Math.floor(listing.available / Math.max(1, option.units)));
      item.append(`${option.label} · ${text.price(option.pickup_price)} · `, left);
      return item;
    }));
    box.hidden = listing.options.length === 0;
  }

  // A listing posted while the page is open: the same card the server would have drawn
  // (photo, share link, its own 예약하기; reserve.js adds it to the form).
  function completeNewRow(row, listing) {
    const share = row.querySelector('[data-field="share"]');
    if (share) share.href = `${share.dataset.shareBase}${listing.id}/`;
    const reserve = row.querySelector('[data-field="reserve"]');
    if (reserve) {
      reserve.dataset.reserveListing = String(listing.id);
      reserve.href = `${location.pathname}?item=${listing.id}#reserve`;
      setField(row, "reserve_name", ` ${listing.name}`);
    }
  }

  // The card's photo as the owner last left it (a new photo, or one remade smaller): the
  // small copy when there is one. A card with a video keeps its video.
  function setPhoto(row, listing) {
    if (!("photo" in row.dataset) || listing.video_url) return;
    const wanted = listing.photo_card_url || listing.photo_url || "";
    const current = row.querySelector("img.listing-media");
    if (current && wanted) current.alt = listing.name;  // a renamed item's photo says so
    if (row.dataset.photo === wanted) return;
    row.dataset.photo = wanted;
    const shown = row.querySelector("picture, img.listing-media");
    if (!wanted) {
      if (shown) shown.hidden = true;
      return;
    }
    const photo = document.createElement("img");
    photo.className = "listing-media";
    photo.dataset.field = "photo";
    photo.src = wanted;
    photo.alt = listing.name;
    photo.width = 96;
    photo.height = 96;
    if (shown) shown.replaceWith(photo);
    else row.prepend(photo);
  }

  function updateEmpty() {
    const empty = root.querySelector("[data-empty]");
    if (empty) empty.hidden = list.querySelector("[data-listing-id]") !== null;
  }

  function applySnapshot(message) {
    const seen = new Set();
    for (const listing of message.listings) {
      seen.add(String(listing.id));
      applyListing(listing, false);
    }
    for (const row of list.querySelectorAll("[data-listing-id]")) {
      if (!seen.has(row.dataset.listingId)) row.remove();
    }
    root.dataset.version = String(message.version);
    updateEmpty();
  }

  function setVersion(value) {
    stream.version = value;
    root.dataset.version = String(value);
  }

  const stream = followStream(`/ws/shops/${encodeURIComponent(slug)}/`, {
    version: Number(root.dataset.version || 0),
    onSnapshot: applySnapshot,
    onMessage(message) {
      if (message.type !== "stock") return;
      root.dataset.version = String(message.version);
      applyListing(message.listing, true);
    },
    onAny: (message) => root.dispatchEvent(new CustomEvent("live:message", { detail: message })),
    onOpen() {
      stopPolling();
      if (liveBadge) liveBadge.hidden = false;
    },
    onClose() { if (liveBadge) liveBadge.hidden = true; },
    onRetry(attempts, everOpened) {
      if (attempts >= (everOpened ? 2 : 3)) startPolling();
    },
    stopCodes: [4404],
  });

  async function poll() {
    try {
      const response = await fetch(`${stockUrl}?since=${stream.version}`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      if (data.full) {
        applySnapshot({ listings: data.listings, version: data.version });
        setVersion(data.version);
      } else if (data.version > stream.version) {
        for (const listing of data.listings) applyListing(listing, true);
        setVersion(data.version);
      }
    } catch (err) { /* offline: try again next tick */ }
  }

  function startPolling() {
    if (pollTimer) return;
    poll();
    pollTimer = setInterval(poll, 5000);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  const control = { get version() { return stream.version; }, resync: () => stream.resync() };
  if (!window.dongneLive) window.dongneLive = control;
  (window.dongneLiveShops ||= {})[slug] = control;
}
