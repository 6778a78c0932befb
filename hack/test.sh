#!/usr/bin/env bash
# The whole test suite, real servers included. This is the README's test
# command and the only thing .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

# tmux drives `authctl init` in a real terminal (test/e2e/wizard_test.go).
if ! command -v tmux >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
  echo "test: installing tmux" >&2
  $sudo apt-get install -y tmux >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y tmux >/dev/null; }
fi
command -v tmux >/dev/null 2>&1 || { echo "test: error: tmux is required (install it, e.g. apt-get install tmux)" >&2; exit 1; }

# The pinned real servers (and goreleaser), built once into a versioned cache.
hack/e2e-tools.sh

go build ./...
go vet ./...
go test -count=1 -timeout 40m ./...
