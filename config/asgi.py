import os

from django.core.asgi import get_asgi_application

from config.observability import setup_observability

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Before the handler loads MIDDLEWARE: tracing adds its middleware there (docs/operations.md "Traces").
setup_observability()
application = get_asgi_application()
