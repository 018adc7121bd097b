// Owner console, service area. Without JavaScript every part is a plain form; this adds:
// - a tap on the picture marks the spot (crosshair + pin) and fills in the coordinates of the
//   form it points at (data-target), saying in words where the tap landed;
// - "그리기 시작": taps become the corners of the area's shape, written into the polygon
//   field as the server expects (undo the last corner, clear the shape);
// - the typed radius only shows when "직접 입력" is chosen.
// The server checks every point and shape exactly.

import { gettext, interpolate } from "./i18n.js";

const svgNS = "http://www.w3.org/2000/svg";
const DIRECTIONS = [
  gettext("북쪽"),
  gettext("북동쪽"),
  gettext("동쪽"),
  gettext("남동쪽"),
  gettext("남쪽"),
  gettext("남서쪽"),
  gettext("서쪽"),
  gettext("북서쪽"),
];

function svg(tag, attrs) {
  const el = document.createElementNS(svgNS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  return el;
}

function describe(east, north) {
  const metres = Math.hypot(east, north);
  const far = metres >= 1000 ? `${(metres / 1000).toFixed(1)}km` : `${Math.round(metres)}m`;
  if (metres < 15) return gettext("가게 바로 앞");
  const angle = (Math.atan2(east, north) * 180) / Math.PI;
  const dir = DIRECTIONS[Math.round(((angle + 360) % 360) / 45) % 8];
  return interpolate(gettext("가게에서 %(dir)s 약 %(far)s"), { dir, far });
}

for (const map of document.querySelectorAll("svg[data-area-map]")) {
  const lat0 = Number(map.dataset.lat);
  const lng0 = Number(map.dataset.lng);
  const perLat = Number(map.dataset.mPerDegLat);
  const perLng = Number(map.dataset.mPerDegLng);
  const half = Number(map.dataset.halfM);
  const picker = map.closest("[data-area-picker]");
  const status = document.querySelector("[data-picker-status]");
  const form = document.querySelector("[data-area-form]");
  const field = form?.querySelector("[name=polygon]");
  const draw = form?.querySelector("[data-area-draw]");
  const drawStatus = form?.querySelector("[data-draw-status]");
  const startButton = form?.querySelector("[data-draw-start]");
  const unit = () => (2 * half) / (map.getBoundingClientRect().width || 320);
  const toLocal = (lat, lng) => [(lng - lng0) * perLng, (lat - lat0) * perLat];

  let drawing = false;
  let corners = []; // [lat, lng]
  const saved = map.querySelector(".area-polygon");
  const draft = svg("polygon", { class: "area-draft", fill: "#3b5bdb", "fill-opacity": "0.15", stroke: "#3b5bdb" });
  const dots = svg("g", { class: "area-draft-corners" });
  map.append(draft, dots);

  // The pin: a crosshair through the whole picture and a ringed dot where the tap landed.
  const pin = svg("g", { class: "area-pin", hidden: "" });
  const hLine = svg("line", { stroke: "#d92d20", "stroke-dasharray": "4 4" });
  const vLine = svg("line", { stroke: "#d92d20", "stroke-dasharray": "4 4" });
  const ring = svg("circle", { fill: "none", stroke: "#d92d20" });
  const dot = svg("circle", { fill: "#d92d20", stroke: "#fff" });
  pin.append(hLine, vLine, ring, dot);
  map.append(pin);

  function showPin(x, y) {
    const u = unit();
    pin.removeAttribute("hidden");
    hLine.setAttribute("x1", -half); hLine.setAttribute("x2", half);
    hLine.setAttribute("y1", y); hLine.setAttribute("y2", y);
    vLine.setAttribute("y1", -half); vLine.setAttribute("y2", half);
    vLine.setAttribute("x1", x); vLine.setAttribute("x2", x);
    for (const line of [hLine, vLine]) line.setAttribute("stroke-width", (u * 1.5).toFixed(1));
    ring.setAttribute("cx", x); ring.setAttribute("cy", y);
    ring.setAttribute("r", (u * 16).toFixed(1));
    ring.setAttribute("stroke-width", (u * 3).toFixed(1));
    dot.setAttribute("cx", x); dot.setAttribute("cy", y);
    dot.setAttribute("r", (u * 7).toFixed(1));
    dot.setAttribute("stroke-width", (u * 2).toFixed(1));
  }

  function renderShape() {
    const u = unit();
    const local = corners.map(([lat, lng]) => toLocal(lat, lng));
    draft.setAttribute("points", local.map(([x, n]) => `${x.toFixed(1)},${(-n).toFixed(1)}`).join(" "));
    draft.setAttribute("stroke-width", (u * 2.5).toFixed(1));
    dots.replaceChildren(
      ...local.map(([x, n], i) => {
        const c = svg("circle", { cx: x.toFixed(1), cy: (-n).toFixed(1), r: (u * (i === local.length - 1 ? 8 : 6)).toFixed(1), fill: "#3b5bdb", stroke: "#fff", "stroke-width": (u * 2).toFixed(1) });
        return c;
      }),
    );
    if (saved) saved.setAttribute("visibility", "hidden");
    if (field) {
      field.value =
        corners.length >= 3
          ? JSON.stringify({
              type: "Polygon",
              coordinates: [[...corners, corners[0]].map(([lat, lng]) => [Number(lng.toFixed(6)), Number(lat.toFixed(6))])],
            })
          : "";
    }
    if (drawStatus) {
      drawStatus.textContent =
        corners.length === 0
          ? gettext("모양 없음: 반경 원 전체가 구역입니다.")
          : corners.length < 3
            ? interpolate(gettext("점 %(n)s개: %(more)s개 더 누르면 구역이 됩니다."), { n: corners.length, more: 3 - corners.length })
            : interpolate(gettext("점 %(n)s개로 구역을 그렸습니다. '구역 저장'을 누르면 적용됩니다."), { n: corners.length });
    }
  }

  // Start from the saved shape, so undo and clear work on it too.
  try {
    const shape = field?.value.trim() ? JSON.parse(field.value) : null;
    const ringCoords = shape?.type === "Polygon" ? shape.coordinates[0] : null;
    if (Array.isArray(ringCoords)) corners = ringCoords.slice(0, -1).map(([lng, lat]) => [lat, lng]);
  } catch {
    corners = []; // typed text the server will judge; leave it as it is
  }

  if (draw && field) {
    draw.hidden = false;
    startButton.addEventListener("click", () => {
      drawing = !drawing;
      startButton.setAttribute("aria-pressed", String(drawing));
      startButton.textContent = drawing ? gettext("그리기 멈춤") : gettext("그리기 시작");
      if (drawing) {
        pin.setAttribute("hidden", "");
        if (status) status.textContent = gettext("그리기 중: 그림에서 구역의 모서리를 차례로 누르세요.");
        picker.scrollIntoView({ block: "nearest" });
      } else if (status) status.textContent = "";
    });
    form.querySelector("[data-draw-undo]").addEventListener("click", () => {
      corners.pop();
      renderShape();
    });
    form.querySelector("[data-draw-clear]").addEventListener("click", () => {
      corners = [];
      renderShape();
    });
    if (drawStatus) {
      drawStatus.textContent = corners.length
        ? interpolate(gettext("지금 모양: 점 %(n)s개."), { n: corners.length })
        : gettext("모양 없음: 반경 원 전체가 구역입니다.");
    }
  }

  map.addEventListener("click", (event) => {
    const box = map.getBoundingClientRect();
    if (!box.width || !box.height) return;
    const x = -half + ((event.clientX - box.left) / box.width) * 2 * half;
    const north = half - ((event.clientY - box.top) / box.height) * 2 * half;
    const lat = lat0 + north / perLat;
    const lng = lng0 + x / perLng;
    if (drawing) {
      corners.push([lat, lng]);
      renderShape();
      return;
    }
    const target = document.querySelector(picker?.dataset.target || "[data-point-form]");
    if (target) {
      target.querySelector("[name=lat]").value = lat.toFixed(6);
      target.querySelector("[name=lng]").value = lng.toFixed(6);
      target.querySelector("[name=lat]").dispatchEvent(new Event("change", { bubbles: true }));
    }
    showPin(x.toFixed(1), (-north).toFixed(1));
    if (status) status.textContent = interpolate(gettext("빨간 표시 위치(%(where)s)를 골랐습니다."), { where: describe(x, north) });
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

// The typed radius shows only under "직접 입력" (without JavaScript it is always there).
const custom = document.querySelector("[data-custom-radius]");
const radios = document.querySelectorAll("input[name=radius_choice]");
if (custom && radios.length) {
  const sync = () => {
    const chosen = document.querySelector("input[name=radius_choice]:checked");
    custom.hidden = Boolean(chosen) && chosen.value !== "custom";
  };
  for (const radio of radios) radio.addEventListener("change", sync);
  sync();
}
