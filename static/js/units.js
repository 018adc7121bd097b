// How a count and its unit read together (shops/units.py says the same on the server):
// "198팩", but "50 × 500g" where the unit starts with a digit and would run into the number.

export function unitText(unit) {
  const text = String(unit || "").trim();
  return /^\d/.test(text) ? ` × ${text}` : text;
}

// The regular price is struck through only when the pickup price is really lower.
export function hasDiscount(price, pickupPrice) {
  return Number(pickupPrice) < Number(price);
}
