#!/usr/bin/env bash
# Paid, refused and free calls through the B2BUA (issue 7) against the real zvonokd, sipp as the
# caller and as two trunks on 127.0.0.2 ("first", priority 10, and "second", priority 20, both for
# +7 and +86; each challenges with 401 and checks the retry's credentials), billed in SQLite and
# checked with zvonokctl:
#   - a balance that covers 30 s (2.00 RUB to China at 4.00/min, 1/1): the B2BUA ends the call with
#     BYE and a Reason header on both legs 30 s (±1 s) after the answer, billed 30 s, 2.00 RUB;
#   - the caller cancels while the trunk rings: 487 to the caller, the trunk leg cancelled, no charge;
#   - the trunk answers 486: relayed, no charge;
#   - the first trunk answers 503: the second trunk answers and the call completes;
#   - a free direction (+74951234567 on a plan with etc/tariffs/provider-free.csv) and a trial call
#     (a new account on "Пробный" to a Russian landline) cost 0.00 and are recorded with their category.
# Bounded: every sipp has -timeout and an outer timeout; about a minute in all.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
source Tests/Integration/proxy-lib.sh
source Tests/Integration/b2bua-lib.bash
b2bua_init b2bua-calls
FIRST_PORT=$(b2bua_port)
SECOND_PORT=$(b2bua_port)
b2bua_config <<YAML
  first:
    address: $TRUNK_IP:$FIRST_PORT
    username: zvonok-trunk
    password: trunk-secret
    prefixes: [7, 86]
    priority: 10
  second:
    address: $TRUNK_IP:$SECOND_PORT
    username: zvonok-trunk
    password: trunk-secret
    prefixes: [7, 86]
    priority: 20
YAML
ctl tariff import Пробный etc/tariffs/rates.csv >/dev/null
ctl tariff import Paid etc/tariffs/rates.csv >/dev/null
ctl tariff import Provider etc/tariffs/rates.csv --free-directions etc/tariffs/provider-free.csv >/dev/null
account alice Paid     # the call the money ends
account dave Paid      # cancelled and busy calls
account erin Paid      # failover
account bob Provider   # a free direction
account carol          # the trial plan
ctl balance topup alice 2.00 --payment-id calls-alice >/dev/null
ctl balance topup dave 5.00 --payment-id calls-dave >/dev/null
ctl balance topup erin 5.00 --payment-id calls-erin >/dev/null
b2bua_start

