# The application image (docs/operations.md, "The container"): the checkout bundle built with Node.js, then
# the Python app serving it. One image runs every process of the Procfile (web by default; compose.yaml runs
# worker, beat, migrations and the sandbox emulator from it with other commands).
#
#   docker build -t marketplace-payments .          (podman build --format docker: keeps the HEALTHCHECK)
#
# The base images are build arguments, so a registry mirror or a locally made base can stand in
# (tests/container/build_local_base.sh). The Python base must give Python 3.11+ (pyproject's
# requires-python) with its venv module; the Node base Node.js 20.19+ or 22.12+ (frontend/package.json).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- The checkout bundle: frontend/dist (HTML pages + hashed assets) ---------------------------------
FROM ${NODE_IMAGE} AS frontend
WORKDIR /build/frontend
# Dependencies first, from the committed lockfile only: this layer is reused until the lockfile changes.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# --- The Python app -------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS app
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# The runtime dependencies of pyproject.toml, without the dev extras, in a venv (a Debian-made base has no
# pip of its own outside one). Before the code is copied: this layer is reused until pyproject.toml changes.
WORKDIR /app
COPY pyproject.toml README.md ./
RUN python3 -m venv "$VIRTUAL_ENV" \
 && pip install --quiet .

COPY manage.py ./
COPY config/ config/
COPY orders/ orders/
COPY payments/ payments/
COPY graphql_api/ graphql_api/
COPY locale/ locale/
# Only the built bundle: no node_modules, no sources of the frontend.
COPY --from=frontend /build/frontend/dist/ frontend/dist/

# Static files at build time, in the production storage (hashed names + manifest, compressed). The values
# on this line exist only for this command (settings refuse to load without them outside local); nothing
# of them stays in the image's environment, and no secret is needed to collect files.
RUN DJANGO_ENV=production BOOTPAY_MODE=sandbox SECRET_KEY=collectstatic-build-step-only \
    python manage.py collectstatic --noinput --verbosity 0 \
 && python -m compileall -q config orders payments graphql_api

# Non-root: the code is root's and read-only to the app; the only writable place is the state directory
# (celery beat's schedule file; CELERY_BEAT_SCHEDULE_FILENAME, config/celery.py; metrics/ for Prometheus'
# multiprocess files, a volume shared by web and worker in compose.yaml).
RUN useradd --uid 10001 --user-group --home-dir /var/lib/marketplace --shell /usr/sbin/nologin app \
 && install -d -o app -g app -m 0750 /var/lib/marketplace /var/lib/marketplace/metrics
ENV CELERY_BEAT_SCHEDULE_FILENAME=/var/lib/marketplace/celerybeat-schedule \
    DJANGO_ENV=production \
    PORT=8000
USER app:app
EXPOSE 8000

# Liveness: /healthz answers without I/O (config/health.py); the slim bases have no curl, Python has urllib.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

# The Procfile's web line (gunicorn reads PORT, WEB_CONCURRENCY, GUNICORN_*: config/gunicorn.conf.py).
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
