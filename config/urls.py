from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api
from config.health import healthz
from livestock.media import serve_upload

urlpatterns = [
    path("", include("storefront.urls")),
    path("", include("livestock.urls")),
    path("", include("pickup.urls")),
    path("", include("reviews.urls")),
    path("owner/", include("config.owner_urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    # Answers 404 unless SERVE_MEDIA is on (the default only under DEBUG).
    re_path(r"^media/(?P<path>.*)$", serve_upload),
]

handler404 = "storefront.views.not_found"
handler500 = "storefront.views.server_error"