# cdr ACCOUNT: the account's CDRs (CSV, no header).
cdr() { cdr_rows | awk -F, -v a="$1" '$1 == a'; }
# cdr_is ACCOUNT REGEX: the account has one CDR, and it matches REGEX.
cdr_is() {
    local out
    out=$(cdr "$1"); echo "$out"
    [ -n "$out" ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -Eq "$2" <<<"$out"
}
# elapsed S0 U0 S1 U1: milliseconds between two gettimeofday readings.
elapsed() { echo $(( ($3 - $1) * 1000 + (10#${4%%.*} - 10#${2%%.*}) / 1000 )); }
within_30s() {
    local line=$1 ms
    read -r s0 u0 s1 u1 <<<"$(sed -E 's/^[a-z]+: ([0-9]+)\.[0-9]+ ([0-9]+)\.[0-9]+ ([0-9]+)\.[0-9]+ ([0-9]+)\.[0-9]+ .*/\1 \2 \3 \4/' <<<"$line")"
    ms=$(elapsed "$s0" "$u0" "$s1" "$u1")
    echo "BYE after $ms ms"; echo "$ms" >>"$work/cutoff-ms"
    [ "$ms" -ge 29000 ] && [ "$ms" -le 31000 ]
}

# 1. The money runs out at 30 s.
sipp_trunk cutoff-trunk uas-trunk-answer.xml "$FIRST_PORT"
cutoff_call() {
    sipp_caller uac-paid-cutoff.xml +861012345678 -aa >"$work/caller.out" 2>&1 || { cat "$work/caller.out"; caller_log uac-paid-cutoff; return 1; }
    line=$(caller_log uac-paid-cutoff | grep '^cutoff: '); echo "$line"
    grep -Eq 'reason=.+' <<<"$line" && within_30s "$line"
}
check "2.00 RUB to China (4.00/min, 1/1): the caller gets BYE with Reason 30 s (±1 s) after the answer" cutoff_call
cutoff_trunk() {
    wait_trunk cutoff-trunk || return 1
    line=$(trunk_log cutoff-trunk | grep '^bye: '); echo "$line"
    grep -Eq 'reason=.+' <<<"$line" && within_30s "$line"
}
check "…and the trunk gets BYE with Reason 30 s (±1 s) after its answer" cutoff_trunk
echo "     (BYE after $(paste -sd/ "$work/cutoff-ms" 2>/dev/null) ms: caller/trunk)"
forget_logs
sleep 0.5
# Talk is the monotonic time from answer to BYE with a started second counted: the cutoff
# fires a few milliseconds after 30 s, so it reads 31, while billing stops at the 30 s paid for.
check "…talk 30-31 s, billed 30 s, 2.00 RUB, ended for want of credit" cdr_is alice ',\+861012345678,CN,[a-z]+,.*,3[01],0,30,Paid,86,4.00,1/1,0.00,2.00,RUB,paid,,'
check "…and alice's balance is 0.00 with nothing held" balance_is alice 0.00

# 2. The caller cancels while the trunk rings.
sipp_trunk cancel-trunk uas-trunk-cancelled.xml "$FIRST_PORT"
CALLER=dave
check "caller CANCEL while the trunk rings: 200, then 487 to the caller" \
    sipp_caller uac-cancel.xml +74822123456
check "…and the trunk leg is cancelled (CANCEL, 487, ACK)" wait_trunk cancel-trunk
forget_logs
sleep 0.5
# unanswered ACCOUNT CODE: the account's CDRs (it makes only unanswered calls) cost 0.00 for 0 s
# billed, and at most one says "unanswered (CODE)".
unanswered() {
    local out
    out=$(cdr "$1"); echo "$out"
    [ -z "$out" ] && return 0
    ! awk -F, '$19 != "0.00" || $13 != 0 || $23 !~ /^unanswered / { bad = 1 } END { exit !bad }' <<<"$out" \
        && [ "$(grep -c ",unanswered ($2)\$" <<<"$out")" -le 1 ]
}
check "…no charge: no CDR, or one with cost 0.00" unanswered dave 487
check "…and dave's balance is still 5.00 with nothing held" balance_is dave 5.00

# 3. The trunk is busy.
sipp_trunk busy-trunk uas-trunk-refuse.xml "$FIRST_PORT"
busy_call() {
    sipp_caller uac-paid-refused.xml +74822123456 >"$work/caller.out" 2>&1
    caller_log uac-paid-refused; caller_log uac-paid-refused | grep -q '^final: 486 '
}
check "the trunk answers 486: relayed to the caller" busy_call
check "…the trunk got its ACK" wait_trunk busy-trunk
forget_logs
sleep 0.5
check "…no charge" unanswered dave 486
check "…and dave's balance is still 5.00 with nothing held" balance_is dave 5.00

# 4. Failover: the first trunk answers 503, the second answers.
sed 's|SIP/2.0 486 Busy Here|SIP/2.0 503 Service Unavailable|' "$SCENARIOS/uas-trunk-refuse.xml" >"$work/uas-trunk-503.xml"
sipp_trunk failing-trunk "$work/uas-trunk-503.xml" "$FIRST_PORT"
sipp_trunk second-trunk uas-trunk-answer.xml "$SECOND_PORT"
CALLER=erin
check "the first trunk answers 503: the second trunk answers, a call of 2 s, the caller hangs up" \
    sipp_caller uac-paid-call.xml +74822123456 -d 2000 -aa
check "…the first trunk got its ACK" wait_trunk failing-trunk
check "…the second trunk saw valid credentials and the BYE" wait_trunk second-trunk
forget_logs
sleep 0.5
check "…billed one minute (1.50 RUB at 60/60)" cdr_is erin ',\+74822123456,RU,[a-z]+,.*,Paid,7,1.50,60/60,0.00,1.50,RUB,paid,,caller hung up$'
check "…and erin's balance is 3.50" balance_is erin 3.50

# 5. Free: a free direction and the trial.
sipp_trunk free-trunk uas-trunk-answer.xml "$FIRST_PORT"
CALLER=bob
check "a free direction (+74951234567, Moscow, from 2025-10-01) with no money: answered, 3 s" \
    sipp_caller uac-paid-call.xml +74951234567 -d 3000 -aa
check "…through the trunk" wait_trunk free-trunk
forget_logs
sleep 0.5
check "…recorded free (cost 0.00, category free, direction Provider promotion)" cdr_is bob ',\+74951234567,RU,.*,Provider,.*,0.00,RUB,free,Provider promotion,caller hung up$'
check "…and bob's balance is 0.00 with nothing held" balance_is bob 0.00

sipp_trunk trial-trunk uas-trunk-answer.xml "$FIRST_PORT"
CALLER=carol
check "a trial call (a new account on Пробный, to a Russian landline) with no money: answered, 3 s" \
    sipp_caller uac-paid-call.xml +74822123456 -d 3000 -aa
check "…through the trunk" wait_trunk trial-trunk
forget_logs
sleep 0.5
check "…recorded as trial (cost 0.00)" cdr_is carol ',\+74822123456,RU,.*,Пробный,.*,0.00,RUB,trial,,caller hung up$'
check "…and carol's balance is 0.00 with nothing held" balance_is carol 0.00

b2bua_finish
