from channels.auth import AuthMiddlewareStack
from django.urls import re_path

from pickup.consumers import (
    OwnerReservationsConsumer,
    PlaceReservationsConsumer,
    ReservationConsumer,
)

websocket_urlpatterns = [
    re_path(r"^ws/reservations/(?P<token>[A-Za-z0-9_-]{1,64})/$", ReservationConsumer.as_asgi()),
    re_path(r"^ws/owner/shops/(?P<slug>[^/]+)/reservations/$",
            AuthMiddlewareStack(OwnerReservationsConsumer.as_asgi())),
    re_path(r"^ws/cafe/(?P<token>[A-Za-z0-9_-]{1,64})/$", PlaceReservationsConsumer.as_asgi()),
]
