// Near me: ask the browser for the location and reload the page with it.
// Without JavaScript (or without permission) the neighbourhood / coordinates form still works.

import { gettext } from "./i18n.js";

const button = document.querySelector("[data-geolocate]");
const errorBox = document.querySelector("[data-geolocate-error]");
const text = { noLocation: gettext("위치를 가져오지 못했습니다. 아래에서 동네를 고르거나 좌표를 입력해 주세요.") };

function showError(message) {
  if (!errorBox) return;
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

if (button && "geolocation" in navigator) {
  button.hidden = false;
  button.addEventListener("click", () => {
    button.disabled = true;
    showError("");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const url = new URL(window.location.href);
        url.search = "";
        url.searchParams.set("lat", position.coords.latitude.toFixed(6));
        url.searchParams.set("lng", position.coords.longitude.toFixed(6));
        window.location.assign(url.toString());
      },
      () => {
        button.disabled = false;
        showError(text.noLocation);
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 },
    );
  });
}
