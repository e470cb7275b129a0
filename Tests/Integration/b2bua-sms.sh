#!/usr/bin/env bash
# SMS through the B2BUA (issue 7) against the real zvonokd: a MESSAGE from a user to a phone
# number, sipp as the sender and as the trunk's SMS gateway on 127.0.0.2
# (Tests/Integration/sipp/uas-sms-gateway.xml: 401 first, then checks the retry's credentials, the
# number and the text, and answers 202):
#   - to +79… (a Russian mobile): delivered to the gateway, whose 202 is relayed to the sender;
#   - to +1… : 403 with a reason naming the countries served;
#   - with a daily limit of 1 SMS (ZVONOK_SMS_DAILY_LIMIT_PER_ACCOUNT=1), the sender's second SMS
#     to +79… gets 403 "daily SMS limit reached", while another account's first (to +380…) goes.
# Bounded: every sipp has -timeout and an outer timeout; a few seconds in all.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
source Tests/Integration/b2bua-lib.bash
b2bua_init b2bua-sms
TRUNK_PORT=$(b2bua_port)
GATEWAY_PORT=$(b2bua_port)
b2bua_config <<YAML
  main:
    address: $TRUNK_IP:$TRUNK_PORT
    username: zvonok-trunk
    password: trunk-secret
    smsGateway: sip:sms@$TRUNK_IP:$GATEWAY_PORT
YAML
ctl tariff import Пробный etc/tariffs/rates.csv >/dev/null
account alice
account bob
b2bua_start ZVONOK_SMS_DAILY_LIMIT_PER_ACCOUNT=1

# sms NUMBER STATUS: one SMS from $CALLER to NUMBER; the final answer's status line must be STATUS.
sms() {
    forget_logs
    sipp_caller uac-sms.xml "$1" >"$work/sender.out" 2>&1 || { cat "$work/sender.out"; }
    caller_log uac-sms; caller_log uac-sms | grep -qxF "final: $2"
}

sipp_trunk gateway uas-sms-gateway.xml "$GATEWAY_PORT"
check "an SMS to +79161234567: the gateway's 202 Accepted relayed to the sender" sms +79161234567 "202 Accepted"
gateway_saw() {
    wait_trunk gateway || return 1
    trunk_log gateway; trunk_log gateway | grep -q "^sms: sip:$1@"
}
check "…the gateway got it with valid credentials (after 401), the number, the text, none of the sender's headers" \
    gateway_saw alice
check "an SMS to +12125551234: 403 naming the countries served" \
    sms +12125551234 "403 Forbidden: free SMS go only to mobile numbers of Russia (+79), Ukraine (+380), Kazakhstan (+76, +77) and Uzbekistan (+998)"
check "a second SMS to +79161234567 the same day with a daily limit of 1: 403 saying so" \
    sms +79161234567 "403 Forbidden: daily SMS limit reached (1 message a day), try again tomorrow"
rm -rf "$work/gateway"
sipp_trunk gateway uas-sms-gateway.xml "$GATEWAY_PORT"
CALLER=bob
check "…while another account's first SMS (to +380501234567) is delivered" sms +380501234567 "202 Accepted"
check "…through the gateway" gateway_saw bob

b2bua_finish
