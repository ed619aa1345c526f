"""Berth settings: one file, driven by the environment.

The embedded defaults make `make run` work with nothing else: SQLite, a per-process
cache, the local Docker socket, 127.0.0.1:8000. A team deployment sets
DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and DOCKER_HOST.
"""

import importlib.util
import os
import secrets
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def load_secret_key() -> str:
    """SECRET_KEY from the environment, else from a generated 0600 file beside the project."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = Path(os.environ.get("SECRET_KEY_FILE", BASE_DIR / ".secret_key"))
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = load_secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")  # Django's test setup adds "testserver"
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "template_partials",
    "dashboard",
    "containers",
    "images",
    "volumes",
    "networks",
    "system",
    "accounts",
    "csp",
]
# Daphne is a test and development tool (requirements-dev.in), not in the image. Where it is
# installed, listed first so that its `runserver` (ASGI, websockets included) replaces Django's;
# Berth is served by uvicorn either way (dashboard/serve.py), and the tests start Daphne as
# `python -m daphne`, which needs no app entry.
if importlib.util.find_spec("daphne") is not None:
    INSTALLED_APPS.insert(0, "daphne")

MIDDLEWARE = [
    # First: settles the client address and drops forwarded headers from untrusted peers.
    "accounts.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dashboard.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # after the session, before CommonMiddleware
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "dashboard.zones.ZoneMiddleware",  # after auth: a user's own time zone wins over the browser's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.engine.EngineErrorMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
ASGI_APPLICATION = "dashboard.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
            "builtins": ["template_partials.templatetags.partials", "dashboard.templatetags.berth"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=0
    )
}

# No CHANNEL_LAYERS: every Berth websocket talks to the engine and its own browser, never to
# another consumer, and without a layer Channels gives each socket no second receive loop.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# English and Korean (issue 14): the browser's Accept-Language picks one, the switcher in the
# header (Django's set_language, a cookie) overrides it. The catalogues are locale/*/django.po
# (and djangojs.po for Berth's JavaScript), compiled at install time (make compilemessages).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party browser code comes from npm at install time (package.json), never committed.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/xterm", NODE_MODULES / "@xterm" / "xterm"),
    ("vendor/xterm-addon-fit", NODE_MODULES / "@xterm" / "addon-fit" / "lib"),
    ("vendor/xterm-addon-search", NODE_MODULES / "@xterm" / "addon-search" / "lib"),
    ("vendor/xterm-addon-unicode11", NODE_MODULES / "@xterm" / "addon-unicode11" / "lib"),
    ("vendor/xterm-addon-web-links", NODE_MODULES / "@xterm" / "addon-web-links" / "lib"),
    ("vendor/xterm-addon-webgl", NODE_MODULES / "@xterm" / "addon-webgl" / "lib"),
    ("vendor/uplot", NODE_MODULES / "uplot" / "dist"),
]
# Serve straight from the finders, so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
# STATIC_ROOT is only filled by collectstatic (the Docker image); its absence is expected.
warnings.filterwarnings("ignore", message="No directory at")
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The Docker engine. DOCKER_HOST is read by docker-py itself; the timeout bounds how long a
# page waits for an engine that does not answer.
DOCKER_TIMEOUT = envint("DOCKER_TIMEOUT", 10)
# Seconds a container's stats stream stays open after its last viewer left (containers/stats.py):
# a reload or the next page of the list finds its history still there.
STATS_GRACE_SECONDS = envint("STATS_GRACE_SECONDS", 20)

# Every line says when, how bad and who (dashboard/log_format.py): text by default, or one JSON
# object a line with LOG_FORMAT=json. uvicorn's own lines come here too (dashboard/serve.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT") or "text"
if LOG_FORMAT not in ("text", "json"):
    raise ValueError(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "dashboard.log_format.TextFormatter"},
        "json": {"()": "dashboard.log_format.JsonFormatter"},
    },
    "filters": {"without_health_checks": {"()": "dashboard.log_format.WithoutHealthChecks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "docker": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "uvicorn.access": {"filters": ["without_health_checks"]},
    },
}

# ---------------------------------------------------------------- accounts, audit, hardening
# Roles, the audit log and login throttling live in accounts/ (see accounts/README.md).
AUTHENTICATION_BACKENDS = ["accounts.throttle.ThrottledModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT = envint("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = envint("LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_THROTTLE_MINUTES = envint("LOGIN_THROTTLE_MINUTES", 15)
# The default of the retention setting an admin changes on /settings/ (0 keeps entries forever).
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", 365)

# Forwarded headers (client address, scheme) are believed only from these proxies (IPs or CIDRs).
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES", "")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 3600)  # seconds: a working day, then log in again
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Browser features no Berth page uses are off (dashboard/headers.py). The terminal's copy
# (static/terminal.js) writes to the clipboard; pasting is the browser's own, with no API.
# Only features Chromium on Linux knows: it logs an error on every page for any other
# (bluetooth and web-share among them; tests/accounts/test_browser_csp.py checks).
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
} | {"clipboard-write": "(self)"}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

HTTPS = envbool("HTTPS", False)
# The image's HEALTHCHECK asks http://127.0.0.1:8000/healthz from inside the container, where
# no TLS proxy stands in front: with HTTPS=1 it would get a redirect instead of an answer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if HTTPS:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # __Host- cookies (Secure, Path=/, no Domain): a browser takes them only from this very host
    # over HTTPS, so no sibling or parent domain can plant or overwrite them. Ports still share
    # them (RFC 6265 §8.5): Berth needs a host name of its own (README, Deployment).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
    SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
    SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a promise to browser vendors that only the site's owner can make.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# No inline scripts anywhere (htmx runs with allowEval false). Inline styles stay allowed:
# xterm.js writes its theme into <style> elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
