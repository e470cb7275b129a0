#!/usr/bin/env bash
# OPTIONS answered per second by zvonokd on one core (issue 4's capacity figure).
#
# zvonokd (release build, one worker) is pinned to one core and sipp to another with taskset;
# sipp runs closed loop (at most $CONCURRENCY OPTIONS outstanding) for $CALLS calls or
# $SECONDS_MAX seconds, whichever ends first, so the run is bounded and stops by itself.
#
#   bench/options-capacity.sh [udp|tcp]        CALLS=200000 CONCURRENCY=400 SECONDS_MAX=60
#   SERVER=kamailio bench/options-capacity.sh udp  the same load on Kamailio (bench/kamailio-options.cfg)
#
# Prints calls/s (one OPTIONS and its 200 per call) from sipp's counters and the wall clock, and
# the server's CPU time, so that "OPTIONS per CPU-second" compares servers even when sipp, not the
# server, is the limit.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tests/Integration/lib.sh
transport=${1:-udp}
case $transport in udp) sipp_t=u1 ;; tcp) sipp_t=t1 ;; *) echo "usage: $0 [udp|tcp]" >&2; exit 2 ;; esac
CALLS=${CALLS:-200000}
CONCURRENCY=${CONCURRENCY:-400}
SECONDS_MAX=${SECONDS_MAX:-60}
SERVER_CPU=${SERVER_CPU:-0}
SIPP_CPU=${SIPP_CPU:-1}
ZVONOKD=${ZVONOKD:-.build/release/zvonokd}
[ -x "$ZVONOKD" ] || swift build -c release --product zvonokd
work=$(mktemp -d)
ZVONOKD_PID=
cleanup() {
    if [ -n "$ZVONOKD_PID" ] && kill -0 "$ZVONOKD_PID" 2>/dev/null; then
        # Kamailio forks its workers: end them with their parent (all started by this script).
        for child in $(pgrep -P "$ZVONOKD_PID" || true); do kill -KILL "$child" 2>/dev/null || true; done
        kill -KILL "$ZVONOKD_PID"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
SIP_PORT=$(free_port)
METRICS_PORT=$(free_port "$SIP_PORT")
ZVONOKD_WRAPPER="taskset -c $SERVER_CPU"
SERVER=${SERVER:-zvonokd}
if [ "$SERVER" = kamailio ]; then
    command -v kamailio >/dev/null || { echo "options-capacity: kamailio is not installed" >&2; exit 1; }
    sed "s/^listen=LISTEN/listen=$transport:127.0.0.1:$SIP_PORT/" bench/kamailio-options.cfg >"$work/kamailio.cfg"
    taskset -c "$SERVER_CPU" kamailio -f "$work/kamailio.cfg" -DD -E -m 512 -M 64 -Y "$work" >"$work/kamailio.log" 2>&1 &
    ZVONOKD_PID=$!
    sleep 2
    kill -0 "$ZVONOKD_PID" || { cat "$work/kamailio.log" >&2; exit 1; }
else
    # Non-INVITE server transactions stay 64*T1 = 32 s in Completed (Timer J, RFC 3261 §17.2.2) to
    # absorb retransmissions: the table must hold CALLS of them, or the rest get 503.
    start_zvonokd "$work/zvonokd.log" ZVONOK_WORKERS=1 ZVONOK_LOG_LEVEL=notice ZVONOK_LIMITS_MAX_TRANSACTIONS=$((CALLS + 1000))
fi
# CPU time of the server and all its processes (Kamailio forks its workers).
cpu_ticks() {
    local total=0 pid
    for pid in $ZVONOKD_PID $(pgrep -P "$ZVONOKD_PID" || true); do
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
ticks_before=$(cpu_ticks)
started=$(date +%s.%N)
(cd "$work" && timeout $((SECONDS_MAX + 30)) taskset -c "$SIPP_CPU" sipp "127.0.0.1:$SIP_PORT" \
    -sf "$OLDPWD/Tests/Integration/sipp/options.xml" -t "$sipp_t" -i 127.0.0.1 \
    -m "$CALLS" -l "$CONCURRENCY" -r 1000000 -timeout "${SECONDS_MAX}s" -nostdin \
    -trace_stat -stf stats.csv -fd 1 >sipp.out 2>&1) || true
finished=$(date +%s.%N)
server_cpu_seconds=$(python3 -c "print(($(cpu_ticks) - $ticks_before) / $(getconf CLK_TCK))")
if [ "$SERVER" = kamailio ]; then
    kill -TERM "$ZVONOKD_PID"
    for _ in $(seq 100); do kill -0 "$ZVONOKD_PID" 2>/dev/null || break; sleep 0.1; done
else
    echo "server memory after the run: $(awk '/VmRSS/ { print $2 / 1024 " MiB" }' "/proc/$ZVONOKD_PID/status"), transactions alive: $(metric 'zvonok_sip_transactions_alive{worker="0"}')"
    stop_zvonokd
fi
# The last line of sipp's CSV statistics holds the cumulative counters.
python3 - "$work/stats.csv" "$transport" "$server_cpu_seconds" "$started" "$finished" "$SERVER" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
head, last = rows[0], rows[-1]
col = {name: i for i, name in enumerate(head)}
def value(name): return last[col[name]]
ok = int(value('SuccessfulCall(C)')); failed = int(value('FailedCall(C)'))
elapsed = float(sys.argv[5]) - float(sys.argv[4])  # wall time of the sipp run (its own counter has 1 s steps)
cpu = float(sys.argv[3])
print(f"{sys.argv[6]} OPTIONS over {sys.argv[2]}: {ok} answered, {failed} failed in {elapsed:.2f} s "
      f"= {ok / elapsed:,.0f} OPTIONS/s offered by sipp (server pinned to one core)")
print(f"server CPU: {cpu:.2f} s ({100 * cpu / elapsed:.0f}% of its core) "
      f"= {ok / cpu:,.0f} OPTIONS per CPU-second (capacity of one core when sipp is the limit)")
PY
