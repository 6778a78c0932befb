#!/usr/bin/env bash
# Builds the pinned real servers that the e2e harness runs on loopback:
# Kratos, Hydra and Oathkeeper (with sqlite), kube-apiserver and etcd; and
# with `node`, the single-node cluster of test/e2e/cluster: the other
# Kubernetes components, CoreDNS, kube-router, oathkeeper-maester, plus
# containerd, runc and the CNI plugins from Debian.
# Every binary is built from the Go module proxy into a versioned cache
# directory, so a second run only checks that the files exist.
#
#   hack/e2e-tools.sh            build everything that is missing
#   hack/e2e-tools.sh kratos     build one tool
#   hack/e2e-tools.sh node       everything the cluster tests need
#   hack/e2e-tools.sh --print    print the cache directory
#
# Any failed build stops the script with a non-zero exit code.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${AUTHCTL_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/authctl/e2e}"
work="$cache/src"
mkdir -p "$cache" "$work"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
export GOTOOLCHAIN=local

if [[ "${1:-}" == "--print" ]]; then echo "$cache"; exit 0; fi

log() { printf 'e2e-tools: %s\n' "$*" >&2; }
die() { printf 'e2e-tools: error: %s\n' "$*" >&2; exit 1; }

bindir() { echo "$cache/$1-$2/bin"; }

# copy_module MODULE@VERSION DEST copies a module from the module cache
# into a writable directory, because some of them carry replace
# directives and cannot be built with `go install`.
copy_module() {
  local mod="$1" dest="$2" dir
  dir="$(go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" && -d "$dir" ]] || die "could not download $mod from the module proxy"
  rm -rf "$dest"
  cp -r "$dir" "$dest"
  chmod -R u+w "$dest"
}

build_kratos() {
  local out; out="$(bindir kratos "$KRATOS_VERSION")"
  [[ -x "$out/kratos" ]] && return 0
  log "building kratos $KRATOS_VERSION (about 3 min)"
  copy_module "github.com/ory/kratos@$KRATOS_VERSION" "$work/kratos"
  (cd "$work/kratos" && CGO_ENABLED=1 go build -tags sqlite -o "$out/kratos.tmp" .) || die "kratos build failed"
  mv "$out/kratos.tmp" "$out/kratos"
}

build_hydra() {
  local out; out="$(bindir hydra "$HYDRA_VERSION")"
  [[ -x "$out/hydra" ]] && return 0
  log "building hydra $HYDRA_VERSION (about 1 min)"
  copy_module "github.com/ory/hydra/v2@$HYDRA_VERSION" "$work/hydra"
  # The nested ./internal/httpclient module is not in the module zip.
  (cd "$work/hydra" && go mod edit -dropreplace github.com/ory/hydra-client-go/v2 &&
    CGO_ENABLED=1 go build -mod=mod -tags sqlite -o "$out/hydra.tmp" .) || die "hydra build failed"
  mv "$out/hydra.tmp" "$out/hydra"
}

build_oathkeeper() {
  local out; out="$(bindir oathkeeper "$OATHKEEPER_VERSION")"
  [[ -x "$out/oathkeeper" ]] && return 0
  log "building oathkeeper $OATHKEEPER_VERSION (about 2 min)"
  copy_module "github.com/ory/oathkeeper@$OATHKEEPER_VERSION" "$work/oathkeeper"
  (cd "$work/oathkeeper" && go build -o "$out/oathkeeper.tmp" .) || die "oathkeeper build failed"
  mv "$out/oathkeeper.tmp" "$out/oathkeeper"
}

