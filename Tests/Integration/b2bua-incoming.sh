#!/usr/bin/env bash
# Calls from the upstream trunk (issue 7, "incoming from the trunk"): the trunk (sipp on 127.0.0.2,
# a configured trunk's address) calls bob's number alias +74951112233 without credentials; the
# call reaches bob's registered sipp device through the proxy (Record-Route, loose routing) and
# completes. A number no user has gets 404; the same INVITE from a user's address (127.0.0.1, not
# the trunk's) is challenged, not trusted. Bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
ZVONOKD=${ZVONOKD:-.build/debug/zvonokd}
ZVONOKCTL=${ZVONOKCTL:-.build/debug/zvonokctl}
SCENARIOS=$PWD/Tests/Integration/sipp
for tool in "$ZVONOKD" "$ZVONOKCTL"; do [ -x "$tool" ] || { echo "b2bua-incoming: $tool is not built (swift build)" >&2; exit 1; }; done
command -v sipp >/dev/null || { echo "b2bua-incoming: sipp is not installed (apt-get install sip-tester)" >&2; exit 1; }
SERVER=zvonokd
work=$(mktemp -d)
ZVONOKD_PID=
BOB_PID=
cleanup() {
    [ -n "$ZVONOKD_PID" ] && kill -KILL "$ZVONOKD_PID" 2>/dev/null || true
    [ -n "$BOB_PID" ] && kill "$BOB_PID" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
SIP_PORT=$(free_port)
METRICS_PORT=$(free_port "$SIP_PORT")
TRUNK_PORT=$(free_port "$SIP_PORT" "$METRICS_PORT")
BOB_PORT=$(free_port "$SIP_PORT" "$METRICS_PORT" "$TRUNK_PORT")
failures=0
check() {
    local what=$1; shift
    if "$@" >"$work/check.out" 2>&1; then echo "ok   $what"; else echo "FAIL $what"; sed 's/^/     /' "$work/check.out" | tail -30; failures=$((failures + 1)); fi
}

cp etc/zvonok.yaml "$work/zvonok.yaml"
cat >>"$work/zvonok.yaml" <<YAML
  main:
    address: 127.0.0.2:$TRUNK_PORT
    username: zvonok-trunk
    password: trunk-secret
YAML
echo "bob-password-42" | "$ZVONOKCTL" account add bob --phone +74951112233 --password-stdin \
    --database "$work/zvonok.sqlite" --realm "$DOMAIN" >/dev/null
printf 'SEQUENTIAL\nbob;bob-password-42;\n' >"$work/bob.csv"
ZVONOKD_CONFIG=$work/zvonok.yaml ALGORITHMS=md5 start_server "$work/zvonokd.log"

# sipp_run NAME ADDRESS PORT SCENARIO [sipp options]: one bounded run from ADDRESS:PORT.
sipp_run() {
    local name=$1 address=$2 port=$3 scenario=$4; shift 4
    (cd "$work" && timeout 60 sipp "127.0.0.1:$SIP_PORT" -sf "$SCENARIOS/$scenario" -i "$address" -p "$port" -m 1 \
        -timeout 40s -timeout_error -nostdin -trace_err -error_file "$work/$name.err" \
        -trace_msg -message_file "$work/$name.msg" "$@" >"$work/$name.out" 2>&1) \
        || { echo "sipp $scenario exited with an error:"; tail -5 "$work/$name.err"; tail -40 "$work/$name.msg"; return 1; }
}
check "bob registers" sipp_run register 127.0.0.1 "$BOB_PORT" register.xml -inf "$work/bob.csv" -auth_uri "$DOMAIN"
(cd "$work" && exec timeout 60 sipp -sf "$SCENARIOS/uas-answer.xml" -s bob -p "$BOB_PORT" -i 127.0.0.1 -m 1 -timeout 45s \
    -timeout_error -nostdin -trace_err -error_file "$work/bob.err" -trace_msg -message_file "$work/bob.msg" >"$work/bob.out" 2>&1) &
BOB_PID=$!
sleep 0.3
check "the trunk calls bob's number without credentials; the call reaches bob and completes" \
    sipp_run trunk 127.0.0.2 "$TRUNK_PORT" uac-trunk-incoming.xml -s +74951112233
bob_status=0
wait "$BOB_PID" || bob_status=$?
BOB_PID=
check "bob's device got the INVITE through the proxy and the BYE along the Route set" \
    bash -c "[ $bob_status -eq 0 ] || { tail -5 '$work/bob.err'; tail -40 '$work/bob.msg'; exit 1; }"
check "the trunk calling a number no user has gets 404" \
    sipp_run unknown 127.0.0.2 "$TRUNK_PORT" uac-trunk-unknown.xml -s +74950000000
check "the same call from a user's address is not trusted (407)" bash -c "
    python3 - $SIP_PORT <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0)); s.settimeout(5)
port = s.getsockname()[1]
msg = ('INVITE sip:+74951112233@127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKnottrunk\r\n'
       'Max-Forwards: 70\r\nFrom: <sip:+74959998877@provider.example>;tag=x\r\nTo: <sip:+74951112233@provider.example>\r\n'
       'Call-ID: not-the-trunk\r\nCSeq: 1 INVITE\r\nContact: <sip:x@127.0.0.1:%d>\r\nContent-Length: 0\r\n\r\n') % (sys.argv[1], port, port)
s.sendto(msg.encode(), ('127.0.0.1', int(sys.argv[1])))
while True:
    data = s.recv(65535).decode()
    code = int(data.split(' ')[1])
    if code >= 200:
        print(data.split('\r\n')[0]); sys.exit(0 if code == 407 else 1)
PY"
stop_zvonokd
check "zvonokd exits cleanly" test "$ZVONOKD_STATUS" -eq 0
[ "$failures" -eq 0 ] || { echo "b2bua-incoming: $failures check(s) failed"; tail -40 "$work/zvonokd.log"; exit 1; }
echo "b2bua-incoming: all checks passed"
