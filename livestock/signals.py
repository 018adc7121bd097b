"""Signals the floors above answer, so livestock never imports the apps that build on it."""

from django.dispatch import Signal

# Sent inside the transaction that would resize or remove listing options, under the
# listing's row lock, with ``listing`` and ``option_ids`` (a set). Receivers return the ids
# among them that something still open depends on (pickup: reservations not yet collected).
options_held = Signal()
