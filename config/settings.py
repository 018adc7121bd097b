"""Settings for 동네5km, read from the environment.

With no environment at all this is the embedded setup `make run` uses: a SQLite file,
the in-memory channel layer, a local-memory cache and a SQLite task queue. Setting
``DATABASE_URL`` and ``REDIS_URL`` moves each piece onto PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (e.g. `export SECRET_KEY=...`)."
        )
    SECRET_KEY = "dev-insecure-only-for-local-debug-runs"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" + (",*" if DEBUG else ""))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "storefront.views.csrf_failure"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "ninja",
    "huey.contrib.djhuey",
    "axes",
    "shops",
    "livestock",
    "pickup",
    "reviews",
    "integrations",
    "notify",
    "insights",
    "storefront",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # NUL and control characters in headers or query parameters: a 400 before anyone reads them.
    "config.middleware.HostileRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "storefront.middleware.PreviewImageCacheMiddleware",
    "config.middleware.ServiceUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Repeat public reads of a shop (page, item page, shop JSON, stock poll) from bytes kept
    # under the shop's versions; sessions, language and CSRF above it still run.
    "storefront.page_cache.PublicReadCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp plus the site's own websocket origin in connect-src (config/middleware.py).
    "config.middleware.CSPMiddleware",
    # The API's JSON error shape for a method a path does not take; HEAD answered as GET.
    # Inside the header middleware above, so its answers carry the same headers.
    "config.middleware.ApiMethodsMiddleware",
    # Under DEBUG (make run) an unknown shop still shows the site's own 404 page.
    "config.middleware.SiteNotFoundMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its refusal page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------

# HTTP requests run on a fixed set of threads per process (HTTP_WORKER_THREADS below), so a
# connection kept per thread is reused by the next request instead of opened anew each time;
# health checks replace one that broke while idle.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE makes every transaction take
    # the write lock up front so concurrent writers queue (busy timeout) instead of failing
    # halfway with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "TEST_SQLITE_NAME", str(BASE_DIR / ".test-db.sqlite3")
    )
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        os.environ.get("TEST_DATABASE_NAME") or None
    )
    if not DATABASES["default"]["TEST"]["NAME"]:
        del DATABASES["default"]["TEST"]["NAME"]
    # Optional: one psycopg pool per process shared by its threads (HTTP workers, websocket
    # reads, background work) instead of a connection kept per thread. Pooled connections go
    # back to the pool after each request, so they are not also kept (CONN_MAX_AGE 0).
    if env_int("DATABASE_POOL_MAX_SIZE", 0) and DATABASES["default"]["ENGINE"].endswith(
        "postgresql"
    ):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 0),
            "timeout": 30,
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Threads per daphne process that run HTTP requests (config/http.py); each keeps at most one
# database connection, reused between requests when CONN_MAX_AGE allows.
HTTP_WORKER_THREADS = env_int("HTTP_WORKER_THREADS", 8)

# --- Redis-backed pieces ----------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
CHANNEL_LAYER_PREFIX = os.environ.get("CHANNEL_LAYER_PREFIX", "dongne5km")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # redis-py 8 otherwise times out the blocking subscribe read after a few
                # idle seconds and caps the pool at 100, silently stopping broadcasts.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 1000}],
                "prefix": CHANNEL_LAYER_PREFIX,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "shops.cache.RedisCache",  # Redis errors become CacheUnavailable
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _huey_settings() -> dict:
    immediate = env_bool("HUEY_IMMEDIATE", False)
    if REDIS_URL:
        return {
            "huey_class": "huey.RedisHuey",
            "name": CHANNEL_LAYER_PREFIX,
            "url": REDIS_URL,
            "immediate": immediate,
            "consumer": {"workers": 2, "worker_type": "thread"},
        }
    return {
        "huey_class": "huey.SqliteHuey",
        "name": "dongne5km",
        "filename": os.environ.get("HUEY_SQLITE_PATH", str(BASE_DIR / "huey.sqlite3")),
        "immediate": immediate,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }


HUEY = _huey_settings()

# --- Auth -----------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes) for the owner console and the admin alike: after
# AXES_FAILURE_LIMIT wrong passwords for one account, or from one client IP, within
# AXES_COOLOFF_TIME, sign-in is refused for that long whatever the password. Attempts live
# in the database, so every daphne process sees the same count, with or without Redis.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
# Each item is its own limit: one account from anywhere, and one client IP for any account.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The refusal lasts AXES_COOLOFF_TIME from the lockout; more tries do not prolong it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# The client IP the rest of the app uses (daphne --proxy-headers behind deploy/nginx.conf).
AXES_CLIENT_IP_CALLABLE = "shops.auth.sign_in_client_ip"
AXES_LOCKOUT_CALLABLE = "shops.auth.locked_out"
# Failed sign-ins are logged (AccessAttempt/AccessFailureLog); successful ones need no row.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

LOGIN_URL = "owner:login"
LOGIN_REDIRECT_URL = "owner:console"
LOGOUT_REDIRECT_URL = "owner:login"

# --- I18N -----------------------------------------------------------------------------

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Django serves uploads only under DEBUG (`make run`) or when told to: production puts nginx
# in front of /media/ (deploy/nginx.conf). Either way they are sent sandboxed
# (livestock.media.serve_upload and the nginx configs).
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

# Hashed, compressed file names once `collectstatic` has run; before that (a plain
# `pip install` + daphne) files are served straight from the finders so nothing 500s.
_manifest_ready = (STATIC_ROOT / "staticfiles.json").exists()
# `collectstatic` itself must use the manifest storage, or it never writes the manifest.
_collecting_static = sys.argv[1:2] == ["collectstatic"]
STORAGES = {
    # Names every stored upload by its content's type and refuses any other content.
    "default": {"BACKEND": "livestock.media.UploadStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if (_manifest_ready or _collecting_static) and not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _manifest_ready or DEBUG
if not _manifest_ready:
    # Until `collectstatic` runs, files come from the finders: no STATIC_ROOT is expected.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

MAX_PHOTO_BYTES = env_int("MAX_PHOTO_BYTES", 8 * 1024 * 1024)
MAX_VIDEO_BYTES = env_int("MAX_VIDEO_BYTES", 30 * 1024 * 1024)
MAX_VIDEO_SECONDS = 20
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Security -------------------------------------------------------------------------

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# An optional street map under the owner's service-area picture (Leaflet, vendored). Empty: the
# offline SVG picture only. E.g. MAP_TILE_URL=https://tile.openstreetmap.org/{z}/{x}/{y}.png
# with MAP_TILE_ATTRIBUTION="© OpenStreetMap contributors" (mind the provider's usage policy).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
MAP_TILE_MAX_ZOOM = env_int("MAP_TILE_MAX_ZOOM", 19)


def tile_origin(url: str) -> str:
    """The CSP source for a tile URL template: its scheme and host, ``{s}`` as a wildcard."""
    if not url:
        return ""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}", "*")
    if scheme not in ("http", "https") or not re.fullmatch(r"[A-Za-z0-9.*:\[\]-]+", host):
        return ""
    return f"{scheme}://{host}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *filter(None, [tile_origin(MAP_TILE_URL)])],
        "media-src": ["'self'", "blob:"],
        # The page's own ws(s)://host is added per response (config.middleware.CSPMiddleware).
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        # The service worker (/sw.js, notify/) and the web app manifest.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
    }
}

# --- Live stock -----------------------------------------------------------------------

LIVESTOCK_HEARTBEAT_SECONDS = float(os.environ.get("LIVESTOCK_HEARTBEAT_SECONDS", "30"))
# How many StockEvent rows per shop are kept for `resync`; older clients get a snapshot.
LIVESTOCK_EVENTS_KEPT = env_int("LIVESTOCK_EVENTS_KEPT", 500)
# Older stock history is pruned nightly (the latest LIVESTOCK_EVENTS_KEPT per shop stay).
LIVESTOCK_EVENTS_RETENTION_DAYS = env_int("LIVESTOCK_EVENTS_RETENTION_DAYS", 30)
# Daily rollups of the owner's numbers (insights/) are kept this long.
INSIGHTS_RETENTION_DAYS = env_int("INSIGHTS_RETENTION_DAYS", 731)
# Recent changes per reservation feed (owner console, café page) kept for a resync.
RESERVATION_EVENTS_KEPT = env_int("RESERVATION_EVENTS_KEPT", 200)
# How the live hub writes frames to daphne's sockets: direct (default), prepared or asgi
# (realtime/wire.py; bench/fanout.py compares them).
REALTIME_WRITE_PATH = os.environ.get("REALTIME_WRITE_PATH", "direct")
MAX_STOCK_COUNT = 1_000_000
# Hours a write retried with the same Idempotency-Key replays its first answer; older
# records are deleted by the daily privacy retention job.
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 48)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print every record a second time
        # after it propagates to the root handler.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.channels.server": {"level": "WARNING"},
        # django-axes reports every failed sign-in at INFO; lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}

# --- Service area -----------------------------------------------------------------------

# Address → coordinates for owners placing pickup points, through geopy. A geopy service
# name ("nominatim", "photon", ...) or "" / "disabled"; coordinates and a click on the picture
# always work, with or without it.
GEOCODER = os.environ.get("GEOCODER", "nominatim").strip().lower()
GEOCODER_USER_AGENT = os.environ.get("GEOCODER_USER_AGENT", "dongne5km/0.1 (+https://dongne5km.kr)")
GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "4"))
GEOCODER_DOMAIN = os.environ.get("GEOCODER_DOMAIN", "")
# --- Sharing --------------------------------------------------------------------------

# A Kakao JavaScript key turns on the KakaoTalk share button. Unset, the button is not shown,
# Kakao's SDK is never loaded and the CSP stays closed to Kakao's hosts.
KAKAO_JS_KEY = os.environ.get("KAKAO_JS_KEY", "")
KAKAO_JS_SDK_URL = os.environ.get(
    "KAKAO_JS_SDK_URL", "https://t1.kakaocdn.net/kakao_js_sdk/2.7.4/kakao.min.js"
)
# The `integrity` value Kakao publishes for that SDK version (developers.kakao.com download page).
KAKAO_JS_SDK_INTEGRITY = os.environ.get("KAKAO_JS_SDK_INTEGRITY", "")
KAKAO_CONNECT_HOSTS = ("https://kapi.kakao.com", "https://sharer.kakao.com")
# Link-preview images are drawn once per stock version and kept this long in the cache.
OG_IMAGE_CACHE_SECONDS = env_int("OG_IMAGE_CACHE_SECONDS", 7 * 24 * 3600)
# ...and each process keeps up to this many bytes of them in memory for repeat requests.
OG_IMAGE_MEMORY_BYTES = env_int("OG_IMAGE_MEMORY_BYTES", 16 * 1024 * 1024)
# A reservation counts for the shared link its visitor came through within this many days.
SHARE_ATTRIBUTION_DAYS = env_int("SHARE_ATTRIBUTION_DAYS", 7)

# --- Pickup reservations (docs/reservations.md) -----------------------------------------

# Minutes after a pickup window ends before an unclaimed reservation becomes a no-show.
PICKUP_NO_SHOW_GRACE_MINUTES = env_int("PICKUP_NO_SHOW_GRACE_MINUTES", 30)
# A phone with this many no-shows at a shop (within the retention period) is refused.
PICKUP_NO_SHOW_LIMIT = env_int("PICKUP_NO_SHOW_LIMIT", 3)
# Open (confirmed or ready) reservations one phone may hold at one shop.
PICKUP_MAX_ACTIVE_PER_PHONE = env_int("PICKUP_MAX_ACTIVE_PER_PHONE", 5)
PICKUP_MAX_QUANTITY = env_int("PICKUP_MAX_QUANTITY", 100)
# Units of one listing one customer may hold in open reservations when the owner set no
# "1인 최대" of their own. Counted per device cookie and per phone; every client is also
# counted by network address, with PICKUP_NETWORK_ALLOWANCE times as much (a carrier NAT puts
# many honest customers behind one address; a script can drop or forge the cookie).
PICKUP_MAX_UNITS_PER_CLIENT = env_int("PICKUP_MAX_UNITS_PER_CLIENT", 10)
PICKUP_NETWORK_ALLOWANCE = env_int("PICKUP_NETWORK_ALLOWANCE", 10)
# Days after a reservation ends before its phone number is erased.
PICKUP_PHONE_RETENTION_DAYS = env_int("PICKUP_PHONE_RETENTION_DAYS", 30)
# Days ahead a customer may choose for pickup (today counts as 0).
PICKUP_DAYS_AHEAD = env_int("PICKUP_DAYS_AHEAD", 7)
# Reservation attempts per client IP per window; loose because a Korean carrier NAT puts
# many phones behind one address.
PICKUP_RATE_LIMIT = env_int("PICKUP_RATE_LIMIT", 600)
PICKUP_RATE_WINDOW_SECONDS = env_int("PICKUP_RATE_WINDOW_SECONDS", 600)

# --- Reviews (reviews/) ----------------------------------------------------------------

# Days after writing during which a customer may still change their review.
REVIEW_EDIT_DAYS = env_int("REVIEW_EDIT_DAYS", 7)
REVIEW_MAX_TEXT = env_int("REVIEW_MAX_TEXT", 500)
REVIEW_MAX_REPLY = env_int("REVIEW_MAX_REPLY", 1000)
# Review writes (new, edit, delete) per client IP, and per reservation, per window.
REVIEW_RATE_LIMIT = env_int("REVIEW_RATE_LIMIT", 30)
REVIEW_EDITS_PER_RESERVATION = env_int("REVIEW_EDITS_PER_RESERVATION", 10)
REVIEW_RATE_WINDOW_SECONDS = env_int("REVIEW_RATE_WINDOW_SECONDS", 3600)
# Wrong pickup codes one shop (or café) may try per window before redemption is paused.
PICKUP_CODE_ATTEMPTS = env_int("PICKUP_CODE_ATTEMPTS", 10)
PICKUP_CODE_WINDOW_SECONDS = env_int("PICKUP_CODE_WINDOW_SECONDS", 600)

# --- Webhooks (docs/integrations.md) ------------------------------------------------------

# Development and tests only: allow http:// URLs and loopback/private addresses.
WEBHOOK_ALLOW_INSECURE = env_bool("WEBHOOK_ALLOW_INSECURE", False)
# First retry after about this many seconds, doubling (with jitter) up to WEBHOOK_RETRY_MAX_DELAY.
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env_int("WEBHOOK_RETRY_MAX_DELAY_SECONDS", 6 * 3600)
# An event failing for this long is given up and its endpoint disabled (the owner is told).
WEBHOOK_RETRY_FOR_SECONDS = env_int("WEBHOOK_RETRY_FOR_SECONDS", 3 * 24 * 3600)
# Per attempt: connect, send and wait for the response headers within this many seconds.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# After a secret rotation the old secret also signs for this long (two v1 signatures).
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24)
# Delivered events and their attempt log are kept this many days.
WEBHOOK_LOG_DAYS = env_int("WEBHOOK_LOG_DAYS", 30)
# --- Follow and notify: Web Push (notify/, docs/notify.md) -------------------------------

# The VAPID key (RFC 8292): a base64url raw P-256 private key (or DER/PEM as py_vapid reads
# it). Unset: one is generated on first use and kept in the database (notify.VapidKey).
WEB_PUSH_VAPID_PRIVATE_KEY = os.environ.get("WEB_PUSH_VAPID_PRIVATE_KEY", "")
# The JWT's `sub`: how a push service reaches the operator.
WEB_PUSH_VAPID_SUBJECT = os.environ.get("WEB_PUSH_VAPID_SUBJECT", "mailto:push@dongne5km.kr")
# Push-service hosts a subscription's endpoint may point at (`host` = any port, `host:port`,
# `*.domain`); anything else is 422 push_endpoint_not_allowed (SSRF guard). Defaults: Chrome
# (FCM), Firefox (Mozilla autopush), Safari (Apple), Edge (WNS).
WEB_PUSH_ENDPOINT_HOSTS = env_list(
    "WEB_PUSH_ENDPOINT_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,web.push.apple.com,*.notify.windows.com",
)
# Concurrent keep-alive connections (and sending threads) per worker process.
WEB_PUSH_CONCURRENCY = env_int("WEB_PUSH_CONCURRENCY", 16)
# Deliveries one worker task sends before handing the rest to the next task.
WEB_PUSH_BATCH_SIZE = env_int("WEB_PUSH_BATCH_SIZE", 1000)
# Attempts per delivery on 429/5xx/network errors before it is given up.
WEB_PUSH_MAX_ATTEMPTS = env_int("WEB_PUSH_MAX_ATTEMPTS", 8)
# Seconds an arrival waits for more posts from the same shop, coalesced into one push.
WEB_PUSH_ARRIVAL_DELAY_SECONDS = env_int("WEB_PUSH_ARRIVAL_DELAY_SECONDS", 45)
# Seconds to wait for a push service's answer.
WEB_PUSH_TIMEOUT_SECONDS = float(os.environ.get("WEB_PUSH_TIMEOUT_SECONDS", "10"))
