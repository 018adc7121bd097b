"""Send a message to a channel-layer group once the current transaction commits.

Every service publishes through :func:`publish_on_commit`: the send is scheduled with
``transaction.on_commit(partial(...), robust=True)``, so a change that rolls back is never
announced, and a failed send (the channel layer restarting, say) is logged and never raised
into the request. Group delivery is at-most-once; a versioned stream's clients notice a lost
message by its version (or the next heartbeat) and resync.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The channel-layer message type the hub and the stream consumers receive.
MESSAGE = "realtime.message"


def layer_event(message: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer envelope of one message for a group's sockets."""
    return {"type": MESSAGE, "message": message}


def send_now(sends: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Send each ``(group, message)`` in one hop to the event loop; log, never raise."""
    sends = list(sends)
    layer = get_channel_layer()
    if layer is None or not sends:
        return

    async def send_all() -> None:
        for group, message in sends:
            try:
                await layer.group_send(group, layer_event(message))
            except Exception:
                # Logged here, not left to on_commit(robust=True): Django's own logging of
                # a failed callback fails on a partial.
                logger.warning(
                    "live message v%s for %s not sent; clients will resync",
                    message.get("version"),
                    group,
                    exc_info=True,
                )

    try:
        async_to_sync(send_all)()
    except Exception:
        logger.warning(
            "live messages for %s not sent; clients will resync",
            ", ".join(group for group, _message in sends),
            exc_info=True,
        )


def publish_on_commit(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` to ``group``'s sockets in every process once this transaction commits."""
    publish_many_on_commit([(group, message)])


class _AfterCommit:
    """The messages one after-commit callback sends in one hop to the event loop (a hop
    without a running loop costs a new thread and loop: asgiref's async_to_sync)."""

    def __init__(self, sends: Iterable[tuple[str, dict[str, Any]]]) -> None:
        self.sends = list(sends)

    def __call__(self) -> None:
        send_now(self.sends)


def publish_many_on_commit(sends: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Like :func:`publish_on_commit` for several groups, sent together after the commit.

    Publishes made one after another in a transaction (a reservation's stock message, then
    its stream messages) join the callback scheduled just before when nothing was scheduled
    in between and they are under the same savepoints, so they commit or roll back with it:
    the same messages, in the same order, in one hop.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and connection.run_on_commit:
        savepoints, last, _robust = connection.run_on_commit[-1]
        if isinstance(last, _AfterCommit) and savepoints == set(connection.savepoint_ids):
            last.sends.extend(sends)
            return
    transaction.on_commit(_AfterCommit(sends), robust=True)
