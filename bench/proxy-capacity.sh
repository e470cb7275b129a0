#!/usr/bin/env bash
# Registrations/s and calls/s of the registrar and stateful proxy on one core (issue 5), zvonokd
# against Kamailio 5.6 (bench/kamailio-proxy.cfg), with the sipp scenarios of the integration
# tests, in one run:
#   REGISTER with digest (401, then 200) for USERS distinct users (sipp -inf, zvonokctl account
#     import / a db_text table);
#   calls through the proxy: INVITE, 407, ACK, INVITE with credentials, 100, 180, 200, ACK, BYE,
#     200 (Tests/Integration/sipp/uac-call.xml, callers from the same users) to one registered
#     sipp UAS (uas-answer-load.xml).
# Each server is pinned to core SERVER_CPU (1) with taskset, every sipp to SIPP_CPU (0). All the
# servers run at once (on different ports), idle but for the one under load, and their ladders
# take turns: a step of Kamailio's ladder, then the next step of zvonokd's, and so on, so that a
# machine whose speed drifts weighs on both alike. A ladder's offered rate starts at REG_RATE0
# (500/s) or CALL_RATE0 (100/s) and doubles every STEP_SECONDS (10 s) step until more than 0.1%
# of the step's calls fail (or time out after 5 s), then REFINE_STEPS (3) bisections; it ends
# early when sipp falls short of the offered rate by more than 10% (then sipp, not the server, is
# the limit: the CPU figures tell), and after MAX_STEPS (8) doublings; the capacity is the best
# rate achieved within 0.1%.
# Memory: the server's PSS (summed over Kamailio's processes; PSS counts shared memory once) on a
# fresh start, after registering all USERS, and with HELD_CALLS calls held up (sipp -d) at once:
# the deltas per user and per call. Bounded: every sipp run has -m, -timeout and an outer timeout.
#
#   bench/proxy-capacity.sh                      both servers (SERVERS="kamailio zvonokd")
#   SERVERS=kamailio bench/proxy-capacity.sh     only the reference
#   ROUNDS=3 bench/proxy-capacity.sh             all of it three times: the median of the rounds'
#                                                ratios, and their spread
#   USERS=20000 STEP_SECONDS=10 HELD_CALLS=2000 KAMAILIO_CHILDREN=1 ZVONOKD_WORKERS=1
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -c 0  # an overloaded server that crashes leaves no core file of a gigabyte
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
SERVERS=${SERVERS:-kamailio zvonokd}
USERS=${USERS:-20000}
STEP_SECONDS=${STEP_SECONDS:-10}
MAX_STEPS=${MAX_STEPS:-8}
ROUNDS=${ROUNDS:-1}
REG_RATE0=${REG_RATE0:-500}
CALL_RATE0=${CALL_RATE0:-100}
HELD_CALLS=${HELD_CALLS:-2000}
SERVER_CPU=${SERVER_CPU:-1}
SIPP_CPU=${SIPP_CPU:-0}
ZVONOKD=${ZVONOKD:-.build/release/zvonokd}
ZVONOKCTL=${ZVONOKCTL:-.build/release/zvonokctl}
SCENARIOS=$PWD/Tests/Integration/sipp
export KAMAILIO_CHILDREN=${KAMAILIO_CHILDREN:-1} ZVONOKD_WORKERS=${ZVONOKD_WORKERS:-1}
export KAMAILIO_SHARED_MB=${KAMAILIO_SHARED_MB:-1024} KAMAILIO_PRIVATE_MB=${KAMAILIO_PRIVATE_MB:-16}
export SERVER_LOG_LEVEL=notice ALGORITHMS=md5 MAX_FAILURES=1000000
export ZVONOKD_EXTRA_ENV="ZVONOK_LIMITS_MAX_TRANSACTIONS=2000000"
export SERVER_WRAPPER="taskset -c $SERVER_CPU"
# Kamailio's accounts in SQLite, indexed by user name as zvonokd's are (db_text scans its table on
# every query: 20,000 users would halve its rates). Needs kamailio-sqlite-modules.
export KAMAILIO_DB=${KAMAILIO_DB:-sqlite}
for server in $SERVERS; do
    case $server in
        zvonokd) if [ ! -x "$ZVONOKD" ] || [ ! -x "$ZVONOKCTL" ]; then
                     flock /tmp/zvonok-build.lock swift build -c release --product zvonokd
                     flock /tmp/zvonok-build.lock swift build -c release --product zvonokctl
                 fi ;;
        kamailio) command -v kamailio >/dev/null || { echo "proxy-capacity: kamailio is not installed (apt-get install kamailio kamailio-sqlite-modules)" >&2; exit 1; }
                  [ "$KAMAILIO_DB" != sqlite ] || [ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/db_sqlite.so ] \
                      || { echo "proxy-capacity: db_sqlite is missing (apt-get install kamailio-sqlite-modules, or KAMAILIO_DB=text)" >&2; exit 1; } ;;
        *) echo "proxy-capacity: unknown server $server" >&2; exit 2 ;;
    esac
