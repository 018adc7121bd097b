"""ASGI entry point: HTTP through Django, /ws/ through Channels."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from config.http import ThreadPoolASGIHandler  # noqa: E402
from config.public_reads import PublicReadsApp  # noqa: E402

django_asgi_app = ThreadPoolASGIHandler()
http_app = PublicReadsApp(django_asgi_app, django_asgi_app.executor)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from config.websocket import AllowedHostsOriginValidator, refuse_websocket  # noqa: E402
from livestock.routing import websocket_urlpatterns  # noqa: E402
from pickup.routing import websocket_urlpatterns as pickup_websocket_urlpatterns  # noqa: E402
from realtime.wire import IgnoreSendsAfterClose  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(
            IgnoreSendsAfterClose(
                URLRouter(
                    [
                        *websocket_urlpatterns,
                        *pickup_websocket_urlpatterns,
                        # Anything else (an unknown path, a slug or token outside its converter): refused
                        # at the handshake instead of "No route found" raised inside the server.
                        re_path(r"", refuse_websocket),
                    ]
                )
            )
        ),
    }
)

# Everything loaded so far (Django, the apps, their modules: ~160,000 objects) lives as long as
# the process. Left to the cycle collector, each full collection walks all of it, ~0.1 s with
# every request on the event loop waiting; frozen, it walks only what came later. Of that, the
# server keeps each finished request's objects for about a second, so under load full
# collections still came several times a second (25-130 ms each, the public reads' p95): one
# in ten as often, after 100 younger collections instead of 10 (docs/performance.md).
gc.freeze()
gc.set_threshold(700, 10, 100)
