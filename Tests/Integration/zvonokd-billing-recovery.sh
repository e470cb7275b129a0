#!/usr/bin/env bash
# zvonokd settles at start-up the credit reservations a crash left open (issue 6): a process
# holding reservations on a real SQLite file (zvonok-ledger-crash-child, the way calls hold
# them) is killed with SIGKILL; zvonokd then starts on that file, logs the settlement, and
# `zvonokctl balance show` finds nothing held and the ledger balanced.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Integration/lib.sh
ZVONOKD=${ZVONOKD:-.build/debug/zvonokd}
CTL=${ZVONOKCTL:-.build/debug/zvonokctl}
CHILD=${LEDGER_CRASH_CHILD:-.build/debug/zvonok-ledger-crash-child}
for binary in "$ZVONOKD" "$CTL" "$CHILD"; do
    [ -x "$binary" ] || { echo "zvonokd-billing-recovery: $binary is not built (swift build)" >&2; exit 1; }
done
work=$(mktemp -d)
child=""
cleanup() {
    [ -n "$child" ] && kill -KILL "$child" 2>/dev/null || true
    [ -n "${ZVONOKD_PID:-}" ] && kill -KILL "$ZVONOKD_PID" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
db="$work/zvonok.sqlite"
ctl() { "$CTL" "$@" --database "$db"; }
fail() { echo "FAIL $*"; exit 1; }

ctl tariff import Пробный etc/tariffs/rates.csv >/dev/null
printf 'secret123\n' | "$CTL" account add caller0 --password-stdin --database "$db" --realm zvonok.example >/dev/null
ctl balance topup caller0 200 --payment-id recovery-1 >/dev/null

"$CHILD" hold "$db" 1 4 >"$work/child.out" 2>&1 &
child=$!
for _ in $(seq 100); do grep -q '^READY' "$work/child.out" && break; sleep 0.1; done
grep -q '^READY 2$' "$work/child.out" || fail "the child did not hold its reservations: $(cat "$work/child.out")"
kill -KILL "$child"
wait "$child" 2>/dev/null || true
child=""
ctl balance show caller0 >"$work/before"
grep -q '^held:      8.85 RUB by 2 calls in progress' "$work/before" || fail "expected 2 held reservations: $(cat "$work/before")"
echo "ok   killed with SIGKILL holding 2 reservations (8.85 RUB held)"

SIP_PORT=$(free_port); METRICS_PORT=$(free_port "$SIP_PORT")
start_zvonokd "$work/zvonokd.log" ZVONOK_DATABASE_PATH="$db"
grep -q 'billing: settled the reservations a crash left open reservations=2' "$work/zvonokd.log" \
    || fail "zvonokd did not log the settlement: $(grep -v '^<7>' "$work/zvonokd.log")"
echo "ok   zvonokd settled them at start-up"
stop_zvonokd
[ "$ZVONOKD_STATUS" -eq 0 ] || fail "zvonokd exited $ZVONOKD_STATUS"

ctl balance show caller0 >"$work/after"
grep -q '^held:      0.00 RUB' "$work/after" || fail "money still held: $(cat "$work/after")"
balance=$(awk '/^balance:/ { print $2 }' "$work/after")
available=$(awk '/^available:/ { print $2 }' "$work/after")
[ "$balance" = "$available" ] || fail "balance $balance and available $available differ"
echo "ok   nothing held afterwards; balance $balance RUB, all of it available"
echo "zvonokd-billing-recovery: all passed"
