// Owner console: post the count buttons without leaving the page.
// The new count arrives through the live socket like on every customer's phone.

import { gettext } from "./i18n.js";

const text = { failed: gettext("요청을 처리하지 못했습니다."), offline: gettext("네트워크 연결을 확인해 주세요.") };

for (const form of document.querySelectorAll("[data-stock-form]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    if (button) button.disabled = true;
    try {
      // getAttribute: a control named "action" inside the form shadows form.action.
      const response = await fetch(form.getAttribute("action"), {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      const row = form.closest("[data-listing-id]");
      if (!response.ok) {
        showError(row, data.detail || text.failed);
        return;
      }
      showError(row, "");
      const count = row && row.querySelector('[data-field="available"]');
      if (count) count.textContent = String(data.available);
      form.reset();
    } catch (err) {
      showError(form.closest("[data-listing-id]"), text.offline);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

function showError(row, message) {
  if (!row) return;
  let box = row.querySelector(".form-error");
  if (!box) {
    box = document.createElement("div");
    box.className = "form-error";
    box.setAttribute("role", "alert");
    row.querySelector(".listing-body").append(box);
  }
  box.textContent = message;
  box.hidden = !message;
}
