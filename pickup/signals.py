"""Keep pickup points in step with their shop: a counter for every shop, and points left
outside a changed service area paused. Also the signal pickup sends upward when a customer
asks for a reservation's pushes (the notify capability receives it; pickup cannot import it).
Open reservations also keep the listing options they were made for (``options_held``)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from livestock.models import ListingOption
from livestock.signals import options_held
from pickup import streams
from pickup.models import PickupPoint, Reservation
from pickup.services import points
from shops.models import Shop
from shops.signals import service_area_changed

# Sent by the reservation API after a reservation is made with a ``push_subscription``:
# ``reservation=<Reservation>``, ``subscription=<shops.push_subscriptions.Subscription>``
# (already checked against WEB_PUSH_ENDPOINT_HOSTS), ``origin="https://host"``.
reservation_push_requested = Signal()

COUNTER_FIELDS = {"name", "address", "lat", "lng", "opening_hours", "phone"}


@receiver(post_save, sender=Shop, dispatch_uid="pickup_shop_counter")
def keep_shop_counter(sender, instance: Shop, raw: bool = False, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if raw or (update_fields is not None and not COUNTER_FIELDS & set(update_fields)):
        return
    points.ensure_shop_counter(shop=instance)


@receiver(service_area_changed, sender=Shop, dispatch_uid="pickup_pause_outside")
def pause_outside(sender, shop: Shop, **kwargs) -> list[str]:
    return points.pause_points_outside(shop=shop)


@receiver(post_save, sender=PickupPoint, dispatch_uid="pickup_point_feeds")
def create_feeds(sender, instance: PickupPoint, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        streams.ensure_feeds(shop_id=instance.shop_id, place_id=instance.place_id)


@receiver(options_held, sender=ListingOption, dispatch_uid="pickup_options_held")
def options_held_by_reservations(sender, listing, option_ids: set[int], **kwargs) -> set[int]:
    return set(
        Reservation.objects.open()
        .filter(listing_id=listing.pk, option_id__in=option_ids)
        .values_list("option_id", flat=True)
    )
