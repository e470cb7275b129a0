#!/usr/bin/env bash
# The real zvonokd on loopback, driven by sipp (issue 4): OPTIONS over UDP and TCP → 200;
# refused requests → their codes; a retransmitted request answered from its transaction, not
# processed again; SIGHUP → reload logged; SIGTERM → clean exit 0. Bounded in calls and time.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
ZVONOKD=${ZVONOKD:-.build/debug/zvonokd}
command -v sipp >/dev/null || { echo "zvonokd-sipp: sipp is not installed (scripts/install-deps)" >&2; exit 1; }
[ -x "$ZVONOKD" ] || { echo "zvonokd-sipp: $ZVONOKD is not built (swift build)" >&2; exit 1; }

work=$(mktemp -d)
ZVONOKD_PID=
NOTIFY_LISTENER=
cleanup() {
    if [ -n "$ZVONOKD_PID" ] && kill -0 "$ZVONOKD_PID" 2>/dev/null; then kill -KILL "$ZVONOKD_PID"; fi
    if [ -n "$NOTIFY_LISTENER" ]; then kill "$NOTIFY_LISTENER" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
SIP_PORT=$(free_port)
METRICS_PORT=$(free_port "$SIP_PORT")
failures=0
check() {  # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >"$work/out" 2>&1; then echo "ok   $what"; else echo "FAIL $what"; sed 's/^/     /' "$work/out" | tail -20; failures=$((failures + 1)); fi
}
run_sipp() {  # run_sipp SCENARIO TRANSPORT CALLS
    (cd "$work" && timeout 60 sipp "127.0.0.1:$SIP_PORT" -sf "$OLDPWD/Tests/Integration/sipp/$1" -t "$2" \
        -i 127.0.0.1 -m "$3" ${SIPP_EXTRA:-} -r 50 -l 20 -timeout 30s -timeout_error -max_recv_loops 100 \
        -nostdin -trace_err -error_file "$work/sipp-$1-$2.err" >"$work/sipp.out" 2>&1) || {
        cat "$work/sipp.out" | tail -20; cat "$work/sipp-$1-$2.err" 2>/dev/null | tail -20; return 1; }
}

check "--check-config accepts the example configuration" "$ZVONOKD" --check-config etc/zvonok.yaml
check_config_refuses() {
    local status=0
    env ZVONOK_TIMERS_T2MILLISECONDS=100 ZVONOK_LISTEN=udp:127.0.0.1:99999 "$ZVONOKD" --check-config etc/zvonok.yaml 2>"$work/bad.err" || status=$?
    cat "$work/bad.err"
    [ "$status" -eq 78 ] && grep -q "timers.t2Milliseconds" "$work/bad.err" && grep -q "listen" "$work/bad.err"
}
check "a wrong value stops the start (78) naming each key" check_config_refuses
missing_file_refused() {
    local status=0
    "$ZVONOKD" --config /nonexistent/zvonok.yaml 2>"$work/missing.err" || status=$?
    cat "$work/missing.err"
    [ "$status" -eq 78 ] && grep -q "/nonexistent/zvonok.yaml" "$work/missing.err"
}
check "a missing configuration file stops the start (78) naming it" missing_file_refused

# A stand-in for systemd's notification socket: records what the daemon tells it (sd_notify).
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode() + "\n"); out.flush()' "$work/notify.sock" "$work/notify.log" &
NOTIFY_LISTENER=$!
for _ in $(seq 50); do [ -S "$work/notify.sock" ] && break; sleep 0.1; done
start_zvonokd "$work/zvonokd.log" ZVONOK_LIMITS_MAX_MESSAGE_BYTES=1500 NOTIFY_SOCKET="$work/notify.sock"
ready_notified() {
    for _ in $(seq 20); do grep -qx "READY=1" "$work/notify.log" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
check "sd_notify: READY=1 once listening" ready_notified
check "OPTIONS over UDP: 50 calls answered 200" run_sipp options.xml u1 50
check "OPTIONS over TCP: 50 calls answered 200 on the connection" run_sipp options.xml t1 50
check "refusals over UDP: 505 416 420 483 501 405(+ACK) 481" run_sipp refusals.xml u1 5
check "refusals over TCP: the same on one connection" run_sipp refusals.xml t1 5
check "datagrams answered from their head: 513 (over the size limit), 400 (short body)" run_sipp refusals-udp.xml u1 5

before=$(metric zvonok_sip_retransmissions_total)
requests_before=$(metric 'zvonok_sip_requests_received_total{method="OPTIONS"}')
responses_before=$(metric 'zvonok_sip_responses_sent_total{code="200"}')
# -nr: sipp answers a response it has seen before by re-sending its last request, which with a
# transaction that (rightly) repeats its response would loop; without its own retransmissions it stops.
SIPP_EXTRA=-nr check "retransmitted OPTIONS: the same response again" run_sipp retransmission.xml u1 20
after=$(metric zvonok_sip_retransmissions_total)
check "retransmissions absorbed by the transactions: $before -> $after (20 expected)" test "$((after - before))" -eq 20
requests=$(( $(metric 'zvonok_sip_requests_received_total{method="OPTIONS"}') - requests_before ))
responses=$(( $(metric 'zvonok_sip_responses_sent_total{code="200"}') - responses_before ))
check "every copy answered: $requests OPTIONS in, $responses 200s out (40 each expected)" test "$requests" -eq 40 -a "$responses" -eq 40

# Every RFC 4475 torture message, as is and cut short, over UDP and over one TCP connection:
# the daemon answers what it can and stays up.
torture() {
    timeout 60 python3 - "$SIP_PORT" ../shared/conformance/rfc4475 <<'PY'
import glob, os, socket, sys
socket.setdefaulttimeout(5)
port, folder = int(sys.argv[1]), sys.argv[2]
files = sorted(glob.glob(os.path.join(folder, "*.dat")))
assert files, "no torture messages"
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t = socket.create_connection(("127.0.0.1", port))
for name in files:
    data = open(name, "rb").read()
    for piece in (data, data[: len(data) // 2], data[:7]):
        u.sendto(piece, ("127.0.0.1", port))
    try:
        t.sendall(data)
    except OSError:  # the server closes a stream that breaks framing; open another
        t = socket.create_connection(("127.0.0.1", port))
print(f"sent {len(files)} torture messages three ways")
PY
    sleep 0.5
    kill -0 "$ZVONOKD_PID"
}
check "RFC 4475 torture messages (whole and cut) over UDP and TCP: the daemon stays up" torture
check "and still answers" run_sipp options.xml u1 5

kill -HUP "$ZVONOKD_PID"
for _ in $(seq 50); do grep -q "configuration reloaded" "$work/zvonokd.log" && break; sleep 0.1; done
check "SIGHUP: reload logged" grep -q "configuration reloaded" "$work/zvonokd.log"
check "sd_notify: RELOADING=1 with MONOTONIC_USEC, then READY=1 again" \
    bash -c 'grep -q "^RELOADING=1" "$1" && grep -q "^MONOTONIC_USEC=" "$1" && [ "$(grep -cx READY=1 "$1")" -ge 2 ]' _ "$work/notify.log"
check "still answering after the reload" run_sipp options.xml u1 5

stop_zvonokd
check "SIGTERM: exit status 0 (got $ZVONOKD_STATUS)" test "$ZVONOKD_STATUS" -eq 0
check "SIGTERM: shutdown logged" grep -q "stopped" "$work/zvonokd.log"
check "sd_notify: STOPPING=1" grep -qx "STOPPING=1" "$work/notify.log"
kill "$NOTIFY_LISTENER" 2>/dev/null || true

if [ "$failures" -ne 0 ]; then
    echo "zvonokd-sipp: $failures failed; the daemon's log:"; tail -40 "$work/zvonokd.log"
    exit 1
fi
echo "zvonokd-sipp: all passed"