# The node's runtime comes from Debian: containerd 1.6, runc, the CNI
# plugins (in /usr/lib/cni), iptables and ipset for kube-proxy and
# kube-router, and PostgreSQL 15 for the external-database test. Installed
# when missing, as hack/test.sh does for tmux.
node_packages() {
  local need=() p
  command -v containerd >/dev/null 2>&1 || need+=(containerd)
  command -v runc >/dev/null 2>&1 || need+=(runc)
  [[ -x /usr/lib/cni/bridge ]] || need+=(containernetworking-plugins)
  command -v iptables >/dev/null 2>&1 || need+=(iptables)
  command -v ipset >/dev/null 2>&1 || need+=(ipset)
  command -v conntrack >/dev/null 2>&1 || need+=(conntrack)
  # TestClusterApplyPostgresReplicas runs Debian's PostgreSQL inside the node.
  [[ -x /usr/lib/postgresql/15/bin/postgres ]] || need+=(postgresql-15)
  [[ ${#need[@]} -eq 0 ]] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${need[*]} and no apt-get to install them"
  local sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  log "installing ${need[*]} from Debian"
  $sudo apt-get update >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null ||
    die "apt-get install ${need[*]} failed"
}

# oathkeeper-maester: the controller that turns oathkeeper.ory.sh Rule
# objects into the rules ConfigMap (spec.oathkeeper.rules: maester), at the
# version whose CRD the manifest tests install. Static, like the official
# distroless image.
build_oathkeeper_maester() {
  local out; out="$(bindir oathkeeper-maester "$OATHKEEPER_MAESTER_VERSION")"
  [[ -x "$out/oathkeeper-maester" ]] && return 0
  log "building oathkeeper-maester $OATHKEEPER_MAESTER_VERSION (about 2 min)"
  copy_module "github.com/ory/oathkeeper-maester@$OATHKEEPER_MAESTER_VERSION" "$work/oathkeeper-maester"
  (cd "$work/oathkeeper-maester" && CGO_ENABLED=0 go build -o "$out/oathkeeper-maester.tmp" .) ||
    die "oathkeeper-maester build failed"
  mv "$out/oathkeeper-maester.tmp" "$out/oathkeeper-maester"
}

# Kubernetes components built from k8s.io/kubernetes in one wrapper module
# and, when several are missing, in one `go build`, so they share the build
# cache (the apiserver, controller-manager and kubelet have most packages in
# common).
kube_components=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

build_kubernetes() {
  local missing=() c
  for c in "$@"; do
    [[ -x "$(bindir "$c" "$KUBERNETES_VERSION")/$c" ]] || missing+=("$c")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "building ${missing[*]} $KUBERNETES_VERSION (about 7 min for the first, a few more for each other)"
  local w="$work/kubernetes" gomod
  rm -rf "$w"; mkdir -p "$w"
  gomod="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$gomod" ]] || die "could not download k8s.io/kubernetes@$KUBERNETES_VERSION"
  local staging_version="v0${KUBERNETES_VERSION#v1}"
  {
    echo "module authctl.dev/e2e/kubernetes"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    # kubernetes replaces every k8s.io/* staging module with ./staging/...;
    # point each one at its published version instead.
    grep -E '^[[:space:]]*k8s.io/[^ ]+ => ./staging/' "$gomod" |
      awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } >"$w/go.mod"
  {
    echo "package tools"
    echo
    echo "import ("
    for c in "${kube_components[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$c/app\""; done
    echo ")"
  } >"$w/tools.go"
  local pkgs=() tmp="$w/out"
  mkdir -p "$tmp"
  for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  (cd "$w" && go mod tidy && go build -o "$tmp/" "${pkgs[@]}") || die "kubernetes build failed (${missing[*]})"
  for c in "${missing[@]}"; do
    local out; out="$(bindir "$c" "$KUBERNETES_VERSION")"
    mkdir -p "$out"
    mv "$tmp/$c" "$out/$c"
  done
}

build_etcd() {
  local out; out="$(bindir etcd "$ETCD_VERSION")"
  [[ -x "$out/etcd" ]] && return 0
  log "building etcd $ETCD_VERSION from the Go module proxy"
  local w="$work/etcd"
  rm -rf "$w"; mkdir -p "$w"
  cat >"$w/go.mod" <<GOMOD
module authctl.dev/e2e/etcd

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  cat >"$w/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$w" && go mod tidy && go build -o "$out/etcd.tmp" .) || die "etcd build failed"
  mv "$out/etcd.tmp" "$out/etcd"
}

