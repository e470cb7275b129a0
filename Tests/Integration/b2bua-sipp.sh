#!/usr/bin/env bash
# Paid calls through the B2BUA (issue 7) against the real zvonokd, with sipp as the registered
# caller and sipp as the upstream trunk (Tests/Integration/sipp/uas-trunk-answer.xml: it answers
# the first INVITE with 401 and checks the retry's credentials), billed in SQLite and checked with
# zvonokctl: no money → 402 and nothing reaches the trunk; a national number → 484; a 61 s call at
# a 60/60 rate costs exactly two minutes, with one CDR, and the caller's headers do not reach the
# trunk. Bounded: every sipp run has -timeout and an outer timeout.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
ZVONOKD=${ZVONOKD:-.build/debug/zvonokd}
ZVONOKCTL=${ZVONOKCTL:-.build/debug/zvonokctl}
SCENARIOS=$PWD/Tests/Integration/sipp
for tool in "$ZVONOKD" "$ZVONOKCTL"; do [ -x "$tool" ] || { echo "b2bua-sipp: $tool is not built (swift build)" >&2; exit 1; }; done
command -v sipp >/dev/null || { echo "b2bua-sipp: sipp is not installed (apt-get install sip-tester)" >&2; exit 1; }
SERVER=zvonokd
work=$(mktemp -d)
ZVONOKD_PID=
cleanup() {
    [ -n "$ZVONOKD_PID" ] && kill -KILL "$ZVONOKD_PID" 2>/dev/null || true
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "b2bua-sipp: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
SIP_PORT=$(free_port)
METRICS_PORT=$(free_port "$SIP_PORT")
TRUNK_PORT=$(free_port "$SIP_PORT" "$METRICS_PORT")
CALLER_PORT=$(free_port "$SIP_PORT" "$METRICS_PORT" "$TRUNK_PORT")
failures=0
check() {
    local what=$1; shift
    if "$@" >"$work/check.out" 2>&1; then echo "ok   $what"; else echo "FAIL $what"; sed 's/^/     /' "$work/check.out"; failures=$((failures + 1)); fi
}
ctl() { "$ZVONOKCTL" "$@" --database "$work/zvonok.sqlite"; }

# The example configuration with one trunk on loopback. The trunk is 127.0.0.2 and the users
# 127.0.0.1: a trunk is recognised by its source address, so the two must differ.
cp etc/zvonok.yaml "$work/zvonok.yaml"
cat >>"$work/zvonok.yaml" <<YAML
  main:
    address: 127.0.0.2:$TRUNK_PORT
    username: zvonok-trunk
    password: trunk-secret
    prefixes: [7, 86]
YAML
export ZVONOKD_CONFIG=$work/zvonok.yaml

echo "caller-password" | ctl account add alice --password-stdin --realm "$DOMAIN" >/dev/null
ctl tariff import Paid etc/tariffs/rates.csv >/dev/null
ctl account plan alice Paid >/dev/null
printf 'SEQUENTIAL\nalice;caller-password;\n' >"$work/alice.csv"

ALGORITHMS=md5 start_server "$work/zvonokd.log"

# sipp_caller SCENARIO NUMBER [sipp options]: one call from alice to NUMBER, bounded.
sipp_caller() {
    local scenario=$1 number=$2; shift 2
    (cd "$work" && timeout 150 sipp "127.0.0.1:$SIP_PORT" -sf "$SCENARIOS/$scenario" -inf "$work/alice.csv" -s "$number" \
        -auth_uri "$number@$DOMAIN" -i 127.0.0.1 -p "$CALLER_PORT" -m 1 -timeout 140s -recv_timeout 20000 -nostdin \
        -trace_logs -trace_err "$@")
}

# A listener on the trunk's port counting what reaches it, while refused calls are tried. It
# writes its count (0) as soon as it is bound, and the calls wait for that: on a slow machine
# Python takes more than a second to start, and the refused calls are over by then.
python3 - "$TRUNK_PORT" "$work/trunk-datagrams" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", int(sys.argv[1]))); s.settimeout(0.2)
count, end = 0, time.time() + 60
open(sys.argv[2], "w").write(str(count))
while time.time() < end:
    try: s.recvfrom(65535)
    except socket.timeout: continue
    count += 1
    open(sys.argv[2], "w").write(str(count))
PY
listener=$!
for _ in $(seq 200); do [ -s "$work/trunk-datagrams" ] && break; sleep 0.1; done
[ -s "$work/trunk-datagrams" ] || echo "b2bua-sipp: the trunk port listener did not start" >&2
check "no money: 402 with a reason" bash -c "$(declare -f sipp_caller); SCENARIOS=$SCENARIOS work=$work SIP_PORT=$SIP_PORT DOMAIN=$DOMAIN CALLER_PORT=$CALLER_PORT
    sipp_caller uac-paid-refused.xml +74822123456 >/dev/null 2>&1; cat $work/uac-paid-refused_*_logs.log; grep -q '^final: 402 ' $work/uac-paid-refused_*_logs.log"
rm -f "$work"/uac-paid-refused_*_logs.log
check "a national number: 484 saying how to dial" bash -c "$(declare -f sipp_caller); SCENARIOS=$SCENARIOS work=$work SIP_PORT=$SIP_PORT DOMAIN=$DOMAIN CALLER_PORT=$CALLER_PORT
    sipp_caller uac-paid-refused.xml 84822123456 >/dev/null 2>&1; cat $work/uac-paid-refused_*_logs.log; grep -q '^final: 484 ' $work/uac-paid-refused_*_logs.log"
kill "$listener" 2>/dev/null || true; wait "$listener" 2>/dev/null || true
check "…and nothing reached the trunk" test "$(cat "$work/trunk-datagrams")" = 0

ctl balance topup alice 10.00 --payment-id test-1 >/dev/null
(cd "$work" && timeout 150 sipp -sf "$SCENARIOS/uas-trunk-answer.xml" -i 127.0.0.2 -p "$TRUNK_PORT" -m 1 -timeout 140s -nostdin -aa \
    -trace_err -trace_screen >"$work/trunk.out" 2>&1) &
trunk=$!
sleep 0.5
check "a paid call of 61 s through the trunk (digest to the trunk, caller hangs up)" \
    bash -c "$(declare -f sipp_caller); SCENARIOS=$SCENARIOS work=$work SIP_PORT=$SIP_PORT DOMAIN=$DOMAIN CALLER_PORT=$CALLER_PORT
    sipp_caller uac-paid-call.xml +74822123456 -d 61000 -aa >$work/caller.out 2>&1 || { cat $work/caller.out; cat $work/*errors.log 2>/dev/null; exit 1; }"
wait "$trunk" && trunk_status=0 || trunk_status=$?
check "the trunk saw valid credentials, the SDP, no caller header, and a BYE" bash -c "[ $trunk_status -eq 0 ] || { cat $work/trunk.out; exit 1; }"
sleep 1
# The talk is 61 s and a few milliseconds, and a started second counts: 61 or 62.
check "the call is billed exactly two minutes (3.00 RUB at 1.50/min, 60/60)" bash -c '
    out=$('"$ZVONOKCTL"' cdr export --format csv --database '"$work"'/zvonok.sqlite); echo "$out"
    [ "$(echo "$out" | tail -n +2 | wc -l)" -eq 1 ] && echo "$out" | tail -1 | grep -Eq ",6[12],0,120,Paid,7,1.50,60/60,0.00,3.00,RUB,paid,,caller hung up$"'
check "…and the balance is 7.00 with nothing held" bash -c '
    out=$('"$ZVONOKCTL"' balance show alice --database '"$work"'/zvonok.sqlite); echo "$out"
    grep -q "^balance:   7.00 RUB" <<<"$out" && grep -q "^held:      0.00 RUB" <<<"$out"'

stop_zvonokd
check "zvonokd exits cleanly on SIGTERM" test "$ZVONOKD_STATUS" -eq 0
if [ "$failures" -ne 0 ]; then
    echo "b2bua-sipp: $failures check(s) failed; zvonokd log tail:"; tail -60 "$work/zvonokd.log"
    exit 1
fi
echo "b2bua-sipp: all checks passed"
