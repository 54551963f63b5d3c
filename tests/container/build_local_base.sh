#!/usr/bin/env bash
# Local base images made from Debian packages, for building the Dockerfile on a machine that reaches
# Debian's archive, PyPI and the npm registry but no container image registry (docs/operations.md,
# "The container"). Makes two images in podman's local storage:
#
#   localhost/marketplace-base-python:bookworm  debootstrap bookworm (minbase) + python3, python3-venv
#                                               (Debian bookworm's Python is 3.11, as python:3.11-slim-bookworm)
#   localhost/marketplace-base-node:bookworm    the same + the files of this machine's installed `nodejs`
#                                               package (Node.js 20: Debian bookworm's nodejs is 18, too old
#                                               for the frontend's Vite; package.json engines ^20.19 || >=22.12)
#
# The Debian mirror is read from this machine's apt sources. The machine's locally added CA certificates
# (/usr/local/share/ca-certificates, e.g. a TLS-inspecting egress proxy's) are trusted in the bases, and
# PIP_CERT / NODE_EXTRA_CA_CERTS point pip and npm at the system bundle, so `pip install` and `npm ci`
# inside the build reach the registries the way the host does. Nothing of this is in the Dockerfile.
#
# Usage: tests/container/build_local_base.sh [workdir]    (default .run/container; needs root, podman,
# debootstrap, runc: apt-get install podman buildah debootstrap runc)
set -euo pipefail
cd "$(dirname "$0")/../.."

WORKDIR="${1:-.run/container}"
SUITE=bookworm
PYTHON_BASE="${PYTHON_BASE:-localhost/marketplace-base-python:$SUITE}"
NODE_BASE="${NODE_BASE:-localhost/marketplace-base-node:$SUITE}"

[ "$(id -u)" = 0 ] || { echo "error: debootstrap needs root" >&2; exit 1; }
# shellcheck source=tests/container/podman_env.sh
source tests/container/podman_env.sh

# The first Debian archive this machine's apt uses (deb822 .sources or one-line sources.list).
mirror="$(set +o pipefail
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}';
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" {print ($2 ~ /^\[/ ? $3 : $2)}'; } \
  | grep -v -- '-security' | grep -E '/debian/?$' | head -1 || true
)"
[ -n "$mirror" ] || { echo "error: no Debian archive found in /etc/apt/sources*" >&2; exit 1; }

rootfs="$WORKDIR/rootfs-python"
mkdir -p "$WORKDIR"
if [ ! -x "$rootfs/usr/bin/python3" ]; then
  rm -rf "$rootfs"
  echo "debootstrap $SUITE from $mirror into $rootfs ..."
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$SUITE" "$rootfs" "$mirror" \
    >"$WORKDIR/debootstrap.log" 2>&1 || { tail -20 "$WORKDIR/debootstrap.log"; exit 1; }
  # The host's added certificate authorities, so TLS to the registries works as on the host.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  fi
  chroot "$rootfs" update-ca-certificates >/dev/null
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
fi

ca_env=(--change "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt"
        --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"
        --change "ENV LANG=C.UTF-8")
tar -C "$rootfs" --numeric-owner -cf - . | podman import "${ca_env[@]}" --change 'CMD ["python3"]' - "$PYTHON_BASE"

# Node.js 20 from this machine's install (its `node` binary and its global npm, as they are now: the
# machine's npm may have been upgraded since the nodejs package put its own there) on the same base.
node_version="$(node --version 2>/dev/null || true)"
case "$node_version" in
  v2[0-9].*) ;;
  *) echo "error: this machine's node is '${node_version:-missing}'; the frontend stage needs Node.js 20.19+ or 22.12+" >&2; exit 1;;
esac
node_bin="$(readlink -f "$(command -v node)")"
npm_dir="$(npm root -g)/npm"
[ -f "$npm_dir/bin/npm-cli.js" ] || { echo "error: no npm at $npm_dir" >&2; exit 1; }
node_layer="$WORKDIR/node-files.tar"
tar -C / -cf "$node_layer" "${node_bin#/}" "${npm_dir#/}"
node_rootfs="$WORKDIR/rootfs-node"
rm -rf "$node_rootfs" && cp -a "$rootfs" "$node_rootfs"
tar -C "$node_rootfs" -xf "$node_layer"
ln -sf "../${npm_dir#/usr/}/bin/npm-cli.js" "$node_rootfs/usr/bin/npm"
ln -sf "../${npm_dir#/usr/}/bin/npx-cli.js" "$node_rootfs/usr/bin/npx"
[ "$node_bin" = /usr/bin/node ] || ln -sf "$node_bin" "$node_rootfs/usr/bin/node"
tar -C "$node_rootfs" --numeric-owner -cf - . | podman import "${ca_env[@]}" --change 'CMD ["node"]' - "$NODE_BASE"
rm -rf "$node_rootfs" "$node_layer"

podman run --rm --network host "$PYTHON_BASE" python3 --version
podman run --rm --network host "$NODE_BASE" node --version
echo "base images: $PYTHON_BASE $NODE_BASE"
