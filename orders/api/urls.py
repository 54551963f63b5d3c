"""Catalogue and order endpoints, mounted under `/api/v1/` by config/urls.py."""

from django.urls import path

from orders.api.views import (
    OrderCancelApi,
    OrderCollectionApi,
    OrderDetailApi,
    OrderItemShipApi,
    ProductCollectionApi,
    ProductItemApi,
)

urlpatterns = [
    path("products/", ProductCollectionApi.as_view(), name="product-list"),
    path("products/<int:id>/", ProductItemApi.as_view(), name="product-detail"),
    path("orders/", OrderCollectionApi.as_view(), name="order-list"),
    path("orders/<str:order_id>/", OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<str:order_id>/cancel/", OrderCancelApi.as_view(), name="order-cancel"),
    path(
        "orders/<str:order_id>/items/<int:item_id>/ship/", OrderItemShipApi.as_view(), name="order-item-ship"
    ),
]
