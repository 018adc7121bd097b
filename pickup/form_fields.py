"""Which reserve-form field a refused reservation is about, by the error's code.

Plain Python (no Django): the form shows the server's sentence next to that field, with and
without JavaScript (the map is handed to reserve.js as ``data-error-fields``). A code not
listed here is about the whole form and shows above the 예약하기 button.
"""

from __future__ import annotations

RESERVE_ERROR_FIELDS: dict[str, str] = {
    "listing_not_found": "item",
    "listing_ended": "item",
    "option_not_found": "item",
    "option_changed": "item",
    "insufficient_stock": "quantity",
    "invalid_quantity": "quantity",
    "limit_per_customer": "quantity",
    "limit_per_network": "quantity",
    "pickup_point_not_found": "slot",
    "pickup_point_paused": "slot",
    "window_not_found": "slot",
    "window_outside_hours": "slot",
    "window_past": "slot",
    "window_full": "slot",
    "no_window_available": "slot",
    "shop_closed": "date",
    "invalid_pickup_date": "date",
    "name_required": "name",
    "invalid_phone": "phone",
    "no_show_limit": "phone",
    "too_many_active_reservations": "phone",
    "consent_required": "consent",
}


def field_for(code: str | None) -> str:
    """The form field an error code concerns, or "" for the form as a whole."""
    return RESERVE_ERROR_FIELDS.get(code or "", "")
