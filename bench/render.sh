#!/bin/sh
# Render speed against its baselines in one run: `authctl version`, render of
# examples/internal-tools.yaml, the cost per additional service (10 to
# 10,000) and `helm template` of the chart `render --format helm` writes
# (see bench/render_speed_test.go). helm: $AUTHCTL_HELM or PATH.
set -eu
cd "$(dirname "$0")/.."
exec go test ./bench/ -run '^$' -bench 'BenchmarkRenderSpeed' -benchtime 1x -timeout 20m -v "$@"
