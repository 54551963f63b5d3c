from django.apps import apps
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.auth_api import AuthTokenApi
from config.health import healthz, readyz
from config.observability.metrics import metrics_view
from config.spa import favicon, spa
from graphql_api.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    # Also answered by config.health.HealthCheckMiddleware before host checks; routed for reverse().
    path("healthz", healthz, name="health"),
    path("readyz", readyz, name="ready"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus; protected (docs/operations.md, "Metrics")
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # Our copy of drf-spectacular's page: <html lang>, a proper <title> (config/templates/api_docs/).
        SpectacularSwaggerView.as_view(url_name="schema", template_name="api_docs/swagger_ui.html"),
        name="swagger-ui",
    ),
    path("api/v1/auth/token/", AuthTokenApi.as_view(), name="auth-token"),
    path("api/v1/", include("orders.api.urls")),
    path("api/v1/", include("payments.api.urls")),
    path("graphql/", graphql_view, name="graphql"),
    # The checkout bundle's routes (frontend/): each answers its index.html, the SPA's router does the rest
    # (`checkout/return` is where Bootpay's mobile redirect comes back; the notices link
    # `settings/notifications` and `subscriptions/<subscription_id>`).
    path("favicon.ico", favicon, name="favicon"),
    path("", spa, name="shop"),
    re_path(r"^(?:login|checkout|orders|seller|settings|subscribe|subscriptions)/.*$", spa, name="spa"),
]

if apps.is_installed("payments.sandbox"):  # BOOTPAY_MODE is not production (config/settings.py)
    # The checkout's TEST PAYMENT panel (docs/sandbox.md), by dotted name: nothing in production imports
    # the emulator. Its views answer 404 `not_found` themselves unless BOOTPAY_MODE=sandbox.
    urlpatterns.append(path("api/v1/", include("payments.sandbox.urls")))

# Outside DRF views (unknown URL, a crash in middleware) `/api/` still answers the JSON error envelope.
handler400 = "config.exception_handler.api_handler400"
handler403 = "config.exception_handler.api_handler403"
handler404 = "config.exception_handler.api_handler404"
handler500 = "config.exception_handler.api_handler500"
