// Shop page: offer to sort the pickup places nearest-first with the browser's location.
// The server does the sorting (?lat=&lng=), so the list and its map stay consistent.

const button = document.querySelector("[data-pickup-nearest]");

if (button && "geolocation" in navigator) {
  button.hidden = false;
  button.addEventListener("click", () => {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const url = new URL(window.location.href);
        url.searchParams.set("lat", position.coords.latitude.toFixed(6));
        url.searchParams.set("lng", position.coords.longitude.toFixed(6));
        url.hash = "pickup";
        window.location.assign(url.toString());
      },
      () => { button.disabled = false; },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 },
    );
  });
}
