#!/usr/bin/env bash
# zvonokd registering with an upstream trunk that requires it (issue 7, `register: true`): a sipp
# registrar on the trunk's address challenges the first REGISTER, checks the credentials of the
# retry (sipp verifyauth), grants 2 s, and must see the refresh before they run out. Bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
ZVONOKD=${ZVONOKD:-.build/debug/zvonokd}
SCENARIOS=$PWD/Tests/Integration/sipp
[ -x "$ZVONOKD" ] || { echo "b2bua-trunk-register: $ZVONOKD is not built (swift build)" >&2; exit 1; }
command -v sipp >/dev/null || { echo "b2bua-trunk-register: sipp is not installed (apt-get install sip-tester)" >&2; exit 1; }
work=$(mktemp -d)
ZVONOKD_PID=
TRUNK_PID=
cleanup() {
    [ -n "$ZVONOKD_PID" ] && kill -KILL "$ZVONOKD_PID" 2>/dev/null || true
    [ -n "$TRUNK_PID" ] && kill "$TRUNK_PID" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
SIP_PORT=$(free_port)
METRICS_PORT=$(free_port "$SIP_PORT")
TRUNK_PORT=$(free_port "$SIP_PORT" "$METRICS_PORT")
failures=0
check() {
    local what=$1; shift
    if "$@" >"$work/check.out" 2>&1; then echo "ok   $what"; else echo "FAIL $what"; sed 's/^/     /' "$work/check.out"; failures=$((failures + 1)); fi
}

cp etc/zvonok.yaml "$work/zvonok.yaml"
cat >>"$work/zvonok.yaml" <<YAML
  main:
    address: 127.0.0.2:$TRUNK_PORT
    username: zvonok-trunk
    password: trunk-secret
    register: true
    registerExpiresSeconds: 600
YAML

(cd "$work" && timeout 60 sipp -sf "$SCENARIOS/uas-trunk-registrar.xml" -i 127.0.0.2 -p "$TRUNK_PORT" -m 1 -timeout 50s \
    -nostdin -trace_err -trace_screen >"$work/trunk.out" 2>&1) &
TRUNK_PID=$!
sleep 0.5
ZVONOKD_CONFIG="$work/zvonok.yaml" start_zvonokd "$work/zvonokd.log" ZVONOK_DATABASE_PATH="$work/zvonok.sqlite"
status=0
for _ in $(seq 300); do kill -0 "$TRUNK_PID" 2>/dev/null || break; sleep 0.1; done
wait "$TRUNK_PID" || status=$?
TRUNK_PID=
check "the trunk saw REGISTER, a retry with valid credentials and a refresh within the 2 s granted" \
    bash -c "[ $status -eq 0 ] || { cat '$work/trunk.out'; exit 1; }"
check "zvonokd logged the registration" grep -q "trunk main: registered for 2 s" "$work/zvonokd.log"
stop_zvonokd
check "zvonokd exits cleanly" test "$ZVONOKD_STATUS" -eq 0
[ "$failures" -eq 0 ] || { echo "b2bua-trunk-register: $failures check(s) failed"; tail -30 "$work/zvonokd.log"; exit 1; }
echo "b2bua-trunk-register: all checks passed"
