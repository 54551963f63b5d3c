"""Settings read from the environment (README.md "Configuration" lists them).

The defaults give a local quickstart on SQLite against the sandbox emulator; production sets
DJANGO_ENV=production, SECRET_KEY, DATABASE_URL, REDIS_URL and real Bootpay keys.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.databases import database_routers
from config.logs import logging_config

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
    "drf_spectacular_sidecar",  # Swagger UI / Redoc assets served from /static/, no CDN
    "strawberry_django",
    "orders",
    "payments",
    # Capabilities built on the payment core, as apps of their own for their commands, admin and tasks
    # (billing's models are its own, app label `billing`, on their old `payments_…` tables).
    "payments.statements",
    "payments.webhooks",
    "payments.billing",
    "payments.cash_receipts",
    "payments.identity",
    "payments.events",
    "graphql_api",
]

MIDDLEWARE = [  # django-prometheus's pair (off with METRICS_ENABLED=0) around all: every request timed
    "config.observability.middleware.MetricsBeforeMiddleware",
    "config.middleware.RequestIdMiddleware",  # every request (and log line of it) has an id: X-Request-ID
    # /healthz, /readyz: before host validation and the HTTPS redirect (load balancer probes).
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Accept-Language (ko, en) picks the language of every message, ours and DRF's alike; before the
    # first middleware that may refuse a request (it reads no session: Django dropped session languages).
    "django.middleware.locale.LocaleMiddleware",
    # Before sessions and auth: an over-long query string is refused unread (414), and a NUL in the
    # path, query or a header never reaches a query (400).
    "config.middleware.QueryStringLimitMiddleware",
    "config.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.observability.middleware.MetricsAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # config/ is no app: its templates (the API docs page) are found by this entry.
        "DIRS": [BASE_DIR / "config" / "templates"],
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
# Persistent connections: a new PostgreSQL connection costs ~13 ms per request. Each worker thread/process
# keeps at most one open (size max_connections for gunicorn workers × threads + Celery's concurrency); the
# health check replaces a connection the server closed instead of failing the next request on it.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("DB_CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DB_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by the server, and a statement run 5 times on one connection prepared: a hot query
    # (the token lookup, an order's lines) is then neither parsed nor planned again. Off behind a pooler
    # in transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; waiting a little beats "database is locked" under the dev server. A
    # transaction takes its write lock at BEGIN (IMMEDIATE): one that read first could not wait for it and
    # failed at once, e.g. the browser's verify racing the emulator's webhook of the same receipt.
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("timeout", 20)
    sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# DATABASE_REPLICA_URL (a read replica for statements and lists) and DB_TRANSACTION_POOLER: docs/scaling.md.
DATABASE_ROUTERS = database_routers(DATABASES, env)

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL}}  # config/cache.py
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Korean unless the request asks for English (`Accept-Language: en`); `code` values never change.
# "ko-kr" so both our catalogue (locale/ko) and DRF's (ko_KR) are found; `Accept-Language: ko` matches it.
LANGUAGE_CODE = "ko-kr"
LANGUAGES = [("ko-kr", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The checkout bundle (`cd frontend && npm run build`). Only its assets are static files: its HTML pages are
# served by config/spa.py with their Content-Security-Policy, never as plain files under /static/.
FRONTEND_DIST_DIR = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [("assets", FRONTEND_DIST_DIR / "assets")]
# Vite names each built asset `assets/<name>-<hash>.<ext>`, Django's manifest storage `<name>.<12 hex>.<ext>`:
# a new build gets new names, so browsers may keep those forever.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/static/(?:assets/[^/]+-[A-Za-z0-9_-]{8}|.+\.[0-9a-f]{12})\.[A-Za-z0-9]+$"
# Until the bundle is built the directory is missing; the SPA pages then say how to build it.
SILENCED_SYSTEM_CHECKS = ["staticfiles.W004"]
# Content-Security-Policy of the checkout pages (config/spa.py): Bootpay's hosts, plus the PG and card
# issuer hosts a production contract needs (Bootpay publishes that allow-list).
CHECKOUT_CSP_BOOTPAY_HOSTS = ["https://*.bootpay.co.kr"]
CHECKOUT_CSP_EXTRA_HOSTS = env.list("CHECKOUT_CSP_EXTRA_HOSTS", default=[])
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
    # HTTPS only; turn off (env) when a proxy in front already redirects and sets HSTS.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]  # Prometheus scrapes private addresses over HTTP (protected)

# Deepest nesting of arrays/objects accepted in a JSON body (REST, GraphQL, webhooks; config/json.py).
# Our own bodies nest 5 levels at most; Python's decoder would fail with a RecursionError near 1,000.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

# Longest query string (bytes, as sent) under /api/ and /graphql/; longer is 414 `query_too_long`
# (config/middleware.py). The longest valid one is about 420 bytes (every filter of the order list at its
# longest, with a cursor: tests/config/test_query_string_limit.py). Not from the environment: gunicorn's
# request-line limit (config/gunicorn.conf.py, 8,190) must stay well above it, so that the application,
# not gunicorn, answers every query string up to several times this long.
QUERY_STRING_MAX_BYTES = 2_048

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON only: one documented request format. (Form posts would read a missing boolean as false.)
    # DRF's JSONParser plus JSON_MAX_DEPTH and no NUL characters in strings (config/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["config.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "config.openapi.AutoSchema",
    # One envelope for every error: {"code", "message", "details"} (docs/api.md).
    "EXCEPTION_HANDLER": "config.exception_handler.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.DefaultPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Throttle counters live in the default cache (Redis when REDIS_URL is set, else per process).
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonRateThrottle",
        "config.throttling.UserRateThrottle",
    ],
    # How many reverse proxies of ours add X-Forwarded-For (0/unset: trust REMOTE_ADDR only). Used by the
    # throttles and the webhook source allowlist to find the client's address.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_RATE_ANON", default="120/min"),
        "user": env.str("THROTTLE_RATE_USER", default="600/min"),
        # ScopedRateThrottle scopes: password guessing on the token endpoint; Bootpay's webhook bursts.
        "auth_token": env.str("THROTTLE_RATE_AUTH_TOKEN", default="30/min"),
        "bootpay_webhook": env.str("THROTTLE_RATE_BOOTPAY_WEBHOOK", default="600/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Marketplace payments API",
    "DESCRIPTION": (
        "Partner REST API: catalogue, orders and Bootpay payments.\n\n"
        "Authenticate with `POST /api/v1/auth/token/`, then send `Authorization: Token <token>`. "
        "Every error answers the `Error` envelope `{code, message, details}`; branch on `code`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",  # tags by resource (auth, orders, payments, products), not "v1"
    # Separate `…Request` components: read-only fields (ids, totals) never appear as writable input.
    "COMPONENT_SPLIT_REQUEST": True,
    # One stable name per shared choice set, instead of hash-suffixed `Status…Enum` collisions.
    "ENUM_NAME_OVERRIDES": {
        "ErrorCodeEnum": "config.errors.ErrorCode",
        "OrderStatusEnum": "orders.models.Order.Status",
        "OrderItemStatusEnum": "orders.models.OrderItem.Status",
        "ViewerRoleEnum": "orders.api.serializers.VIEWER_ROLE_CHOICES",
        "PaymentStatusEnum": "payments.models.Payment.Status",
        "PaymentEventKindEnum": "payments.models.PaymentEvent.Kind",
        "CancellationStateEnum": "payments.models.Cancellation.State",
        "SubscriptionIntervalEnum": "orders.models.SubscriptionInterval",
        "BillingKeyStatusEnum": "payments.billing.models.BillingKey.Status",
        "SubscriptionStatusEnum": "payments.billing.models.Subscription.Status",
        "SubscriptionChargeStatusEnum": "payments.billing.models.SubscriptionCharge.State",
        "CashReceiptTypeEnum": "orders.api.serializers.CASH_RECEIPT_TYPE_CHOICES",
        "EventTypeEnum": "payments.events.models.EventType",
    },
    # Token (`Authorization: Token …`) and session-cookie schemes come from the authentication classes.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # The docs pages load their JS/CSS from our own /static/ (drf-spectacular-sidecar): they work offline
    # and need no third-party script host.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Orders -------------------------------------------------------------------------------------
ORDER_PAYMENT_TTL = timedelta(minutes=env.int("ORDER_PAYMENT_TTL_MINUTES", default=30))
ORDER_MAX_LINES = env.int("ORDER_MAX_LINES", default=50)
ORDER_MAX_QUANTITY = env.int("ORDER_MAX_QUANTITY", default=999)
# Largest order total (and so line total and unit price) in won. GraphQL's Int is 32-bit: a larger amount
# could be stored and charged but not shown (`createOrder` would fail after reserving the stock).
ORDER_MAX_TOTAL_AMOUNT = env.int("ORDER_MAX_TOTAL_AMOUNT", default=2_147_483_647)

# --- Bootpay (README.md "Configuration") --------------------------------------------------------
# Sandbox (our local emulator, and the checkout's TEST PAYMENT endpoint) is the default only in local/dev:
# a deployment that forgot the setting must not start taking "payments" from an emulator.
BOOTPAY_MODE = env.str("BOOTPAY_MODE", default="sandbox") if IS_LOCAL else env.str("BOOTPAY_MODE")
if BOOTPAY_MODE not in {"production", "development", "sandbox"}:
    raise ImproperlyConfigured("BOOTPAY_MODE must be production, development or sandbox")
_sandbox = BOOTPAY_MODE == "sandbox"
if BOOTPAY_MODE != "production":
    # The emulator (payments/sandbox/, its `bootpay_sandbox` command) is a development tool: a production
    # process never loads it. Its checkout endpoints are mounted in sandbox mode only (config/urls.py).
    INSTALLED_APPS.append("payments.sandbox")
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
# Bootpay issues one Application ID per platform (Web, Android, iOS, REST). The browser and the apps get
# their own public one through `checkoutConfig`; only the REST one above has a private key.
BOOTPAY_WEB_APPLICATION_ID = env.str(
    "BOOTPAY_WEB_APPLICATION_ID", default="sandbox-web-application-id" if _sandbox else ""
)
BOOTPAY_ANDROID_APPLICATION_ID = env.str(
    "BOOTPAY_ANDROID_APPLICATION_ID", default="sandbox-android-application-id" if _sandbox else ""
)
BOOTPAY_IOS_APPLICATION_ID = env.str(
    "BOOTPAY_IOS_APPLICATION_ID", default="sandbox-ios-application-id" if _sandbox else ""
)
# The widget asks for separate approval (`extra.separately_confirmed`): our server confirms each payment.
BOOTPAY_SEPARATELY_CONFIRMED = env.bool("BOOTPAY_SEPARATELY_CONFIRMED", default=False)
# What the merchant's PG contracts allow (payments.pg_rules, docs/cancellations.md): the PGs that take
# partial card cancels (Bootpay's list by default) and whether deposited virtual accounts are refunded
# through Bootpay (the PG's CMS special contract; without it they go back by hand).
BOOTPAY_PARTIAL_CANCEL_PGS = env.list(
    "BOOTPAY_PARTIAL_CANCEL_PGS", default=["inicis", "kcp", "danal", "payletter", "nicepay", "kakao", "payco"]
)
# Methods whose partial cancel those PGs take: Bootpay documents cards only; an operator whose PG also
# takes partial refunds of bank transfers or virtual accounts adds "bank" / "vbank".
BOOTPAY_PARTIAL_CANCEL_METHODS = [
    method.strip().lower() for method in env.list("BOOTPAY_PARTIAL_CANCEL_METHODS", default=["card"])
]
BOOTPAY_VBANK_REFUND_CONTRACT = env.bool("BOOTPAY_VBANK_REFUND_CONTRACT", default=True)
if BOOTPAY_MODE == "production" and not (
    (BOOTPAY_CLIENT_KEY and BOOTPAY_SECRET_KEY) or (BOOTPAY_APPLICATION_ID and BOOTPAY_PRIVATE_KEY)
):
    raise ImproperlyConfigured(
        "BOOTPAY_MODE=production needs BOOTPAY_CLIENT_KEY/SECRET_KEY or APPLICATION_ID/PRIVATE_KEY"
    )

# --- Automatic payments (docs/billing.md) -------------------------------------------------------
# Stored billing keys and cash receipt identifiers are encrypted with Fernet (config/crypto.py):
# comma-separated keys, the first encrypts, every one decrypts (rotation: put the new key first, run
# `manage.py rotate_billing_keys` and `rotate_cash_receipt_keys`, then drop the old one; docs/deploy.md).
# Unset, one key is derived from SECRET_KEY (as django-fernet-fields does), so an upgrade starts without
# new configuration; `check --deploy` warns outside local/dev/test (payments.checks), because rotating
# SECRET_KEY would then make the stored keys unreadable and one leaked secret would open both.
BILLING_KEY_ENCRYPTION_KEYS_SET = bool(env.list("BILLING_KEY_ENCRYPTION_KEYS", default=[]))
BILLING_KEY_ENCRYPTION_KEYS = env.list("BILLING_KEY_ENCRYPTION_KEYS", default=[])
if not BILLING_KEY_ENCRYPTION_KEYS:
    BILLING_KEY_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"billing-key-encryption:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]
for _key in BILLING_KEY_ENCRYPTION_KEYS:
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except ValueError:
        _valid = False
    if not _valid:  # the value itself is never echoed
        raise ImproperlyConfigured("BILLING_KEY_ENCRYPTION_KEYS holds a value that is not a Fernet key")
# `charge`: we charge each period ourselves when it is due; `reserve`: after each paid period Bootpay is
# asked to charge the next one by itself at its date (a reservation), we only book what it did.
BILLING_MODE = env.str("BILLING_MODE", default="charge")
if BILLING_MODE not in {"charge", "reserve"}:
    raise ImproperlyConfigured("BILLING_MODE must be charge or reserve")
# Hours after a period's first declined charge at which it is tried again; after the last one declines the
# subscription is cancelled. Increasing, positive.
BILLING_RETRY_SCHEDULE_HOURS = [
    int(hours) for hours in env.list("BILLING_RETRY_SCHEDULE_HOURS", default=[24, 72, 168])
]
_increasing = sorted(set(BILLING_RETRY_SCHEDULE_HOURS)) == BILLING_RETRY_SCHEDULE_HOURS
if not _increasing or any(hours < 1 for hours in BILLING_RETRY_SCHEDULE_HOURS):
    raise ImproperlyConfigured("BILLING_RETRY_SCHEDULE_HOURS must be increasing whole hours, e.g. 24,72,168")
# A charge whose outcome is unknown (Bootpay did not answer) is never sent again by itself: its webhook
# books it. Unknown for longer than this, the subscription turns past_due for staff to settle.
BILLING_UNKNOWN_GRACE = timedelta(minutes=env.int("BILLING_UNKNOWN_GRACE_MINUTES", default=60))

# Cash receipts (현금영수증; docs/cash-receipts.md). A paid cash sale of at least
# CASH_RECEIPT_SELF_ISSUE_MIN_AMOUNT won nobody asked a receipt for is issued to the tax office's number
# (자진발급) this long after the money arrived: the buyer may still ask for one meanwhile. The law gives 5
# days from the receipt of the cash, so anything from 5 days up is refused.
CASH_RECEIPT_SELF_ISSUE_AFTER = timedelta(hours=env.int("CASH_RECEIPT_SELF_ISSUE_AFTER_HOURS", default=24))
if not timedelta(0) <= CASH_RECEIPT_SELF_ISSUE_AFTER < timedelta(days=5):
    raise ImproperlyConfigured("CASH_RECEIPT_SELF_ISSUE_AFTER_HOURS must be between 0 and 119")
CASH_RECEIPT_SELF_ISSUE_MIN_AMOUNT = env.int("CASH_RECEIPT_SELF_ISSUE_MIN_AMOUNT", default=100_000)
# How long after the money arrived a buyer may ask for (or change) a receipt: the 5-day issuance window.
CASH_RECEIPT_REQUEST_DAYS = env.int("CASH_RECEIPT_REQUEST_DAYS", default=5)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# JSON lines (timestamp, level, logger, message, request_id, extra fields) for log collectors, or a plain
# readable line for local development; either way redacted (config/logs.py). One handler, on the root
# logger: every record is printed once, in one format.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if IS_LOCAL else "json")
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)

# --- Identity verification (docs/identity.md) ---------------------------------------------------
# How long an account's adult verification counts for adult-only orders (our choice; docs/identity.md).
IDENTITY_VERIFICATION_TTL = timedelta(days=env.int("IDENTITY_VERIFICATION_TTL_DAYS", default=365))
# Key of the HMAC-SHA256 that turns a person's CI into the stored hash (tells people apart, reveals nothing).
# Derived from SECRET_KEY unless set; changing it makes stored hashes incomparable with new ones.
IDENTITY_HASH_KEY = env.str("IDENTITY_HASH_KEY", default="")
# The PG Bootpay runs the REST (SMS) verification with (Bootpay's REST 본인인증 is Danal's; assumption).
IDENTITY_SMS_PG = env.str("IDENTITY_SMS_PG", default="다날")
# Codes an SMS verification may be confirmed with before it is dead (a new one must be started).
IDENTITY_SMS_MAX_ATTEMPTS = env.int("IDENTITY_SMS_MAX_ATTEMPTS", default=5)

# --- Bootpay webhooks -------------------------------------------------------------------------
# The endpoint stores each delivery and enqueues `payments.tasks.process_webhook_delivery` after commit;
# whatever the enqueue missed (broker down) the sweep below picks up.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=64 * 1024)
# Bootpay documents 223.130.82.0/24 as its webhook source; empty allows any (sandbox, proxies).
BOOTPAY_WEBHOOK_ALLOWED_IPS = env.list("BOOTPAY_WEBHOOK_ALLOWED_IPS", default=[])

# --- GraphQL limits (graphql_api/limits.py) -------------------------------------------------------
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=10)
GRAPHQL_MAX_ALIASES = env.int("GRAPHQL_MAX_ALIASES", default=15)
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=2000)
GRAPHQL_MAX_PAGE_SIZE = env.int("GRAPHQL_MAX_PAGE_SIZE", default=100)
GRAPHQL_MAX_COST = env.int("GRAPHQL_MAX_COST", default=25_000)
# Introspection (and GraphiQL) only in DEBUG unless asked: production clients use the exported SDL.
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=DEBUG)

# --- Celery (config/celery.py; README "Background work") -------------------------------------------
# Broker: REDIS_URL. Without it every task runs eagerly in-process (the quickstart needs no broker, and
# nothing is scheduled: run the management commands by hand). Celery's eager path still takes a producer
# from the broker URL, so the in-memory one names the host kombu would otherwise fill in with a warning
# ("No hostname was supplied") on the first task.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Every task writes its outcome to the database: no result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The tasks are idempotent: acknowledge after running, so a worker killed mid-task leaves it to another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT_S", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_S", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers a task not acknowledged within the visibility timeout: longer than any task runs.
# A broker that does not answer must not hold up the webhook answer: short connect timeouts, few retries.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Our LOGGING stays in charge of the worker's log lines.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
RECONCILE_OLDER_THAN_MINUTES = env.int("RECONCILE_OLDER_THAN_MINUTES", default=10)
CELERY_BEAT_SCHEDULE = {
    "reconcile-payments": {
        "task": "payments.tasks.reconcile_payments",
        "schedule": env.float("SCHEDULE_RECONCILE_S", default=300.0),
    },
    "expire-unpaid-orders": {
        "task": "orders.tasks.expire_unpaid_orders",
        "schedule": env.float("SCHEDULE_EXPIRE_ORDERS_S", default=60.0),
    },
    "charge-due-subscriptions": {
        "task": "payments.tasks.charge_due_subscriptions",
        "schedule": env.float("SCHEDULE_BILLING_CHARGE_S", default=60.0),
    },
    "settle-subscription-reservations": {
        "task": "payments.tasks.settle_subscription_reservations",
        "schedule": env.float("SCHEDULE_BILLING_RESERVATIONS_S", default=300.0),
    },
    "sweep-cash-receipts": {
        "task": "payments.cash_receipts.tasks.sweep_cash_receipts",
        "schedule": env.float("SCHEDULE_CASH_RECEIPTS_S", default=300.0),
    },
}

# --- Bootpay webhooks (payments/webhooks/conf.py); events, partner webhooks and notifications
# (payments/events/conf.py, docs/events.md); automatic payments' legal notices (payments/billing/conf.py);
# Celery queues, retention (config/celery_queues.py, config/retention_conf.py); observability (operations.md)
from config.celery_queues import *  # noqa: E402, F403
from config.observability.conf import *  # noqa: E402, F403
from config.retention_conf import *  # noqa: E402, F403
from payments.billing.conf import *  # noqa: E402, F403
from payments.events.conf import *  # noqa: E402, F403
from payments.statements.conf import *  # noqa: E402, F403
from payments.webhooks.conf import *  # noqa: E402, F403

SPECTACULAR_SETTINGS |= EVENTS_SPECTACULAR_SETTINGS  # noqa: F405
CELERY_BEAT_SCHEDULE |= (
    EVENTS_CELERY_BEAT_SCHEDULE  # noqa: F405
    | BILLING_NOTICE_BEAT_SCHEDULE  # noqa: F405
    | WEBHOOKS_CELERY_BEAT_SCHEDULE  # noqa: F405
    | STATEMENTS_CELERY_BEAT_SCHEDULE  # noqa: F405
)
