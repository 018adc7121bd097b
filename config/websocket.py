"""Origin checking for websockets."""

from __future__ import annotations

from channels.security.websocket import OriginValidator
from django.conf import settings


class AllowedHostsOriginValidator(OriginValidator):
    """Channels' AllowedHostsOriginValidator, except that a handshake without ``Origin`` passes.

    Browsers always send ``Origin``, so a cross-site page can never omit it; clients that
    omit it (integrations, monitors, command-line tools) are not a cross-site risk.
    """

    def __init__(self, application):
        super().__init__(application, settings.ALLOWED_HOSTS)

    def valid_origin(self, parsed_origin) -> bool:
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)