build_coredns() {
  local out; out="$(bindir coredns "$COREDNS_VERSION")"
  [[ -x "$out/coredns" ]] && return 0
  log "building coredns $COREDNS_VERSION (static, for the cluster DNS image)"
  copy_module "github.com/coredns/coredns@$COREDNS_VERSION" "$work/coredns"
  (cd "$work/coredns" && CGO_ENABLED=0 go build -o "$out/coredns.tmp" .) || die "coredns build failed"
  mv "$out/coredns.tmp" "$out/coredns"
}

# kube-router enforces NetworkPolicies (its firewall controller only; the
# node runs kube-proxy and a bridge CNI). The proxy serves only v2.1.0 of
# its v2 module.
build_kube_router() {
  local out; out="$(bindir kube-router "$KUBE_ROUTER_VERSION")"
  [[ -x "$out/kube-router" ]] && return 0
  log "building kube-router $KUBE_ROUTER_VERSION (NetworkPolicy enforcer)"
  copy_module "github.com/cloudnativelabs/kube-router/v2@$KUBE_ROUTER_VERSION" "$work/kube-router"
  (cd "$work/kube-router" && CGO_ENABLED=0 go build -o "$out/kube-router.tmp" ./cmd/kube-router) ||
    die "kube-router build failed"
  mv "$out/kube-router.tmp" "$out/kube-router"
}

build_kubelogin() {
  local out; out="$(bindir kubelogin "$KUBELOGIN_VERSION")"
  [[ -x "$out/kubelogin" ]] && return 0
  log "building kubelogin $KUBELOGIN_VERSION (benchmark anchor only)"
  # `go install MOD@VERSION` asks the proxy for the module's version list
  # (to report deprecations), which it refuses with 403 for this module.
  # Downloading the exact version works, so copy it and build in place.
  # The checksum database does not know this module: skip it for it only.
  GONOSUMDB=github.com/int128/kubelogin copy_module "github.com/int128/kubelogin@$KUBELOGIN_VERSION" "$work/kubelogin"
  (cd "$work/kubelogin" && GONOSUMDB=github.com/int128/kubelogin go build -o "$out/kubelogin.tmp" .) ||
    die "kubelogin build failed"
  mv "$out/kubelogin.tmp" "$out/kubelogin"
}

build_goreleaser() {
  local out; out="$(bindir goreleaser "$GORELEASER_VERSION")"
  [[ -x "$out/goreleaser" ]] && return 0
  log "building goreleaser $GORELEASER_VERSION (release config check; about 9 min)"
  GOBIN="$out" go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION" ||
    die "goreleaser build failed"
}

# Mailpit: Kratos' courier sends the browser tests' verification codes to
# it, and the tests read them from its API.
build_mailpit() {
  local out; out="$(bindir mailpit "$MAILPIT_VERSION")"
  [[ -x "$out/mailpit" ]] && return 0
  log "building mailpit $MAILPIT_VERSION (SMTP server for the browser tests; about 4 min)"
  GOBIN="$work/mailpit-bin" go install "github.com/axllent/mailpit@$MAILPIT_VERSION" || die "mailpit build failed"
  mkdir -p "$out" && mv "$work/mailpit-bin/mailpit" "$out/mailpit"
}

tools=("$@")
if [[ ${#tools[@]} -eq 0 ]]; then tools=(etcd hydra oathkeeper kratos kube-apiserver mailpit goreleaser); fi
for t in "${tools[@]}"; do
  case "$t" in
    kratos) build_kratos ;;
    hydra) build_hydra ;;
    oathkeeper) build_oathkeeper ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy) build_kubernetes "$t" ;;
    node) node_packages; build_kubernetes "${kube_components[@]}"; build_coredns; build_kube_router; build_oathkeeper_maester ;;
    etcd) build_etcd ;;
    coredns) build_coredns ;;
    kube-router) build_kube_router ;;
    oathkeeper-maester) build_oathkeeper_maester ;;
    kubelogin) build_kubelogin ;;
    goreleaser) build_goreleaser ;;
    mailpit) build_mailpit ;;
    *) die "unknown tool \"$t\" (known: kratos hydra oathkeeper etcd mailpit goreleaser kubelogin ${kube_components[*]} coredns kube-router oathkeeper-maester node)" ;;
  esac
done
log "tools ready in $cache"
