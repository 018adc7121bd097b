"""Signals other apps listen to, so shops never imports the apps that build on it."""

from django.dispatch import Signal

# Sent inside the transaction that changed a shop's centre, radius or polygon, with
# ``shop``. Receivers return a list of human labels for what they paused (pickup points).
service_area_changed = Signal()
