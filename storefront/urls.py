from django.urls import path, re_path

from shops.converters import SLUG_PATTERN
from shops.converters import register as register_converters
from storefront import views

# The namespace stays "shops": URL names (shops:shop_page, …) are part of the public
# contract and appear in templates, shared links' reversals and tests.
app_name = "shops"

# Link-preview images carry the stock version and a digest of what is drawn (storefront/previews.py).
_IMAGE = r"og/(?P<version>[0-9]{1,19})-(?P<digest>[0-9a-f]{1,32})\.png$"

register_converters()

urlpatterns = [
    path("", views.near_me, name="near_me"),
    path("s/<shop:slug>/", views.shop_page, name="shop_page"),
    path("s/<shop:slug>/l/<int:listing_id>/", views.listing_page, name="listing_page"),
    re_path(rf"^s/(?P<slug>{SLUG_PATTERN})/" + _IMAGE, views.og_image, name="og_image"),
    re_path(
        rf"^s/(?P<slug>{SLUG_PATTERN})/l/(?P<listing_id>[0-9]{{1,19}})/" + _IMAGE,
        views.listing_og_image,
        name="listing_og_image",
    ),
]
