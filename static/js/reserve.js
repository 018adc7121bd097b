// The reserve form on the shop page. Without JS it is a plain POST form; with JS it follows
// the live counts (`listing:update` from live.js), says so the moment the chosen item sells
// out, and posts to the API with an Idempotency-Key so a double tap reserves once.

import { gettext, interpolate } from "./i18n.js";
import { unitText } from "./units.js";

const STORE = "dongne5km:reservations";
const TEXT = {
  // Counts in the unit the customer buys: the option ("1팩 99개"), else the listing's unit.
  canReserve: (n, option) => (option.dataset.option
    ? interpolate(gettext("지금 %(option)s %(n)s개 예약 가능"), { option: option.dataset.option, n })
    : interpolate(gettext("지금 %(n)s%(unit)s 예약 가능"), { n, unit: unitText(option.dataset.unit) })),
  justSoldOut: gettext("방금 품절되었습니다"),
  itemSoldOut: (name) => interpolate(gettext("%(name)s: 방금 품절되었습니다. 다른 상품을 골라 주세요."), { name }),
  fewerLeft: (n, option) => (option.dataset.option
    ? interpolate(gettext("지금 %(option)s %(n)s개만 남았습니다. 수량을 줄여 주세요."), { option: option.dataset.option, n })
    : interpolate(gettext("지금 %(n)s%(unit)s만 남았습니다. 수량을 줄여 주세요."), { n, unit: unitText(option.dataset.unit) })),
  total: (amount) => interpolate(gettext("예상 금액 %(amount)s원 (픽업가, 현장 결제)"), { amount }),
  price: (amount) => interpolate(gettext("%(amount)s원"), { amount: new Intl.NumberFormat("ko-KR").format(amount) }),
  soldOutTag: ` (${gettext("품절")})`,
  failed: gettext("예약하지 못했습니다. 다시 시도해 주세요."),
  choiceChanged: (name) => interpolate(gettext("가게에서 '%(name)s'의 내용을 방금 바꿨습니다. 고른 상품과 가격을 확인해 주세요."), { name }),
  offline: gettext("네트워크 연결을 확인해 주세요. 다시 눌러도 한 번만 예약됩니다."),
};
const box = document.querySelector("[data-reserve]");
if (box) {
  showMine(box);
  const form = box.querySelector("[data-reserve-form]");
  if (form) enhance(box, form);
}

function readMine() {
  try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (err) { return []; }
}

function showMine(box) {
  const shop = box.dataset.shop;
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Seoul" });
  const mine = readMine().filter((r) => r.shop === shop && r.date === today);
  const wrap = box.querySelector("[data-my-reservations]");
  const list = box.querySelector("[data-my-reservations-list]");
  if (!wrap || !list || !mine.length) return;
  list.replaceChildren(...mine.map((r) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = r.url;
    a.textContent = `${r.item} × ${r.quantity} · ${r.code}`;
    li.append(a);
    return li;
  }));
  wrap.hidden = false;
}

