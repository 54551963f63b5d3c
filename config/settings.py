"""Settings read from the environment (see DESIGN.md "Configuration").

The defaults give a local quickstart on SQLite against the sandbox emulator; production sets
DJANGO_ENV=production, SECRET_KEY, DATABASE_URL, REDIS_URL and real Bootpay keys.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="local")
LOCAL_ENVS = {"local", "dev", "test"}
IS_LOCAL = DJANGO_ENV in LOCAL_ENVS

DEBUG = env.bool("DEBUG", default=False)

if IS_LOCAL:
    SECRET_KEY = env.str("SECRET_KEY", default="local-only-insecure-key-do-not-use-in-production")
else:
    # Outside local/dev a forgotten SECRET_KEY must stop the process, not fall back to a known value.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "strawberry_django",
    "orders",
    "payments",
    "graphql_api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; waiting a little beats "database is locked" under the dev server.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko-kr"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not IS_LOCAL
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

if not IS_LOCAL:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Marketplace payments API",
    "DESCRIPTION": "Partner REST API: catalogue, orders and Bootpay payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Orders -------------------------------------------------------------------------------------
ORDER_PAYMENT_TTL = timedelta(minutes=env.int("ORDER_PAYMENT_TTL_MINUTES", default=30))
ORDER_MAX_LINES = env.int("ORDER_MAX_LINES", default=50)
ORDER_MAX_QUANTITY = env.int("ORDER_MAX_QUANTITY", default=999)

# --- Bootpay (DESIGN.md "Configuration") --------------------------------------------------------
BOOTPAY_MODE = env.str("BOOTPAY_MODE", default="sandbox")
if BOOTPAY_MODE not in {"production", "development", "sandbox"}:
    raise ImproperlyConfigured("BOOTPAY_MODE must be production, development or sandbox")
_sandbox = BOOTPAY_MODE == "sandbox"
# The sandbox pair is public by design: it only opens our local emulator.
BOOTPAY_APPLICATION_ID = env.str(
    "BOOTPAY_APPLICATION_ID", default="sandbox-application-id" if _sandbox else ""
)
BOOTPAY_PRIVATE_KEY = env.str("BOOTPAY_PRIVATE_KEY", default="sandbox-private-key" if _sandbox else "")
BOOTPAY_CLIENT_KEY = env.str("BOOTPAY_CLIENT_KEY", default="")
BOOTPAY_SECRET_KEY = env.str("BOOTPAY_SECRET_KEY", default="")
BOOTPAY_API_URL = env.str("BOOTPAY_API_URL", default="http://127.0.0.1:8765/v2" if _sandbox else "")
BOOTPAY_TIMEOUT_S = env.float("BOOTPAY_TIMEOUT_S", default=10.0)
BOOTPAY_WIDGET_KEY = env.str("BOOTPAY_WIDGET_KEY", default="sandbox-widget-key" if _sandbox else "")
if BOOTPAY_MODE == "production" and not (
    (BOOTPAY_CLIENT_KEY and BOOTPAY_SECRET_KEY) or (BOOTPAY_APPLICATION_ID and BOOTPAY_PRIVATE_KEY)
):
    raise ImproperlyConfigured(
        "BOOTPAY_MODE=production needs BOOTPAY_CLIENT_KEY/SECRET_KEY or APPLICATION_ID/PRIVATE_KEY"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
