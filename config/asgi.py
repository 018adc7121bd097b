"""ASGI entry point: HTTP through Django, /ws/ through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from config.http import ThreadPoolASGIHandler  # noqa: E402

django_asgi_app = ThreadPoolASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.websocket import AllowedHostsOriginValidator  # noqa: E402
from livestock.routing import websocket_urlpatterns  # noqa: E402
from pickup.routing import websocket_urlpatterns as pickup_websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns + pickup_websocket_urlpatterns)),
    }
)
