"""Signals other apps listen to, so shops never imports the apps that build on it."""

from django.dispatch import Signal

# Sent inside the transaction that changed a shop's centre, radius or polygon, with
# ``shop``. Receivers return a list of human labels for what they paused (pickup points).
service_area_changed = Signal()

# Sent inside a transaction when something needs the owner's attention away from the console
# (an integration gave up, a new review came in), with ``shop_id``, ``key`` (one alert per
# key), ``title``, ``body`` and ``path`` (the console page that shows it). The console shows
# the same facts on its own; notify pushes them to the phones that asked for owner alerts.
owner_alert = Signal()

# Sent at once (inside the change's transaction) by ``services.mark_public_pages_changed``,
# with ``shop_ids``: what this process keeps of those shops' public pages is stale for it.
# Other processes learn it from ``page_version``, which moves when the change commits.
public_pages_changed = Signal()
