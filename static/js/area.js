// Owner console, service area: a click on the picture fills in the coordinates of the form
// it points at (data-target), and marks the spot. The server checks the point exactly.

const svgNS = "http://www.w3.org/2000/svg";

for (const map of document.querySelectorAll("svg[data-area-map]")) {
  const lat0 = Number(map.dataset.lat);
  const lng0 = Number(map.dataset.lng);
  const perLat = Number(map.dataset.mPerDegLat);
  const perLng = Number(map.dataset.mPerDegLng);
  const half = Number(map.dataset.halfM);
  let pin = null;

  map.addEventListener("click", (event) => {
    const box = map.getBoundingClientRect();
    if (!box.width || !box.height) return;
    const x = -half + ((event.clientX - box.left) / box.width) * 2 * half;
    const north = half - ((event.clientY - box.top) / box.height) * 2 * half;
    const lat = lat0 + north / perLat;
    const lng = lng0 + x / perLng;
    const form = document.querySelector(map.closest("[data-area-picker]")?.dataset.target || "[data-point-form]");
    if (form) {
      form.querySelector("[name=lat]").value = lat.toFixed(6);
      form.querySelector("[name=lng]").value = lng.toFixed(6);
      form.querySelector("[name=lat]").dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (!pin) {
      pin = document.createElementNS(svgNS, "circle");
      pin.setAttribute("class", "area-pin");
      pin.setAttribute("fill", "#d92d20");
      pin.setAttribute("stroke", "#fff");
      map.append(pin);
    }
    const unit = (2 * half) / (box.width || 320);
    pin.setAttribute("cx", x.toFixed(1));
    pin.setAttribute("cy", (-north).toFixed(1));
    pin.setAttribute("r", (unit * 8).toFixed(1));
    pin.setAttribute("stroke-width", (unit * 2).toFixed(1));
  });
}

// "이 지점 옮기기" buttons point the picture at that point's move form.
for (const button of document.querySelectorAll("[data-pick-for]")) {
  button.hidden = false;
  button.addEventListener("click", () => {
    const picker = document.querySelector("[data-area-picker]");
    if (!picker) return;
    picker.dataset.target = button.dataset.pickFor;
    picker.scrollIntoView({ behavior: "smooth", block: "center" });
  });
}