function enhance(box, form) {
  const item = form.querySelector("[data-reserve-item]");
  const quantity = form.querySelector("[data-reserve-quantity]");
  const stockLine = form.querySelector("[data-reserve-stock]");
  const total = form.querySelector("[data-reserve-total]");
  const errorBox = form.querySelector("[data-reserve-error]");
  const submit = form.querySelector("[data-reserve-submit]");
  const keyInput = form.querySelector("[data-idempotency]");
  const available = new Map();
  const won = new Intl.NumberFormat("ko-KR");

  for (const row of document.querySelectorAll("[data-listing-id]")) {
    const count = row.querySelector('[data-field="available"]');
    if (count) available.set(row.dataset.listingId, Number(count.textContent));
  }

  // A refused reservation's message: next to the field it is about (the server's error code
  // says which, data-error-fields), or above the button when it is about the whole form. It
  // stays, announced (role="alert"), until the shopper changes that field (or the form).
  const errorFields = JSON.parse(form.dataset.errorFields || "{}");
  let formError = errorBox.hidden ? "" : errorBox.textContent;

  const selected = () => item.options[item.selectedIndex];

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  function controlFor(box) {
    return form.querySelector(`[aria-describedby~="${box.id}"]`);
  }

  function showFieldError(box, message) {
    box.textContent = message;
    box.hidden = !message;
    const control = controlFor(box);
    if (control && message) control.setAttribute("aria-invalid", "true");
    else if (control) control.removeAttribute("aria-invalid");
  }

  function report(code, message) {
    const box = form.querySelector(`[data-field-error="${errorFields[code] || "-"}"]`);
    if (box) {
      showFieldError(box, message);
      controlFor(box)?.focus({ preventScroll: true });
      box.scrollIntoView({ block: "center", behavior: "smooth" });
    } else {
      formError = message;
    }
  }

  for (const box of form.querySelectorAll("[data-field-error]")) {
    const control = controlFor(box);
    const clear = () => { if (!box.hidden) showFieldError(box, ""); };
    control?.addEventListener("input", clear);
    control?.addEventListener("change", clear);
  }
  const changed = () => { formError = ""; refresh(); };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // The live counts' own warnings come first; otherwise the form's last refusal stays.
  function refresh() {
    const option = selected();
    if (!option) return;
    const left = available.get(option.dataset.listing);
    const units = Number(option.dataset.units || 1);
    const qty = Math.max(1, Number(quantity.value) || 1);
    let warning = "";
    if (left !== undefined) {
      const canTake = Math.floor(left / units);
      const perPerson = Math.floor(Number(option.dataset.limit || 100) / units);
      quantity.max = String(Math.max(1, Math.min(100, canTake, perPerson)));
      stockLine.textContent = canTake > 0 ? TEXT.canReserve(canTake, option) : TEXT.justSoldOut;
      submit.disabled = canTake < qty;
      if (canTake === 0) warning = TEXT.itemSoldOut(option.dataset.name);
      else if (canTake < qty) warning = TEXT.fewerLeft(canTake, option);
    }
    showError(warning || formError);
    total.textContent = TEXT.total(won.format(Number(option.dataset.price) * qty));
  }

  // 예약하기 on a card: choose that item here, no page load (without JS the link reloads the
  // page with ?item=<id>, which the server preselects).
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("[data-reserve-listing]");
    if (!link || !link.dataset.reserveListing) return;
    const option = [...item.options].find((o) => o.dataset.listing === link.dataset.reserveListing && !o.disabled);
    if (!option) return;
    event.preventDefault();
    item.value = option.value;
    item.dispatchEvent(new Event("change", { bubbles: true }));
    box.scrollIntoView({ behavior: "smooth", block: "start" });
    quantity.focus({ preventScroll: true });
  });

  // The form's choices for a listing: one per option, or the listing itself.
  function itemOptions(listing) {
    const limit = listing.max_per_customer || 100;
    const ways = listing.options && listing.options.length ? listing.options : [null];
    return ways.map((way) => {
      const option = document.createElement("option");
      option.value = way ? `${listing.id}:${way.id}` : String(listing.id);
      option.dataset.listing = String(listing.id);
      option.dataset.units = String(way ? way.units : 1);
      option.dataset.price = String(way ? way.pickup_price : listing.pickup_price);
      option.dataset.name = way ? `${listing.name} · ${way.label}` : listing.name;
      option.dataset.unit = listing.unit;
      option.dataset.option = way ? way.label : "";
      option.dataset.limit = String(limit);
      const limitText = way
        ? interpolate(gettext("1인 최대 %(n)s개"), { n: Math.floor(limit / way.units) })
        : interpolate(gettext("1인 최대 %(n)s%(unit)s"), { n: limit, unit: unitText(listing.unit) });
      option.textContent = `${option.dataset.name} — ${TEXT.price(option.dataset.price)} · ${limitText}`;
      return option;
    });
  }

  const sameChoice = (a, b) => ["units", "price", "name", "unit", "limit"].every((k) => a.dataset[k] === b.dataset[k]);

  // The owner changed the listing (name, price, options): its choices become what the page now
  // shows. A shopper whose chosen one changed or went is told before reserving it.
  function syncItem(listing, current) {
    const fresh = itemOptions(listing);
    if (fresh.length === current.length && fresh.every((o, i) => o.value === current[i].value && sameChoice(o, current[i]))) return;
    const chosen = selected();
    const wasChosen = current.includes(chosen) ? chosen : null;
    current[0].before(...fresh);
    for (const option of current) option.remove();
    if (!wasChosen) return;
    const again = fresh.find((o) => o.value === wasChosen.value);
    item.value = (again || fresh[0]).value;
    if (!again || !sameChoice(again, wasChosen)) formError = TEXT.choiceChanged(wasChosen.dataset.name);
  }

  document.addEventListener("listing:update", (event) => {
    const listing = event.detail;
    const current = [...item.options].filter((o) => o.dataset.listing === String(listing.id));
    if (!current.length && listing.status === "on_sale") item.append(...itemOptions(listing));
    else if (current.length) syncItem(listing, current);
    if (form.hidden && item.options.length) {  // the shop's first item of the day
      form.hidden = false;
      box.querySelector("[data-reserve-empty]")?.setAttribute("hidden", "");
    }
    available.set(String(listing.id), listing.status === "on_sale" ? listing.available : 0);
    for (const option of item.options) {
      if (option.dataset.listing !== String(listing.id)) continue;
      const soldOut = Math.floor((available.get(String(listing.id)) || 0) / Number(option.dataset.units || 1)) < 1;
      option.disabled = soldOut && option !== selected();
      const base = option.textContent.endsWith(TEXT.soldOutTag) ? option.textContent.slice(0, -TEXT.soldOutTag.length) : option.textContent;
      option.textContent = base + (soldOut ? TEXT.soldOutTag : "");
    }
    refresh();
  });
  refresh();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const data = new FormData(form);
    const [listingId, optionId] = String(data.get("item") || "").split(":");
    const [pointId, windowId, pickupDate] = String(data.get("slot") || "").split(":");
    const body = {
      listing_id: Number(listingId),
      quantity: Number(data.get("quantity")),
      pickup_point_id: Number(pointId),
      name: String(data.get("name") || ""),
      phone: String(data.get("phone") || ""),
      consent: data.get("consent") === "1",
    };
    if (optionId) body.option_id = Number(optionId);
    if (windowId) body.pickup_window = Number(windowId);
    if (pickupDate) body.pickup_date = pickupDate;
    submit.disabled = true;
    formError = "";
    for (const box of form.querySelectorAll("[data-field-error]")) showFieldError(box, "");
    showError("");
    try {
      const response = await fetch(box.dataset.apiUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": keyInput.value },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      const result = await response.json().catch(() => ({}));
      if (response.status === 201) {
        const mine = readMine().filter((r) => r.token !== result.token);
        mine.unshift({ token: result.token, url: result.url, shop: box.dataset.shop, code: result.code,
                       item: result.item_name, quantity: result.quantity, date: result.date });
        localStorage.setItem(STORE, JSON.stringify(mine.slice(0, 20)));
        window.location.assign(result.url);
        return;
      }
      if (result.code === "insufficient_stock" && typeof result.available === "number") {
        available.set(listingId, result.available);
      }
      report(result.code, result.detail || TEXT.failed);
      keyInput.value = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
    } catch (err) {
      report("", TEXT.offline);
    } finally {
      submit.disabled = false;
      refresh();
    }
  });
}
