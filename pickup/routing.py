from channels.auth import AuthMiddlewareStack
from django.urls import path

from pickup.consumers import (
    OwnerReservationsConsumer,
    PlaceReservationsConsumer,
    ReservationConsumer,
)
from shops.converters import register as register_converters

register_converters()

websocket_urlpatterns = [
    path("ws/reservations/<token:token>/", ReservationConsumer.as_asgi()),
    path(
        "ws/owner/shops/<shop:slug>/reservations/",
        AuthMiddlewareStack(OwnerReservationsConsumer.as_asgi()),
    ),
    path("ws/cafe/<token:token>/", PlaceReservationsConsumer.as_asgi()),
]
