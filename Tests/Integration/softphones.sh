#!/usr/bin/env bash
# A real softphone stack through the server (issue 5): two PJSIP 2.15 user agents (pjsua2 from
# PyPI's pjsua2-python, null audio device) register, call (180, 200, ACK), hang up (BYE) and send
# a MESSAGE, with softphones.py. pjsua2 goes into a venv under .build (created once; pip from
# python3-venv, scripts/install-deps).
#
#   Tests/Integration/softphones.sh                  against .build/debug/zvonokd (its default
#                                                    challenge: SHA-256 and MD5)
#   SERVER=kamailio Tests/Integration/softphones.sh  against the Kamailio 5.6 reference
# Bounded: pip 300 s, the phones 90 s. Exits 1 with the phones' and the server's logs on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
SERVER=${SERVER:-zvonokd}
ZVONOKD=${ZVONOKD:-.build/debug/zvonokd}
ZVONOKCTL=${ZVONOKCTL:-.build/debug/zvonokctl}
VENV=${SOFTPHONES_VENV:-.build/softphones-venv}
PJSUA2_VERSION=2.15.1.post1
case $SERVER in
    zvonokd) [ -x "$ZVONOKD" ] && [ -x "$ZVONOKCTL" ] || { echo "softphones: $ZVONOKD or $ZVONOKCTL is not built (swift build)" >&2; exit 1; } ;;
    kamailio) command -v kamailio >/dev/null || { echo "softphones: kamailio is not installed" >&2; exit 1; } ;;
    *) echo "softphones: SERVER must be zvonokd or kamailio" >&2; exit 2 ;;
esac
if ! "$VENV/bin/python" -c 'import pjsua2' 2>/dev/null; then
    echo "softphones: installing pjsua2-python $PJSUA2_VERSION into $VENV"
    python3 -m venv "$VENV" || { echo "softphones: python3 -m venv failed (Debian: python3-venv, scripts/install-deps)" >&2; exit 1; }
    timeout 300 "$VENV/bin/pip" install -q --disable-pip-version-check "pjsua2-python==$PJSUA2_VERSION" \
        || { echo "softphones: pip could not install pjsua2-python $PJSUA2_VERSION" >&2; exit 1; }
fi

work=$(mktemp -d)
ZVONOKD_PID=
cleanup() { kill_server; if [ "${KEEP_WORK:-0}" = 1 ]; then echo "softphones: logs kept in $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
SIP_PORT=$(free_port)
METRICS_PORT=$(free_port "$SIP_PORT")
printf 'alice,alice-password-42\nbob,bob-password-42\n' >"$work/accounts.csv"
create_accounts "$work/accounts.csv"
start_server "$work/server.log"
echo "softphones: PJSIP $PJSUA2_VERSION against $SERVER on udp 127.0.0.1:$SIP_PORT"
status=0
(cd "$work" && timeout 90 "$OLDPWD/$VENV/bin/python" "$OLDPWD/Tests/Integration/softphones.py" \
    --server "127.0.0.1:$SIP_PORT" --domain "$DOMAIN" --caller alice:alice-password-42 --callee bob:bob-password-42 \
    --seconds 60 --log-prefix "$work/pjsip-") || status=$?
stop_server
if [ "$status" -ne 0 ]; then
    echo "softphones: FAIL (exit $status)"
    for log in "$work"/pjsip-caller.log "$work"/pjsip-callee.log "$work/server.log"; do
        echo "--- the end of $(basename "$log")"; tail -40 "$log" 2>/dev/null || true
    done
    exit 1
fi
