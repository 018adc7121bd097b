"""Settings for the test suite: the real settings with test-only defaults filled in.

``DATABASE_URL`` and ``REDIS_URL`` still switch the suite onto PostgreSQL and Redis.
"""

import os
import uuid

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HUEY_IMMEDIATE", "1")
# Redis pub/sub ignores database numbers, so every run gets its own channel prefix.
os.environ.setdefault("CHANNEL_LAYER_PREFIX", f"test-{uuid.uuid4().hex[:8]}")
# Per run: two suites sharing one queue file fail with "disk I/O error".
os.environ.setdefault("HUEY_SQLITE_PATH", f"/tmp/dongne5km-test-huey-{os.getpid()}.sqlite3")

from config.settings import *  # noqa: E402,F403

# Each test opens and closes its own connections (threads in race tests, sync_to_async in
# consumer tests); a kept connection would stop PostgreSQL from dropping the test database.
# Daphne processes started by tests get the production default.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", f"/tmp/dongne5km-test-media-{os.getpid()}"))  # noqa: F405
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The suite fetches uploads through Django; daphne processes it starts get the real default.
SERVE_MEDIA = True
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1", "[::1]"]