done

work=$(mktemp -d)
ZVONOKD_PID=
UAS_PID=
# Each server's process, ports and callee UAS (use_server makes one of them current).
declare -A CTX
export SERVER=
used_ports=()
for server in $SERVERS; do
    for key in sip metrics uas; do
        CTX[$server,$key]=$(free_port "${used_ports[@]}")
        used_ports+=("${CTX[$server,$key]}")
    done
done
use_server() {
    SERVER=$1 ZVONOKD_PID=${CTX[$1,pid]:-} UAS_PID=${CTX[$1,uaspid]:-}
    SIP_PORT=${CTX[$1,sip]} METRICS_PORT=${CTX[$1,metrics]} UAS_PORT=${CTX[$1,uas]}
}
save_server() { CTX[$SERVER,pid]=$ZVONOKD_PID CTX[$SERVER,uaspid]=$UAS_PID; }
cleanup() {
    for server in $SERVERS; do
        use_server "$server"
        if [ -n "$UAS_PID" ]; then kill -KILL "$UAS_PID" 2>/dev/null || true; fi
        kill_server
    done
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "proxy-capacity: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
python3 - "$USERS" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
with open(f"{work}/accounts.csv", "w") as accounts, open(f"{work}/users.csv", "w") as users:
    users.write("SEQUENTIAL\n")
    for i in range(1, n + 1):
        accounts.write(f"load{i:06d},load-password-{i}\n")
        users.write(f"load{i:06d};load-password-{i};\n")
    accounts.write("callee,callee-password\n")
with open(f"{work}/callee.csv", "w") as callee:
    callee.write("SEQUENTIAL\ncallee;callee-password;\n")
PY

source bench/capacity-lib.bash

# The callee: registered, then a sipp UAS on its port (on the sipp core), alive while every
# server's ladders run.
uas_seconds=$(( (STEP_SECONDS * (MAX_STEPS + ${REFINE_STEPS:-3}) * 4 + 240) * $(wc -w <<<"$SERVERS") ))
start_callee() {
    run_sipp "$SERVER-register-callee" register.xml "$work/callee.csv" 10 1 -auth_uri "$DOMAIN" -p "$UAS_PORT" >/dev/null
    (cd "$work" && exec timeout $((uas_seconds + 60)) taskset -c "$SIPP_CPU" sipp -sf "$SCENARIOS/uas-answer-load.xml" \
        -s callee -p "$UAS_PORT" -t u1 -i 127.0.0.1 -nostdin -max_recv_loops 10000 -timeout "${uas_seconds}s" \
        >>"$work/$SERVER-uas.out" 2>&1) &
    UAS_PID=$!
    sleep 0.5
}
stop_callee() {
    kill -TERM "$UAS_PID" 2>/dev/null || true
    wait "$UAS_PID" 2>/dev/null || true
    UAS_PID=
}

# ladders KIND SCENARIO CSV RATE0 [sipp options]: every server's ladder, taking turns step by step.
ladders() {
    local kind=$1 scenario=$2 csv=$3 rate0=$4 running=1 server; shift 4
    for server in $SERVERS; do ladder_start "$server-$kind" "$rate0"; done
    while [ "$running" = 1 ]; do
        running=0
        for server in $SERVERS; do
            ladder_done "$server-$kind" && continue
            use_server "$server"
            ladder_step "$server-$kind" "$kind" "$scenario" "$csv" "$@"
            ladder_done "$server-$kind" || running=1
        done
    done
}

declare -A RESULT
for round in $(seq 1 "$ROUNDS"); do
    [ "$ROUNDS" -eq 1 ] || echo "== round $round of $ROUNDS"
    # Memory, one server at a time (the others started before stay idle).
    for server in $SERVERS; do
        use_server "$server"
        r="$server,$round"
        if [ "$server" = zvonokd ]; then rm -f "$work/zvonok.sqlite"*; else rm -rf "$work/dbtext" "$work/kamailio.sqlite"; fi
        create_accounts "$work/accounts.csv"
        echo "== $server (pinned to CPU $SERVER_CPU; sipp on CPU $SIPP_CPU), $USERS users"
        start_server "$work/$server.log"
        sleep 1
        pss_start=$(pss_kb)
        # Every user once, at a modest rate: the memory a registered user costs.
        read -r ok failed seconds cpu _ < <(run_sipp "$server-register-all" register.xml "$work/users.csv" 1000 "$USERS" -auth_uri "$DOMAIN")
        sleep 1
        pss_registered=$(pss_kb)
        echo "  registered $ok of $USERS users ($failed failed): PSS $pss_start kB -> $pss_registered kB"
        RESULT[$r,user_bytes]=n/a
        [ "$ok" -eq 0 ] || RESULT[$r,user_bytes]=$(( (pss_registered - pss_start) * 1024 / ok ))
        start_callee
        # HELD_CALLS calls up at once (each held 30 s): the memory a call in progress costs.
        pss_before_calls=$(pss_kb)
        held_rate=$(( HELD_CALLS / 10 > 0 ? HELD_CALLS / 10 : 1 ))
        (SIPP_LIMIT=$((HELD_CALLS + 100)) run_sipp "$server-held" uac-call.xml "$work/users.csv" "$held_rate" "$HELD_CALLS" -s callee -auth_uri "callee@$DOMAIN" -d 30000 >"$work/held.result") &
        held=$!
        sleep 15  # all HELD_CALLS set up (10 s at HELD_CALLS/10 per second), none ended yet
        pss_calls=$(pss_kb)
        wait "$held" || true
        read -r ok failed seconds cpu _ <"$work/held.result"
        echo "  $HELD_CALLS calls held up at once ($ok completed, $failed failed): PSS $pss_before_calls kB -> $pss_calls kB"
        RESULT[$r,call_bytes]=n/a
        [ "$failed" -ne 0 ] || [ "$ok" -eq 0 ] || RESULT[$r,call_bytes]=$(( (pss_calls - pss_before_calls) * 1024 / HELD_CALLS ))
        save_server
    done

    # Then the capacity: the rates stepped up, the servers taking turns.
    echo "== registrations: $SERVERS taking turns"
    ladders REGISTER register.xml "$work/users.csv" "$REG_RATE0" -auth_uri "$DOMAIN"
    # Fresh servers for the calls, so that the REGISTER overload does not weigh on them.
    for server in $SERVERS; do
        use_server "$server"
        stop_callee
        stop_server
        start_server "$work/$server.log"
        start_callee
        save_server
    done
    echo "== calls: $SERVERS taking turns"
    ladders calls uac-call.xml "$work/users.csv" "$CALL_RATE0" -s callee -auth_uri "callee@$DOMAIN" -d 0
    for server in $SERVERS; do
        r="$server,$round"
        RESULT[$r,reg]=${LADDER[$server-REGISTER,best]} RESULT[$r,regcpu]=${LADDER[$server-REGISTER,bestcpu]}
        RESULT[$r,calls]=${LADDER[$server-calls,best]} RESULT[$r,callcpu]=${LADDER[$server-calls,bestcpu]}
        use_server "$server"
        stop_callee
        stop_server
        save_server
    done
done

echo
printf '%-9s %5s %16s %20s %9s %16s %14s %14s\n' server round "registrations/s" "REGISTER/CPU-second" "calls/s" "calls/CPU-second" "bytes per user" "bytes per call"
for round in $(seq 1 "$ROUNDS"); do
    for server in $SERVERS; do
        r="$server,$round"
        printf '%-9s %5s %16s %20s %9s %16s %14s %14s\n' "$server" "$round" "${RESULT[$r,reg]}" "${RESULT[$r,regcpu]}" \
            "${RESULT[$r,calls]}" "${RESULT[$r,callcpu]}" "${RESULT[$r,user_bytes]}" "${RESULT[$r,call_bytes]}"
    done
done
if [[ " $SERVERS " == *" kamailio "* && " $SERVERS " == *" zvonokd "* ]]; then
    # Each round's ratio compares two servers measured minutes apart; with ROUNDS > 1 the median
    # of the rounds' ratios, and their spread, say how far this machine's speed moved meanwhile.
    for round in $(seq 1 "$ROUNDS"); do
        for key in reg calls regcpu callcpu user_bytes call_bytes; do
            echo "$round $key ${RESULT[zvonokd,$round,$key]} ${RESULT[kamailio,$round,$key]}"
        done
    done | python3 -c '
import collections, statistics, sys
ratios = collections.defaultdict(list)
for line in sys.stdin:
    round_, key, z, k = line.split()
    try:
        ratios[key].append(float(z) / float(k) if float(k) else None)
    except ValueError:
        ratios[key].append(None)
def show(key, what):
    values = [v for v in ratios[key] if v is not None]
    if not values:
        return f"{what} n/a"
    if len(values) == 1:
        return f"{what} {values[0]:.2f}x"
    return f"{what} {statistics.median(values):.2f}x (rounds: " + ", ".join(f"{v:.2f}" for v in values) + ")"
print("zvonokd / kamailio: " + "; ".join([show("reg", "registrations/s"), show("calls", "calls/s")]))
print("  per CPU-second: " + "; ".join([show("regcpu", "REGISTER"), show("callcpu", "calls")]) + " (goal: 1.5x)")
print("  memory: " + "; ".join([show("user_bytes", "per registered user"), show("call_bytes", "per held call")]) + " (goal: at most 1x)")
'
fi
