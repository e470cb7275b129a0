#!/usr/bin/env bash
# Paid calls per second through the B2BUA (issue 7), with billing on SQLite: sipp callers
# (Tests/Integration/sipp/uac-paid-call.xml: INVITE, 407, INVITE with credentials, 200, ACK, BYE)
# from USERS accounts, each topped up, call +8613800000000 (China: paid, 4.00/min, 1/1) through
# zvonokd to a sipp trunk on 127.0.0.2 (uas-trunk-load.xml: 200 at once). Each call is authorised
# and settled in the ledger (two SQLite write transactions) and gets a CDR. The server is pinned to
# SERVER_CPU, sipp to SIPP_CPU; the rate starts at CALL_RATE0 and doubles every STEP_SECONDS until
# more than 0.1% of calls fail (bench/capacity-lib.bash, as bench/proxy-capacity.sh). Memory: PSS
# with HELD_CALLS answered paid calls up at once, per call.
#   bench/b2bua-capacity.sh        USERS=200 CALL_RATE0=100 STEP_SECONDS=10 HELD_CALLS=1000
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -c 0
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
USERS=${USERS:-200}
STEP_SECONDS=${STEP_SECONDS:-10}
MAX_STEPS=${MAX_STEPS:-8}
CALL_RATE0=${CALL_RATE0:-100}
HELD_CALLS=${HELD_CALLS:-1000}
SERVER_CPU=${SERVER_CPU:-1}
SIPP_CPU=${SIPP_CPU:-0}
ZVONOKD=${ZVONOKD:-.build/release/zvonokd}
ZVONOKCTL=${ZVONOKCTL:-.build/release/zvonokctl}
SCENARIOS=$PWD/Tests/Integration/sipp
NUMBER=+8613800000000
[ -x "$ZVONOKD" ] && [ -x "$ZVONOKCTL" ] || { flock /tmp/zvonok-build.lock swift build -c release --product zvonokd \
    && flock /tmp/zvonok-build.lock swift build -c release --product zvonokctl; }
export SERVER=zvonokd SERVER_LOG_LEVEL=notice ALGORITHMS=md5 MAX_FAILURES=1000000 ZVONOKD_WORKERS=${ZVONOKD_WORKERS:-1}
export SERVER_WRAPPER="taskset -c $SERVER_CPU" ZVONOKD_EXTRA_ENV="ZVONOK_LIMITS_MAX_TRANSACTIONS=2000000"
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
source bench/capacity-lib.bash

cp etc/zvonok.yaml "$work/zvonok.yaml"
printf '  load:\n    address: 127.0.0.2:%s\n' "$TRUNK_PORT" >>"$work/zvonok.yaml"
export ZVONOKD_CONFIG=$work/zvonok.yaml
python3 - "$USERS" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
with open(f"{work}/accounts.csv", "w") as accounts, open(f"{work}/users.csv", "w") as users:
    users.write("SEQUENTIAL\n")
    for i in range(1, n + 1):
        accounts.write(f"payer{i:05d},payer-password-{i}\n")
        users.write(f"payer{i:05d};payer-password-{i};\n")
PY
create_accounts "$work/accounts.csv"
"$ZVONOKCTL" tariff import Пробный etc/tariffs/rates.csv --database "$work/zvonok.sqlite" >/dev/null
for i in $(seq 1 "$USERS"); do
    "$ZVONOKCTL" balance topup "$(printf 'payer%05d' "$i")" 100000.00 --payment-id "bench-$i" --database "$work/zvonok.sqlite" >/dev/null
done
echo "== zvonokd B2BUA (pinned to CPU $SERVER_CPU; sipp on CPU $SIPP_CPU), $USERS paying accounts"
start_server "$work/zvonokd.log"
(cd "$work" && exec timeout $((STEP_SECONDS * MAX_STEPS * 4 + 600)) taskset -c "$SIPP_CPU" sipp -sf "$SCENARIOS/uas-trunk-load.xml" \
    -i 127.0.0.2 -p "$TRUNK_PORT" -nostdin -aa -max_recv_loops 10000 -timeout $((STEP_SECONDS * MAX_STEPS * 4 + 540))s \
    >"$work/trunk.out" 2>&1) &
TRUNK_PID=$!
sleep 1
pss_start=$(pss_kb)
held_rate=$(( HELD_CALLS / 10 > 0 ? HELD_CALLS / 10 : 1 ))
(SIPP_LIMIT=$((HELD_CALLS + 100)) run_sipp held uac-paid-call.xml "$work/users.csv" "$held_rate" "$HELD_CALLS" -s "$NUMBER" \
    -auth_uri "$NUMBER@$DOMAIN" -d 30000 -aa >"$work/held.result") &
held=$!
sleep $(( HELD_CALLS / held_rate + 5 ))
pss_held=$(pss_kb)
wait "$held" || true
echo "  PSS $pss_start kB idle, $pss_held kB with $HELD_CALLS paid calls up: $(( (pss_held - pss_start) * 1024 / HELD_CALLS )) bytes per call"
step_up paid uac-paid-call.xml "$work/users.csv" "$CALL_RATE0" -s "$NUMBER" -auth_uri "$NUMBER@$DOMAIN" -d 0 -aa
echo "== paid calls: $BEST_RATE/s within 0.1% failures ($BEST_PER_CPU per server CPU-second)"
settled=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from call_record').fetchone()[0])" "$work/zvonok.sqlite")
echo "   CDRs written: $settled"
