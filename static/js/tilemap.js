// Owner console, service area over street tiles (only when the server sets MAP_TILE_URL).
// The offline picture below stays; a click here fills in the same coordinate fields.

const data = JSON.parse(document.getElementById("tile-map-data")?.textContent || "null");
const box = document.querySelector("[data-tile-map]");
const L = window.L;

function text(value) {
  const span = document.createElement("span");
  span.textContent = value;
  return span;
}

if (data && box && L) {
  box.hidden = false;
  const map = L.map(box, { scrollWheelZoom: false, zoomSnap: 0.25 });
  const centre = L.latLng(data.shop.lat, data.shop.lng);
  map.fitBounds(centre.toBounds(2 * data.radius_m), { padding: [8, 8] });
  L.tileLayer(data.tiles.url, {
    maxZoom: data.tiles.max_zoom,
    attribution: data.tiles.attribution,
  }).addTo(map);
  L.circle(centre, {
    radius: data.radius_m, color: "#ff7a00", weight: 2, dashArray: "6 4", fill: false,
    className: "tile-ring", interactive: false,
  }).addTo(map);
  if (data.polygon) {
    L.geoJSON(data.polygon, {
      style: { color: "#3b5bdb", weight: 2, fill: false, interactive: false },
    }).addTo(map);
  }
  const colours = { counter: "#c95f00", point: "#3b5bdb", paused: "#9a9aa3" };
  for (const point of data.points) {
    L.circleMarker([point.lat, point.lng], {
      radius: point.kind === "counter" ? 9 : 7, color: "#fff", weight: 2,
      fillColor: colours[point.kind] || colours.point, fillOpacity: 1,
      className: `tile-marker tile-marker-${point.kind}`,
    }).bindTooltip(text(point.name)).addTo(map);
  }

  let pin = null;
  map.on("click", (event) => {
    const { lat, lng } = event.latlng;
    const picker = box.closest("[data-area-picker]");
    const form = document.querySelector(picker?.dataset.target || "[data-point-form]");
    if (form) {
      form.querySelector("[name=lat]").value = lat.toFixed(6);
      form.querySelector("[name=lng]").value = lng.toFixed(6);
      form.querySelector("[name=lat]").dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (pin) {
      pin.setLatLng(event.latlng);
    } else {
      pin = L.circleMarker(event.latlng, {
        radius: 8, color: "#fff", weight: 2, fillColor: "#d92d20", fillOpacity: 1,
        className: "tile-pin", interactive: false,
      }).addTo(map);
    }
  });
}
