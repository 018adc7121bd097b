"""Signal receivers of the shops app (connected in ``ShopsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from shops import live


def membership_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    live.revoke_on_commit(user_id=instance.user_id, shop_id=instance.shop_id)


def user_saved(
    sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A user deactivated, or no longer a superuser, may have lost shops: their sockets
    check again. (Signing in only touches ``last_login``; that is not announced.)"""
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    live.revoke_on_commit(user_id=instance.pk, shop_id=None)


def shop_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """A new shop gets its calendar row at once: closing a day locks that row, so it must
    exist before any reservation could race the closing (hours unset: open every day)."""
    if created:
        from shops.models import ShopCalendar

        ShopCalendar.objects.get_or_create(shop=instance)
