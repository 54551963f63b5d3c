from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GraphqlApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "graphql_api"
    verbose_name = _("GraphQL API")
