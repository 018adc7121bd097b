"""notify hears the floors below through signals: the business events (arrivals, stock,
reservation steps) and pickup's request to send a reservation's pushes to a device."""

from __future__ import annotations

from notify import services
from pickup.signals import reservation_push_requested
from shops import events
from shops.signals import owner_alert


def on_business_event(sender, event: events.BusinessEvent, **kwargs) -> None:
    services.on_event(event)


def on_reservation_push_requested(sender, reservation, subscription, origin: str, **kwargs):
    services.watch_reservation(reservation=reservation, subscription=subscription, origin=origin)


def on_owner_alert(sender, shop_id: int, key: str, title: str, body: str, path: str, **kwargs):
    services.alert_owner(shop_id=shop_id, key=key, title=title, body=body, path=path)


events.happened.connect(on_business_event, dispatch_uid="notify_business_events")
owner_alert.connect(on_owner_alert, dispatch_uid="notify_owner_alert")
reservation_push_requested.connect(
    on_reservation_push_requested, dispatch_uid="notify_reservation_push"
)
