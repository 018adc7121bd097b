from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve as serve_media

from config.api import api
from config.health import healthz

urlpatterns = [
    path("", include("storefront.urls")),
    path("", include("livestock.urls")),
    path("", include("pickup.urls")),
    path("owner/", include("config.owner_urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            r"^media/(?P<path>.*)$", serve_media, {"document_root": settings.MEDIA_ROOT}
        ),
    ]

handler404 = "storefront.views.not_found"
handler500 = "storefront.views.server_error"
