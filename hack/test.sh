#!/usr/bin/env bash
# The whole test suite, real servers included, then every fuzz target for a
# short fixed budget. This is the README's test command and the only thing
# .ci/run runs.
#
#   hack/test.sh               everything
#   hack/test.sh --preflight   only the up-front checks (used by hack/script_test.go)
#
# AUTHCTL_FUZZ_TIME sets the budget per fuzz target (default 10s; 0 skips
# fuzzing outside CI).
set -euo pipefail
# Parameter expansion, not dirname: the preflight runs with a stubbed PATH.
here="${BASH_SOURCE[0]%/*}"
[[ "$here" == "${BASH_SOURCE[0]}" ]] && here=.
cd "$here/.."
export GOTOOLCHAIN=local

log() { printf 'test: %s\n' "$*" >&2; }
die() { printf 'test: error: %s\n' "$*" >&2; exit 1; }

in_ci() { [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; }

# preflight fails in seconds with the fix, instead of after a 25-minute
# build or, worse, with a green run that tested less than it claims.
preflight() {
  # An inherited AUTHCTL_E2E=skip turns about 25 real-server tests into
  # skips, and `go test` still prints ok: CI would be green without them.
  if [[ "${AUTHCTL_E2E:-}" == "skip" ]]; then
    if in_ci; then
      die "AUTHCTL_E2E=skip is set in CI (CI=${CI}): the real-server tests would be skipped and the run would still pass. Unset AUTHCTL_E2E; CI must run them."
    fi
    log "WARNING: AUTHCTL_E2E=skip: the real-server tests will be SKIPPED; this run does not test the stack against Kratos, Hydra, Oathkeeper or kube-apiserver"
  fi
  # The cluster phase (a real node: kubelet, containerd, CoreDNS,
  # kube-router) needs root for its namespaces and cgroups.
  if [[ "${AUTHCTL_CLUSTER:-}" == "skip" ]]; then
    if in_ci; then
      die "AUTHCTL_CLUSTER=skip is set in CI (CI=${CI}): the TestCluster tests on a real node would not run. Unset AUTHCTL_CLUSTER; CI must run them."
    fi
    log "WARNING: AUTHCTL_CLUSTER=skip: the real-node phase (TestCluster…) will be SKIPPED"
  elif [[ "${EUID:-0}" -ne 0 ]]; then
    die "the real-node tests (TestCluster…) need root for network and mount namespaces and cgroups; run as root, or set AUTHCTL_CLUSTER=skip to leave them out of a local run"
  fi

  if [[ "${AUTHCTL_FUZZ_TIME:-}" == "0" ]] && in_ci; then
    die "AUTHCTL_FUZZ_TIME=0 is set in CI (CI=${CI}): fuzzing would be skipped. Unset AUTHCTL_FUZZ_TIME; CI must fuzz."
  fi

  # The kube-apiserver tests (test/e2e) drive kubectl.
  if ! command -v kubectl >/dev/null 2>&1; then
    die "kubectl is not on PATH; the kube-apiserver tests in test/e2e run it (install kubectl 1.32 or newer; see docs/testing.md)"
  fi

  # The CRD tests install the CRDs of these modules, downloaded through the
  # Go module proxy (a module already in the module cache needs no network).
  # shellcheck source=versions.env
  source hack/versions.env
  local mod out
  for mod in \
    "github.com/external-secrets/external-secrets@$EXTERNAL_SECRETS_VERSION" \
    "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" \
    "github.com/envoyproxy/gateway@$ENVOY_GATEWAY_VERSION" \
    "istio.io/api@$ISTIO_API_VERSION" \
    "github.com/ory/oathkeeper-maester@$OATHKEEPER_MAESTER_VERSION"; do
    # Outside the repository's module, like the tests do.
    if ! out="$(cd / && go mod download -json "$mod" 2>&1)"; then
      die "could not download $mod through the Go module proxy ($(go env GOPROXY 2>/dev/null || echo '?')); the CRD tests in test/e2e need it. Check network access to the proxy, GOPROXY and GOFLAGS. go said:
$out"
    fi
  done
}

preflight
if [[ "${1:-}" == "--preflight" ]]; then
  log "preflight ok"
  exit 0
fi

# tmux drives `authctl init` in a real terminal (test/e2e/wizard).
if ! command -v tmux >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
  log "installing tmux"
  $sudo apt-get install -y tmux >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y tmux >/dev/null; }
fi
command -v tmux >/dev/null 2>&1 || die "tmux is required (install it, e.g. apt-get install tmux)"

# Chromium is the real browser of the TestBrowser… tests (test/e2e/browser)
# and of TestClusterUILogin (test/e2e/cluster, the cluster phase below),
# driven over the DevTools protocol; Debian's package, never a download of
# its own (about a minute cold on two cores).
if ! command -v chromium >/dev/null 2>&1 && [[ -z "${AUTHCTL_CHROMIUM:-}" ]] && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
  log "installing chromium"
  started=$SECONDS
  $sudo apt-get install -y chromium >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y chromium >/dev/null; }
  log "chromium installed in $((SECONDS - started)) s"
fi
command -v chromium >/dev/null 2>&1 || [[ -n "${AUTHCTL_CHROMIUM:-}" ]] || die "chromium is required for test/e2e/browser (install it, e.g. apt-get install chromium, or set AUTHCTL_CHROMIUM)"

# The pinned real servers (and goreleaser), built once into a versioned cache.
hack/e2e-tools.sh

go build ./...
unformatted="$(gofmt -l $(git ls-files '*.go'))"
[[ -z "$unformatted" ]] || die "not gofmt-formatted (run gofmt -w on them):
$unformatted"
go vet ./...
# The browser tests keep a screenshot of every page they pass here.
export AUTHCTL_ARTIFACTS="${AUTHCTL_ARTIFACTS:-$PWD/.artifacts}"
go test -count=1 -timeout 40m ./...

# The real node (issue 14): the rendered stack as pods on kubelet,
# containerd, CoreDNS and kube-router, built from pinned sources (about
# 30 minutes into an empty cache, then cached). Each test starts and tears
# down its own node; only one node runs at a time.
if [[ "${AUTHCTL_CLUSTER:-}" != "skip" ]]; then
  hack/e2e-tools.sh node
  go vet -tags cluster ./test/...
  # -p 1: one package at a time, as the node is one at a time (a lock
  # serialises them anyway; waiting on it would only eat its timeout).
  go test -p 1 -count=1 -tags cluster -timeout 40m -run '^TestCluster' -v ./test/...
fi

# Fuzzing: every target for a short fixed budget (hack/fuzz.sh).
hack/fuzz.sh
