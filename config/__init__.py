# The Celery app loads with Django, so `shared_task`s bind to it and `celery -A config` finds it.
from config.celery import app as celery_app

__all__ = ("celery_app",)
