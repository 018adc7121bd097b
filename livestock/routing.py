from django.urls import path

from livestock.consumers import ShopStockConsumer
from shops.converters import register as register_converters

register_converters()

websocket_urlpatterns = [
    path("ws/shops/<shop:slug>/", ShopStockConsumer.as_asgi()),
]
