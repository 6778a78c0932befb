#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, the same one the
# TestCluster… tests use (test/e2e/cluster), for trying `authctl apply`.
#
#   hack/cluster.sh up       build what is missing, start the node, print a kubeconfig path;
#                            runs in the foreground until Ctrl-C (or `down` from another shell)
#   hack/cluster.sh down     stop it and remove every leftover of any harness node:
#                            processes (by cgroup), cgroups, veth interfaces, state dirs
#   hack/cluster.sh status   list leftovers without removing them
#
# Needs root (network and mount namespaces, cgroups, a veth pair).
set -euo pipefail
cd "$(dirname "$0")/.."
base=/var/lib/authctl-e2e
prefix=authctl-e2e-

log() { printf 'cluster: %s\n' "$*" >&2; }

hierarchies() { awk '$0 ~ / - cgroup2? / {print $5}' /proc/self/mountinfo; }

leftovers() {
  local ids=() d h
  for d in "$base"/*/; do [[ -d "$d" ]] && ids+=("$(basename "$d")"); done
  for h in $(hierarchies); do
    for d in "$h"/"$prefix"*/; do [[ -d "$d" ]] && ids+=("$(basename "$d" | sed "s/^$prefix//")"); done
  done
  printf '%s\n' "${ids[@]}" | sort -u | sed '/^$/d'
}

kill_cgroup() {
  local root="$prefix$1" freezer="" h pids i
  for h in $(hierarchies); do [[ "$(basename "$h")" == freezer ]] && freezer="$h/$root"; done
  for i in $(seq 1 50); do
    # Freeze before reading the pids, so none can exit and be reused.
    [[ -d "$freezer" ]] && echo FROZEN >"$freezer/freezer.state" 2>/dev/null || true
    pids="$(for h in $(hierarchies); do find "$h/$root" -name cgroup.procs -exec cat {} + 2>/dev/null; done | sort -u)"
    if [[ -z "$pids" ]]; then
      [[ -d "$freezer" ]] && echo THAWED >"$freezer/freezer.state" 2>/dev/null || true
      return 0
    fi
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
    [[ -d "$freezer" ]] && echo THAWED >"$freezer/freezer.state" 2>/dev/null || true
    sleep 0.2
  done
  log "warning: processes left in cgroup $root: $pids"
}

remove_node() {
  local id="$1" h
  log "removing node $id"
  kill_cgroup "$id"
  for h in $(hierarchies); do
    [[ -d "$h/$prefix$id" ]] && find "$h/$prefix$id" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  ip link del "ae$id" 2>/dev/null || true
  rm -rf "${base:?}/$id"
}

case "${1:-}" in
  up)
    [[ "$(id -u)" -eq 0 ]] || { log "error: run as root"; exit 1; }
    hack/e2e-tools.sh etcd kube-apiserver node kratos hydra oathkeeper
    export AUTHCTL_CLUSTER_HOLD=1 AUTHCTL_CLUSTER_KUBECONFIG="${KUBECONFIG_OUT:-$PWD/.cache/cluster.kubeconfig}"
    mkdir -p "$(dirname "$AUTHCTL_CLUSTER_KUBECONFIG")"
    log "starting; the kubeconfig will be $AUTHCTL_CLUSTER_KUBECONFIG"
    exec go test -tags cluster -count=1 -timeout 0 -run '^TestHoldCluster$' -v ./test/e2e/cluster/
    ;;
  down)
    # A running `up` stops on SIGTERM and cleans up itself.
    if [[ -f "$base/hold.pid" ]]; then
      pid="$(cat "$base/hold.pid")"
      kill -TERM "$pid" 2>/dev/null && for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      rm -f "$base/hold.pid"
    fi
    for id in $(leftovers); do remove_node "$id"; done
    log "clean"
    ;;
  status)
    ids="$(leftovers)"
    if [[ -z "$ids" ]]; then echo "no harness nodes"; else echo "nodes (or leftovers): $ids"; fi
    ;;
  *) echo "usage: hack/cluster.sh up|down|status" >&2; exit 2 ;;
esac
