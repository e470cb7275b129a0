#!/usr/bin/env bash
# zvonokctl account against a real SQLite file: passwords only from standard input (or a
# terminal), digests stored, errors with reasons and exit status 1, usage errors 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
CTL=${ZVONOKCTL:-.build/debug/zvonokctl}
[ -x "$CTL" ] || { echo "zvonokctl-account: $CTL is not built (swift build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/zvonok.sqlite"
failures=0
check() {
    local what=$1; shift
    if "$@" >"$work/out" 2>&1; then echo "ok   $what"; else echo "FAIL $what"; sed 's/^/     /' "$work/out"; failures=$((failures + 1)); fi
}
ctl() { "$CTL" account "$@"; }
status_of() { local s=0; "$@" >"$work/status.out" 2>&1 || s=$?; echo "$s"; }

check "add alice from standard input" bash -c 'echo "correct horse battery" | "$1" account add alice --display-name "Alice A." --phone +74951112233 --password-stdin --database "$2" --realm zvonok.example' _ "$CTL" "$db"
check "list shows her" bash -c '"$1" account list --database "$2" --realm zvonok.example | grep -qx "alice	enabled	+74951112233	Alice A."' _ "$CTL" "$db"
expected=$(printf 'alice:zvonok.example:correct horse battery' | sha256sum | cut -d' ' -f1)
check "the SHA-256 HA1 is stored, not the password" bash -c '
    python3 - "$1" "$2" <<PY
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute("select ha1SHA256, ha1MD5 from account where username = ?", ("alice",)).fetchone()
assert row[0] == sys.argv[2], row
assert "horse" not in repr(row)
PY' _ "$db" "$expected"
check "a taken user name is refused (exit 1)" test "$(echo "another password" | status_of ctl add alice --password-stdin --database "$db" --realm zvonok.example)" -eq 1
check "…saying why" grep -q "already taken" "$work/status.out"
check "a short password is refused" test "$(echo "short" | status_of ctl add bob --password-stdin --database "$db" --realm zvonok.example)" -eq 1
check "no password on the command line: usage error (2)" test "$(status_of ctl add bob --password hunter22 --database "$db" --realm zvonok.example)" -eq 2
check "disable, then show says so" bash -c '"$1" account disable alice --database "$2" --realm zvonok.example && "$1" account show alice --database "$2" --realm zvonok.example | grep -q "enabled:      no"' _ "$CTL" "$db"
digest() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select ha1SHA256 from account where username = ?", (sys.argv[2],)).fetchone()[0])' "$db" "$1"; }
before=$(digest alice)
check "passwd from standard input" bash -c 'echo "a new long password" | "$1" account passwd alice --password-stdin --database "$2" --realm zvonok.example' _ "$CTL" "$db"
check "…changes the stored digest" test "$before" != "$(digest alice)"
check "delete, then show fails (1)" bash -c '"$1" account delete alice --database "$2" --realm zvonok.example; s=0; "$1" account show alice --database "$2" --realm zvonok.example || s=$?; [ "$s" -eq 1 ]' _ "$CTL" "$db"
check "the example configuration's database and realm are used by default" bash -c 'cd "$2" && echo "long enough pw" | "$1" account add carol --config "$3/etc/zvonok.yaml" --password-stdin && [ -f "$2/zvonok.sqlite" ]' _ "$PWD/$CTL" "$work" "$PWD"

printf 'username,password,display_name\nimp1,imported-pw-1,"One, Imported"\nimp2,imported-pw-2\n' >"$work/import.csv"
check "import a CSV file: all its accounts" bash -c '"$1" account import "$3" --database "$2" --realm zvonok.example && "$1" account list --database "$2" --realm zvonok.example | grep -qx "imp1	enabled	-	One, Imported"' _ "$CTL" "$db" "$work/import.csv"
check "a CSV with a bad line imports nothing (exit 1) and names the line" bash -c 'printf "imp3,imported-pw-3\nimp4,short\n" | { s=0; "$1" account import - --database "$2" --realm zvonok.example 2>"$3" || s=$?; [ "$s" -eq 1 ]; } && grep -q "line 2: the password" "$3" && ! "$1" account list --database "$2" --realm zvonok.example | grep -q imp3' _ "$CTL" "$db" "$work/import.err"

[ "$failures" -eq 0 ] || { echo "zvonokctl-account: $failures failed"; exit 1; }
echo "zvonokctl-account: all passed"
