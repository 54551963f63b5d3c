#!/usr/bin/env bash
# Build the image with podman from local Debian-made bases and run it (make container-check; docs/operations.md,
# "The container"): migrate and seed_demo as one-off containers, then the emulator, web, a worker and beat
# with host networking against PostgreSQL and Redis from the environment; checks /healthz, /readyz, the
# image's own HEALTHCHECK, the non-root user, the shop page and one of its assets, a card checkout with its
# webhook (tests/container/checkout_smoke.py) and that every process is still up; then removes its containers.
#
#   DATABASE_URL=postgres://… REDIS_URL=redis://…/N tests/container/container_check.sh
#
# WEB_PORT / SANDBOX_PORT (default 8000 / 8765) are the host ports used (host networking); IMAGE names the
# image (default localhost/marketplace-payments:check). Needs root, podman, runc and debootstrap
# (apt-get install podman buildah runc debootstrap); the bases are made once (REBUILD_BASE=1 remakes them).
set -euo pipefail
cd "$(dirname "$0")/../.."

WORKDIR="${WORKDIR:-.run/container}"
IMAGE="${IMAGE:-localhost/marketplace-payments:check}"
WEB_PORT="${WEB_PORT:-8000}"
SANDBOX_PORT="${SANDBOX_PORT:-8765}"
PYTHON_BASE="${PYTHON_BASE:-localhost/marketplace-base-python:bookworm}"
NODE_BASE="${NODE_BASE:-localhost/marketplace-base-node:bookworm}"
NAME="marketplace-check-$$"

case "${DATABASE_URL:-}" in postgres*) ;; *)
  echo "error: set DATABASE_URL to a PostgreSQL database (it is migrated and seeded with demo data)" >&2; exit 2;; esac
[ -n "${REDIS_URL:-}" ] || { echo "error: set REDIS_URL (redis://127.0.0.1:6379/N)" >&2; exit 2; }

# shellcheck source=tests/container/podman_env.sh
source tests/container/podman_env.sh

if [ -n "${REBUILD_BASE:-}" ] || ! podman image exists "$PYTHON_BASE" || ! podman image exists "$NODE_BASE"; then
  PYTHON_BASE="$PYTHON_BASE" NODE_BASE="$NODE_BASE" tests/container/build_local_base.sh "$WORKDIR"
fi

started=$(date +%s)
# --format docker: the OCI format has no HEALTHCHECK. --network host: the build reaches the registries as
# the host does, and no container network (no bridge, no private addresses) is made.
podman build --format docker --network host \
  --build-arg PYTHON_IMAGE="$PYTHON_BASE" --build-arg NODE_IMAGE="$NODE_BASE" -t "$IMAGE" . \
  >"$WORKDIR/build.log" 2>&1 || { tail -40 "$WORKDIR/build.log"; exit 1; }
echo "built $IMAGE in $(( $(date +%s) - started )) s: $(podman image inspect "$IMAGE" --format '{{.Size}}') bytes"

# Fresh secrets for this run only (never written to the repository).
env_file="$WORKDIR/check.env"
umask 077
cat >"$env_file" <<ENV
DJANGO_ENV=production
SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
BILLING_KEY_ENCRYPTION_KEYS=$(podman run --rm --network host "$IMAGE" python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
DATABASE_URL=$DATABASE_URL
REDIS_URL=$REDIS_URL
BOOTPAY_MODE=sandbox
BOOTPAY_API_URL=http://127.0.0.1:$SANDBOX_PORT/v2
ALLOWED_HOSTS=127.0.0.1,localhost
SECURE_SSL_REDIRECT=0
SESSION_COOKIE_SECURE=0
CSRF_COOKIE_SECURE=0
PORT=$WEB_PORT
WEB_CONCURRENCY=2
ENV

cleanup() {
  for process in web worker beat sandbox; do podman rm -f -t 10 "$NAME-$process" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
run() { podman run --network host --env-file "$env_file" "$@"; }

run --rm "$IMAGE" python manage.py migrate --noinput >"$WORKDIR/migrate.log"
# seed_demo creates accounts with a known password: local mode only, so this one-off runs as local.
run --rm -e DJANGO_ENV=local "$IMAGE" python manage.py seed_demo >/dev/null

# The emulator handles SIGINT (Ctrl-C); as PID 1 it would ignore an unhandled SIGTERM.
run -d --name "$NAME-sandbox" --stop-signal SIGINT "$IMAGE" python manage.py bootpay_sandbox \
  --host 127.0.0.1 --port "$SANDBOX_PORT" --webhook-url "http://127.0.0.1:$WEB_PORT/api/v1/webhooks/bootpay/" >/dev/null
run -d --name "$NAME-web" "$IMAGE" >/dev/null
run -d --name "$NAME-worker" "$IMAGE" celery -A config worker -l info --concurrency 1 >/dev/null
run -d --name "$NAME-beat" "$IMAGE" celery -A config beat -l info >/dev/null

for _ in $(seq 60); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "http://127.0.0.1:$WEB_PORT/healthz" 2>/dev/null && break
  sleep 1
done
podman healthcheck run "$NAME-web" && echo "image HEALTHCHECK: healthy"
echo "web runs as uid $(podman exec "$NAME-web" id -u) ($(podman exec "$NAME-web" id -un))"
[ "$(podman exec "$NAME-web" id -u)" != 0 ]
asset="$(python3 -c 'import re, sys, urllib.request; print(re.search(r"/static/assets/[^\"]+\.js", urllib.request.urlopen(sys.argv[1]).read().decode())[0])' "http://127.0.0.1:$WEB_PORT/")"
python3 -c 'import sys, urllib.request; r = urllib.request.urlopen(sys.argv[1]); print("shop asset", sys.argv[1].rsplit("/", 1)[1], r.status, r.headers["Cache-Control"])' \
  "http://127.0.0.1:$WEB_PORT$asset"
python3 tests/container/checkout_smoke.py "http://127.0.0.1:$WEB_PORT" "http://127.0.0.1:$SANDBOX_PORT"

# The webhook went from web through Redis to the worker, which processed it.
# (Logs read into a variable first: `grep -q` closing the pipe early would fail it under pipefail.)
logged() { local logs; logs="$(podman logs "$1" 2>&1)"; grep -q -- "$2" <<<"$logs"; }
for _ in $(seq 30); do
  logged "$NAME-worker" 'process_webhook_delivery.*succeeded' && break
  sleep 1
done
logged "$NAME-worker" 'process_webhook_delivery.*succeeded' \
  || { echo "the worker processed no webhook delivery" >&2; podman logs --tail 30 "$NAME-worker"; exit 1; }
echo "worker: processed the webhook delivery"
# compose.yaml's worker health check: the worker answers a ping through the broker.
podman exec "$NAME-worker" sh -c 'celery -A config inspect ping -d "celery@$(hostname)" --timeout 10 >/dev/null' \
  || { echo "the worker answers no ping" >&2; exit 1; }
echo "worker: answers celery inspect ping"

for process in web worker beat sandbox; do
  state="$(podman inspect "$NAME-$process" --format '{{.State.Status}}')"
  echo "$process: $state"
  [ "$state" = running ] || { podman logs --tail 30 "$NAME-$process"; exit 1; }
done
logged "$NAME-beat" "beat: Starting" || { podman logs --tail 30 "$NAME-beat"; exit 1; }
echo "container check passed"
