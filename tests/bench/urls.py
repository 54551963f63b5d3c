"""The product's URLs plus the benchmark's bare baselines (one query, a JSON answer). Bench only."""

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401


@csrf_exempt
def bare(request):
    """A bare Django JSON view with one query: what any endpoint costs at least."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT order_id, status FROM orders_order WHERE order_id = %s", [request.GET.get("o")]
        )
        row = cursor.fetchone()
    return JsonResponse({"order_id": row and row[0], "status": row and row[1]})


urlpatterns = [
    path("__bench__/bare/", bare),
    path("", include("config.urls")),
]
