from django.urls import re_path

from livestock.consumers import ShopStockConsumer

websocket_urlpatterns = [
    re_path(r"^ws/shops/(?P<slug>[^/]+)/$", ShopStockConsumer.as_asgi()),
]
