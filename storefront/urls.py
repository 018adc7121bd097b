from django.urls import path, re_path

from storefront import views

# The namespace stays "shops": URL names (shops:shop_page, …) are part of the public
# contract and appear in templates, shared links' reversals and tests.
app_name = "shops"

# Link-preview images carry the stock version and a digest of what is drawn (storefront/previews.py).
_IMAGE = r"og/(?P<version>[0-9]{1,19})-(?P<digest>[0-9a-f]{1,32})\.png$"

urlpatterns = [
    path("", views.near_me, name="near_me"),
    path("s/<str:slug>/", views.shop_page, name="shop_page"),
    path("s/<str:slug>/l/<int:listing_id>/", views.listing_page, name="listing_page"),
    re_path(r"^s/(?P<slug>[^/]{1,50})/" + _IMAGE, views.og_image, name="og_image"),
    re_path(r"^s/(?P<slug>[^/]{1,50})/l/(?P<listing_id>[0-9]{1,19})/" + _IMAGE,
            views.listing_og_image, name="listing_og_image"),
]
