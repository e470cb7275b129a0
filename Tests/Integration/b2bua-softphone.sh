#!/usr/bin/env bash
# A real softphone stack through the B2BUA (issue 7): PJSIP 2.15 (pjsua2 from PyPI's
# pjsua2-python, null audio device; b2bua-softphone.py) registers to the real zvonokd, places a
# paid call to +74822123456 that goes out through a sipp trunk on 127.0.0.2 (401, credentials
# checked, answers), hangs up after 3 s, and sends an SMS to +79161234567 that reaches a sipp SMS
# gateway (401, credentials checked, 202). The call is billed one minute (1.50 RUB at 60/60).
# zvonokd offers SHA-256 and MD5 (PJSIP answers either); the trunk and gateway are sipp (MD5).
# pjsua2 goes into a venv under .build (created once, as softphones.sh does).
# Bounded: pip 300 s, the softphone 60 s, every sipp -timeout and an outer timeout.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
source Tests/Integration/b2bua-lib.bash
VENV=${SOFTPHONES_VENV:-.build/softphones-venv}
case $VENV in /*) ;; *) VENV=$PWD/$VENV ;; esac
PJSUA2_VERSION=2.15.1.post1
if ! "$VENV/bin/python" -c 'import pjsua2' 2>/dev/null; then
    echo "b2bua-softphone: installing pjsua2-python $PJSUA2_VERSION into $VENV"
    python3 -m venv "$VENV" || { echo "b2bua-softphone: python3 -m venv failed (Debian: python3-venv, scripts/install-deps)" >&2; exit 1; }
    timeout 300 "$VENV/bin/pip" install -q --disable-pip-version-check "pjsua2-python==$PJSUA2_VERSION" \
        || { echo "b2bua-softphone: pip could not install pjsua2-python $PJSUA2_VERSION" >&2; exit 1; }
fi
b2bua_init b2bua-softphone
TRUNK_PORT=$(b2bua_port)
GATEWAY_PORT=$(b2bua_port)
b2bua_config <<YAML
  main:
    address: $TRUNK_IP:$TRUNK_PORT
    username: zvonok-trunk
    password: trunk-secret
    prefixes: [7]
    smsGateway: sip:sms@$TRUNK_IP:$GATEWAY_PORT
YAML
ctl tariff import Пробный etc/tariffs/rates.csv >/dev/null
ctl tariff import Paid etc/tariffs/rates.csv >/dev/null
account alice Paid
ctl balance topup alice 10.00 --payment-id softphone-1 >/dev/null
ALGORITHMS=sha256,md5 b2bua_start

sipp_trunk trunk uas-trunk-answer.xml "$TRUNK_PORT"
sipp_trunk gateway uas-sms-gateway.xml "$GATEWAY_PORT"
status=0
(cd "$work" && exec timeout 60 "$VENV/bin/python" "$OLDPWD/Tests/Integration/b2bua-softphone.py" \
    --server "127.0.0.1:$SIP_PORT" --domain "$DOMAIN" --user alice:alice-password \
    --number +74822123456 --sms-number +79161234567 --talk 3 --seconds 50 --log-prefix "$work/pjsip-") || status=$?
check "the softphone registered, called, hung up and sent its SMS (exit 0)" test "$status" -eq 0
check "the trunk saw valid credentials, the SDP, none of the softphone's headers, and a BYE" wait_trunk trunk
gateway_saw() {
    wait_trunk gateway || return 1
    trunk_log gateway; trunk_log gateway | grep -q "^sms: sip:alice@"
}
check "the SMS gateway got the MESSAGE with valid credentials and the text" gateway_saw
sleep 0.5
check "the call is billed one minute (1.50 RUB at 60/60), the caller hung up" bash -c '
    out=$('"$ZVONOKCTL"' cdr export --format csv --database '"$work"'/zvonok.sqlite | tail -n +2); echo "$out"
    [ "$(wc -l <<<"$out")" -eq 1 ] && grep -Eq "^alice,.*,\+74822123456,RU,landline,.*,Paid,7,1.50,60/60,0.00,1.50,RUB,paid,,caller hung up$" <<<"$out"'
check "…and alice's balance is 8.50 with nothing held" balance_is alice 8.50
if [ "$failures" -ne 0 ]; then
    for log in "$work"/pjsip-pjsip.log "$work"/pjsip-console.log; do
        echo "--- the end of $(basename "$log")"; tail -40 "$log" 2>/dev/null || true
    done
fi
b2bua_finish
