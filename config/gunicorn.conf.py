"""gunicorn settings for the web process (`gunicorn config.wsgi -c config/gunicorn.conf.py`, see Procfile).

Every value can be set from the environment (docs/deploy.md "Web"):

    WEB_CONCURRENCY        worker processes              default: 2 × CPUs + 1, at most 8
    GUNICORN_THREADS       threads per worker (gthread)  default: 4
    PORT / GUNICORN_BIND   where to listen               default: 0.0.0.0:$PORT, PORT=8000
    GUNICORN_TIMEOUT       a request's hard limit (s)    default: 30 (above BOOTPAY_TIMEOUT_S)
    GUNICORN_GRACEFUL_TIMEOUT  time given to finish requests on SIGTERM (s)  default: 30
    GUNICORN_KEEPALIVE     idle keep-alive behind a load balancer (s)        default: 5
    GUNICORN_MAX_REQUESTS  recycle a worker after this many requests (0: never) default: 1000 (multiproc: 0)
    GUNICORN_REUSE_PORT    1: a listening socket per worker (SO_REUSEPORT)   default: 0

A single shared socket lets whichever worker wakes first accept a burst of new connections: a client
holding a few keep-alive connections (a load balancer, a benchmark) can land them all on one worker while
the others idle. With GUNICORN_REUSE_PORT=1 each worker listens on a socket of its own and the kernel
spreads new connections over them by their address hash; the price is that connections still queued on
a worker's socket when it exits (recycling, a restart) are reset, so it suits GUNICORN_MAX_REQUESTS=0.
`make bench` turns it on (tests/bench/bench_table.py).

Fixed, not from the environment: `limit_request_line` = 8190, gunicorn's maximum (its default, 4094, answered
longer request lines with its own plain 414). The application refuses query strings over
QUERY_STRING_MAX_BYTES (2,048) under /api/ and /graphql/ itself, as 414 `query_too_long` in the API's error
shape (config/middleware.py); gunicorn's limit sits far enough above it that every such request reaches
Django. Only a request line over 8190 bytes still gets gunicorn's plain 414 (docs/api.md "Requests").

Logs: the application's logging config (config/logs.py, LOG_FORMAT / LOG_LEVEL), so gunicorn's own lines
and the access log come out in the same JSON (or plain) shape as Django's; the access log on stdout,
with method, path (no query string), status, bytes, duration_ms and the response's X-Request-ID.
"""

import multiprocessing
import os

from config.logs import logging_config


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _default_workers() -> int:
    return min(2 * multiprocessing.cpu_count() + 1, 8)


wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", _default_workers())
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# In multiprocess metrics mode a recycled worker leaves its counter files behind for every scrape to merge
# (prometheus-client keeps a dead process's counts): no recycling there unless asked (docs/operations.md).
max_requests = _int("GUNICORN_MAX_REQUESTS", 0 if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
reuse_port = _flag("GUNICORN_REUSE_PORT")
# The most gunicorn allows (0 would mean unlimited): above the application's own query-string limit plus
# any path, so the application answers over-long query strings in its error envelope (see the docstring).
limit_request_line = 8190
# Behind a load balancer the client's address comes from X-Forwarded-For (NUM_PROXIES); gunicorn only
# needs to trust the proxy's X-Forwarded-Proto for wsgi.url_scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Workers load the app after the fork: a database connection is never shared between processes, and each
# worker starts its own tracing and Sentry threads (config/wsgi.py), so no post_fork hook is needed.
preload_app = False
# Worker heartbeat files in memory, not on a possibly slow disk (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = "-"
# The fields the JSON formatter reads (config/logs.py tidy_django_fields); the plain line reads alike.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
_is_local = os.environ.get("DJANGO_ENV", "local") in {"local", "dev", "test"}
_log_level = os.environ.get("LOG_LEVEL", "INFO")
logconfig_dict = logging_config(
    fmt=os.environ.get("LOG_FORMAT") or ("plain" if _is_local else "json"),
    level=_log_level,
    extra_loggers={
        "gunicorn.error": {"handlers": [], "level": _log_level, "propagate": True},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
)
logconfig_dict["handlers"]["access"] = {
    "class": "logging.StreamHandler",
    "formatter": "default",
    "stream": "ext://sys.stdout",
}


# Metrics in multiprocess mode (PROMETHEUS_MULTIPROC_DIR; docs/operations.md, "Metrics"): the directory is
# this master's own, emptied before any worker starts, and a worker that exits is marked dead.
def on_starting(server) -> None:
    from config.observability.multiprocess import multiproc_dir_reset

    multiproc_dir_reset()


def child_exit(server, worker) -> None:
    from config.observability.multiprocess import multiproc_process_dead

    multiproc_process_dead(worker.pid)
