"""Close a member's owner sockets the moment they lose access to a shop.

Owner sockets (the reservations feed in the console) join the per-user group
``user.<id>`` besides their shop's group. When a membership is removed or its role changes,
or the user is deactivated, a message goes to that group after the change commits; every
socket of that user, in every daphne process, checks its access again and closes with 4403
when it is gone. Sent through the channel layer, so it reaches every process.
"""

from __future__ import annotations

import logging
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

ACCESS_CHANGED = "access.changed"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish_access_change(user_id: int, shop_id: int | None) -> None:
    """Tell ``user_id``'s sockets to check their access to ``shop_id`` (None: every shop).

    Called only from on_commit.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            user_group(user_id), {"type": ACCESS_CHANGED, "shop_id": shop_id})
    except Exception:
        # Not left to on_commit(robust=True): Django's own logging of it fails on a partial.
        logger.warning("access change of user %s for shop %s not sent", user_id, shop_id,
                       exc_info=True)


def revoke_on_commit(*, user_id: int, shop_id: int | None) -> None:
    transaction.on_commit(partial(publish_access_change, user_id, shop_id), robust=True)
