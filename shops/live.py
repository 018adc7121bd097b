"""Close a member's owner sockets the moment they lose access to a shop.

Owner sockets (the reservations feed in the console) join the per-user group
``user.<id>`` besides their shop's stream. When a membership is removed or its role changes,
or the user is deactivated, a message goes to that group after the change commits; every
socket of that user, in every daphne process, checks its access again and closes with 4403
when it is gone. Sent through the channel layer, so it reaches every process.
"""

from __future__ import annotations

from realtime.publish import publish_on_commit

ACCESS_CHANGED = "access_changed"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def revoke_on_commit(*, user_id: int, shop_id: int | None) -> None:
    """Tell ``user_id``'s sockets to check their access to ``shop_id`` (None: every shop)."""
    publish_on_commit(user_group(user_id), {"type": ACCESS_CHANGED, "shop_id": shop_id})
