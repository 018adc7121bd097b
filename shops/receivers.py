"""Signal receivers of the shops app (connected in ``ShopsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from shops import live


def membership_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    live.revoke_on_commit(user_id=instance.user_id, shop_id=instance.shop_id)


def user_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        live.revoke_on_commit(user_id=instance.pk, shop_id=None)
