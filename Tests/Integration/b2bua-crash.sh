#!/usr/bin/env bash
# zvonokd killed with SIGKILL during a paid call through the B2BUA (issue 7): sipp as the caller
# and as the trunk on 127.0.0.2; while the call is answered and its credit reserved, zvonokd is
# killed; restarted on the same database, it settles the reservation the crash left open (its log
# says so), `zvonokctl balance show` finds nothing held, the call has its one CDR, and the ledger
# balances: the top-up less the CDR's cost is the balance, and the history's last balance agrees.
# Bounded: every sipp has -timeout and an outer timeout; about 15 s in all.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
source Tests/Integration/b2bua-lib.bash
b2bua_init b2bua-crash
TRUNK_PORT=$(b2bua_port)
b2bua_config <<YAML
  main:
    address: $TRUNK_IP:$TRUNK_PORT
    username: zvonok-trunk
    password: trunk-secret
    prefixes: [7]
YAML
ctl tariff import Пробный etc/tariffs/rates.csv >/dev/null
ctl tariff import Paid etc/tariffs/rates.csv >/dev/null
account alice Paid
ctl balance topup alice 10.00 --payment-id crash-1 >/dev/null
b2bua_start

sipp_trunk trunk uas-trunk-answer.xml "$TRUNK_PORT"
sipp_caller_background uac-paid-call.xml +74822123456 -d 60000 -aa
answered() {  # the trunk's 200 read (/metrics), then 2 s of talk
    for _ in $(seq 100); do
        [ "$(metric 'zvonok_sip_responses_received_total{code="200"}')" -ge 1 ] 2>/dev/null && break
        sleep 0.1
    done
    [ "$(metric 'zvonok_sip_responses_received_total{code="200"}')" -ge 1 ] || { echo "no 200 from the trunk"; return 1; }
    sleep 2
    ctl balance show alice | tee "$work/before"
    grep -q '^held:      .* by 1 calls in progress' "$work/before"
}
check "a paid call is answered through the trunk, its credit held" answered
kill -KILL "$ZVONOKD_PID"
wait "$ZVONOKD_PID" 2>/dev/null || true
ZVONOKD_PID=
echo "     (zvonokd killed with SIGKILL 2 s into the call)"
# The caller and the trunk go too (by PID; each sipp's timeout(1) passes TERM on).
kill -TERM "$CALLER_PID" "${TRUNK_PID[trunk]}" 2>/dev/null || true
check "…still held after the crash" bash -c "$ZVONOKCTL balance show alice --database $work/zvonok.sqlite | tee /dev/stderr | grep -q '^held:      .* by 1 calls in progress'"

mv "$work/zvonokd.log" "$work/zvonokd-killed.log"
b2bua_start
check "restarted, zvonokd settles the reservation the crash left open" \
    grep -q 'billing: settled the reservations a crash left open reservations=1' "$work/zvonokd.log"
check "…nothing is held, all of the balance available" bash -c '
    out=$('"$ZVONOKCTL"' balance show alice --database '"$work"'/zvonok.sqlite); echo "$out"
    grep -q "^held:      0.00 RUB" <<<"$out" || exit 1
    [ "$(awk "/^balance:/ { print \$2 }" <<<"$out")" = "$(awk "/^available:/ { print \$2 }" <<<"$out")" ]'
ledger_balances() {
    local rows cost balance last
    rows=$(cdr_rows); echo "$rows"
    [ "$(wc -l <<<"$rows")" -eq 1 ] || return 1
    cost=$(awk -F, '{ print $19 }' <<<"$rows")
    balance=$(ctl balance show alice | awk '/^balance:/ { print $2 }')
    ctl balance history alice
    last=$(ctl balance history alice | tail -1)
    echo "cost $cost, balance $balance, the history's last line: $last"
    [ "$(python3 -c "from decimal import Decimal as D; print(D('10.00') - D('$cost'))")" = "$balance" ] && grep -q "$balance" <<<"$last"
}
check "…one CDR for the call, and the ledger balances (10.00 top-up − its cost = the balance)" ledger_balances

b2bua_finish
