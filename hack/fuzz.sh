#!/usr/bin/env bash
# Every fuzz target for a short fixed budget; the last phase of hack/test.sh.
#
#   hack/fuzz.sh    (AUTHCTL_FUZZ_TIME sets the budget per target, default 10s;
#                    0 skips fuzzing outside CI)
#
# Targets are discovered, so one added later runs too. Minimizing an input
# is capped so that it cannot eat the budget. A crasher is written by go test
# to <package>/testdata/fuzz/<FuzzName>/ and fails the run: fix the bug and
# commit the file, which then runs as a seed in every plain go test.
#
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when -fuzztime ends while a worker is busy, having found nothing
# (golang/go#75804, fixed in Go 1.27). That one signature, with no input
# written, runs the target again, at most twice; anything else fails at once.
set -euo pipefail
here="${BASH_SOURCE[0]%/*}"
[[ "$here" == "${BASH_SOURCE[0]}" ]] && here=.
cd "$here/.."

log() { printf 'test: %s\n' "$*" >&2; }
die() { printf 'test: error: %s\n' "$*" >&2; exit 1; }
in_ci() { [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; }

fuzz_time="${AUTHCTL_FUZZ_TIME:-10s}"
if [[ "$fuzz_time" == "0" ]]; then
  in_ci && die "AUTHCTL_FUZZ_TIME=0 is not allowed in CI"
  log "WARNING: AUTHCTL_FUZZ_TIME=0: fuzzing skipped"
  exit 0
fi

# go test -list prints a package's matching names, then its "ok <pkg>" line.
targets="$(go test -list '^Fuzz' ./... | awk '
  /^Fuzz/ { names[++n] = $1; next }
  /^ok / { for (i = 1; i <= n; i++) print $2, names[i]; n = 0 }')"
count="$(printf '%s\n' "$targets" | grep -c . || true)"
[[ "$count" -gt 0 ]] || die "no fuzz targets found"
seconds="${fuzz_time%s}"
if [[ "$seconds" =~ ^[0-9]+$ ]]; then
  log "fuzzing $count targets for $fuzz_time each: total budget $((count * seconds))s (plus instrumented builds)"
else
  log "fuzzing $count targets for $fuzz_time each"
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT

# inputs DIR: the files in a corpus directory, one per line.
inputs() { if [[ -d "$1" ]]; then (cd "$1" && ls -1A); fi; }

# coordinator_race: the last run failed only with the coordinator's own
# deadline: its FAIL line followed by the bare message and no failing input.
coordinator_race() {
  local name="$1"
  grep -q -- "--- FAIL: $name " "$out" &&
    grep -qx '    context deadline exceeded' "$out" &&
    ! grep -q 'Failing input written\|^panic:\|fuzzing process hung' "$out"
}

failed=()
while read -r pkg name; do
  dir="$(go list -f '{{.Dir}}' "$pkg")/testdata/fuzz/$name"
  before="$(inputs "$dir")"
  for attempt in 1 2 3; do
    log "fuzz $name ($pkg) for $fuzz_time"
    rc=0
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzz_time" -fuzzminimizetime 2s "$pkg" 2>&1 | tee "$out" || rc=$?
    [[ "$rc" -eq 0 ]] && break
    new="$(comm -13 <(printf '%s\n' "$before" | sort) <(inputs "$dir" | sort) | grep . || true)"
    if [[ -z "$new" ]] && coordinator_race "$name"; then
      if [[ "$attempt" -lt 3 ]]; then
        log "$name: go's fuzz coordinator stopped on its own deadline with no failing input (golang/go#75804, fixed in Go 1.27); running it again"
        continue
      fi
      failed+=("$name ($pkg): the coordinator's deadline failure three times in a row; that is no longer the rare race: look for a slow input or a starved machine")
      break
    fi
    failed+=("$name ($pkg): failing input kept in $dir/")
    # CI's checkout is thrown away: print the new inputs so that the log
    # alone is enough to reproduce the failure as a seed.
    for f in $new; do
      printf 'test: new failing input %s:\n' "$dir/$f" >&2
      sed 's/^/    /' "$dir/$f" >&2
    done
    break
  done
done <<<"$targets"
if [[ "${#failed[@]}" -gt 0 ]]; then
  printf 'test: error: fuzzing found failures; fix them and commit the inputs as seeds:\n' >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
log "fuzzing: no failures"
