#!/bin/sh
# Benchmarks of hostile and large profiles: the real `authctl validate` on
# alias bombs and 10,000+ services, and render time per service from 1,000
# to 10,000 services (see bench/profile_test.go).
set -eu
cd "$(dirname "$0")/.."
exec go test ./bench/ -run '^$' -bench 'BenchmarkProfileInput|BenchmarkRenderScaling' -benchtime 1x -timeout 30m -v "$@"
