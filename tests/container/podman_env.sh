# Sourced by the container scripts: podman settings this kind of sandbox needs (docs/operations.md,
# "The container"). Sets CONTAINERS_CONF to a file under $WORKDIR:
# - runtime runc: Debian bookworm's crun (1.8) refuses a hybrid cgroup v1 + v2 host ("cgroups in hybrid
#   mode not supported, drop all controllers from cgroupv2");
# - explicit ulimits: podman's defaults (nofile 1048576, nproc from the host) are above what a process
#   without CAP_SYS_RESOURCE may set ("error setting rlimit type 7: operation not permitted").
# Debian's packages (podman 4.3, buildah 1.28, runc 1.1, debootstrap on bookworm), installed when missing.
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "installing Debian's podman, buildah, runc, debootstrap ..."
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq podman buildah runc debootstrap) \
    >/dev/null || { echo "error: apt-get install podman buildah runc debootstrap failed" >&2; exit 1; }
fi
mkdir -p "$WORKDIR"
case "$WORKDIR" in /*) CONTAINERS_CONF="$WORKDIR/containers.conf" ;; *) CONTAINERS_CONF="$PWD/$WORKDIR/containers.conf" ;; esac
export CONTAINERS_CONF
nofile="$(ulimit -Sn)"
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
runtime = "${CONTAINER_RUNTIME:-runc}"
CONF
