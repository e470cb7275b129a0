#!/usr/bin/env bash
# zvonokctl tariff, balance, cdr and account plan against a real SQLite file, through the built
# binary: the example tariffs of etc/tariffs import, rates and costs print, top-ups are exact and
# idempotent, bad input exits 1 (usage errors 2) with the reason, and a second process (the
# "daemon", here a python sqlite3 reader holding a read transaction) does not block the tool.
set -euo pipefail
cd "$(dirname "$0")/../.."
CTL=${ZVONOKCTL:-.build/debug/zvonokctl}
[ -x "$CTL" ] || { echo "zvonokctl-billing: $CTL is not built (swift build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/zvonok.sqlite"
failures=0
check() {
    local what=$1; shift
    if "$@" >"$work/out" 2>&1; then echo "ok   $what"; else echo "FAIL $what"; sed 's/^/     /' "$work/out"; failures=$((failures + 1)); fi
}
ctl() { "$CTL" "$@" --database "$db"; }
status_of() { local s=0; "$@" >"$work/status.out" 2>&1 || s=$?; echo "$s"; }
export -f ctl
export CTL db

check "import the trial plan" bash -c 'ctl tariff import Пробный etc/tariffs/rates.csv | grep -qx "imported 13 rates into plan Пробный (revision 1, 0 free directions)"'
check "import the provider's plan with its free directions" bash -c 'ctl tariff import Provider etc/tariffs/rates.csv --free-directions etc/tariffs/provider-free.csv | grep -q "1 free directions"'
check "import the messenger's plan" ctl tariff import Messenger etc/tariffs/rates.csv --free-directions etc/tariffs/messenger-free.csv
check "tariff list shows three plans" bash -c '[ "$(ctl tariff list | tail -n +2 | wc -l)" -eq 3 ]'
check "tariff rate: Moscow on the provider's plan is free and costs 0.97 for 61 s" bash -c '
    out=$(ctl tariff rate Provider +74951112233 --at 2025-10-01); echo "$out"
    grep -q "^free:     Provider promotion (from 2025-10-01)" <<<"$out" && grep -q "^prefix:   7495 (Moscow landline)" <<<"$out" && grep -q "^61 s:     0.97 RUB" <<<"$out"'
check "tariff rate: 60/60 bills 61 s as two minutes" bash -c 'ctl tariff rate Пробный "+7 (482) 212-34-56" | grep -q "^61 s:     3.00 RUB (120 s billed)"'
check "Kazan is not free on the messenger's plan" bash -c 'out=$(ctl tariff rate Messenger +78431234567) && grep -q "^prefix:   7 (Russia landline)" <<<"$out" && ! grep -q "^free:" <<<"$out"'

bad="$work/bad.csv"
printf 'prefix,description,price_per_minute,increment\n7,Russia,1.50,60/60\n79,Mobile,2.95,1/1\n44,UK,2.10,60\n' >"$bad"
check "a bad line stops the import (exit 1)" test "$(status_of ctl tariff import Provider "$bad")" -eq 1
check "…naming its line and column" grep -q 'line 4, increment: "60" is not first/next seconds' "$work/status.out"
check "…and nothing is half-imported (still revision 1)" bash -c 'ctl tariff list | grep -q "^Provider	13	1	0	1	"'
check "a missing file is refused (exit 1)" test "$(status_of ctl tariff import Provider "$work/none.csv")" -eq 1

check "add alice" bash -c 'echo "long enough pw" | "$CTL" account add alice --password-stdin --database "$db" --realm zvonok.example'
check "new accounts are on the trial plan" bash -c 'ctl balance show alice | grep -q "^plan:      Пробный"'
check "top up 150.25 (exactly 15025 kopecks)" bash -c 'ctl balance topup alice 150.25 --payment-id bank-1 | grep -q "credited 150.25 RUB"'
check "the same payment id again changes nothing" bash -c 'ctl balance topup alice 150.25 --payment-id bank-1 | grep -q "already credited"'
check "…and the ledger holds one top-up of 15025" bash -c '
    python3 - "$db" <<PY
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute("select kind, amountMinor, paymentID from ledger_entry where account = ?", ("alice",)).fetchall()
assert rows == [("topUp", 15025, "bank-1")], rows
assert c.execute("select balanceMinor from ledger_account where account = ?", ("alice",)).fetchone()[0] == 15025
PY'
check "a third decimal is refused (exit 1)" test "$(status_of ctl balance topup alice 1.005 --payment-id bank-2)" -eq 1
check "…saying why" grep -q "at most 2 decimals" "$work/status.out"
check "a top-up without a payment id is a usage error (2)" test "$(status_of ctl balance topup alice 10)" -eq 2
check "an unknown account is refused (1)" test "$(status_of ctl balance topup nobody 10 --payment-id bank-3)" -eq 1
check "the ledger rows cannot be changed by hand" bash -c '! python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"update ledger_entry set amountMinor = 1\"); c.commit()" "$db" 2>/dev/null'
check "a reader holding a transaction does not block a top-up (WAL)" bash -c '
    python3 - "$db" <<PY &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("begin"); c.execute("select count(*) from ledger_entry").fetchone(); time.sleep(3); c.execute("commit")
PY
    reader=$!; sleep 0.5
    timeout 2 "$CTL" balance topup alice 10 --payment-id bank-4 --database "$db"; status=$?
    wait "$reader"; exit $status'
check "balance show" bash -c 'ctl balance show alice | grep -q "^balance:   160.25 RUB"'
check "balance history lists both top-ups" bash -c '[ "$(ctl balance history alice | grep -c "top-up")" -eq 2 ]'
check "account plan moves alice to the messenger's plan" bash -c 'ctl account plan alice Messenger && ctl balance show alice | grep -q "^plan:      Messenger"'
check "account plan to an unknown plan is refused (1)" test "$(status_of ctl account plan alice Nope)" -eq 1
check "cdr list and export print their headers" bash -c 'ctl cdr list | head -1 | grep -q "^started" && ctl cdr export --format csv | head -1 | grep -q "^account,call,caller"'
check "cdr export --format xml is a usage error (2)" test "$(status_of ctl cdr export --format xml)" -eq 2
check "cdr list --since with a bad date is refused (1)" test "$(status_of ctl cdr list --since 2025-02-30)" -eq 1
check "the example configuration's database is used by default" bash -c 'cd "$2" && "$1" tariff list --config "$3/etc/zvonok.yaml" | head -1 | grep -q "^plan" && [ -f "$2/zvonok.sqlite" ]' _ "$PWD/$CTL" "$work" "$PWD"

[ "$failures" -eq 0 ] || { echo "zvonokctl-billing: $failures failed"; exit 1; }
echo "zvonokctl-billing: all passed"
