# Sourced by the container scripts: podman settings this kind of sandbox needs (docs/operations.md,
# "The container"). Sets CONTAINERS_CONF to a file under $WORKDIR:
# - runtime runc: Debian bookworm's crun (1.8) refuses a hybrid cgroup v1 + v2 host ("cgroups in hybrid
#   mode not supported, drop all controllers from cgroupv2");
# - explicit ulimits: podman's defaults (nofile 1048576, nproc from the host) are above what a process
#   without CAP_SYS_RESOURCE may set ("error setting rlimit type 7: operation not permitted").
mkdir -p "$WORKDIR"
export CONTAINERS_CONF="$PWD/$WORKDIR/containers.conf"
nofile="$(ulimit -Sn)"
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
runtime = "${CONTAINER_RUNTIME:-runc}"
CONF
command -v "${CONTAINER_RUNTIME:-runc}" >/dev/null || {
  echo "error: ${CONTAINER_RUNTIME:-runc} not found (apt-get install runc)" >&2; exit 1; }
