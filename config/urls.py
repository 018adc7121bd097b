from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

from config.api import api
from config.health import healthz
from livestock.media import serve_upload

PROJECT_APPS = ["shops", "livestock", "pickup", "storefront"]

urlpatterns = [
    path("", include("storefront.urls")),
    path("", include("livestock.urls")),
    path("", include("pickup.urls")),
    path("", include("reviews.urls")),
    path("", include("notify.urls")),
    path("owner/", include("config.owner_urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The page scripts' words (domain djangojs, locale/<lang>/LC_MESSAGES/djangojs.po), only
    # the project's own catalogues. Cached per language (cache_page keys on the active one);
    # pages ask for it with ?l=<language> so a browser never reuses one language's copy for
    # the other (templates/_script_catalogue.html).
    path(
        "jsi18n/",
        cache_page(60 * 60)(JavaScriptCatalog.as_view(packages=PROJECT_APPS)),
        name="javascript-catalog",
    ),
    path("healthz", healthz, name="healthz"),
    # Answers 404 unless SERVE_MEDIA is on (the default only under DEBUG).
    re_path(r"^media/(?P<path>.*)$", serve_upload),
]

handler404 = "storefront.views.not_found"
handler500 = "storefront.views.server_error"
