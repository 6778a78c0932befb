#!/bin/sh
# Benchmark of `authctl bootstrap` against the real Kratos v1.3.1 on SQLite
# (see bench/bootstrap_test.go). Needs the harness binaries (hack/e2e-tools.sh).
# AUTHCTL_BENCH_RUNS sets the number of runs per figure (default 3).
set -eu
cd "$(dirname "$0")/.."
exec go test ./bench/ -run '^$' -bench BenchmarkBootstrap -benchtime 1x -timeout 60m -v "$@"
