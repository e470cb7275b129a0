#!/usr/bin/env bash
# Runs the real `zvonokctl lint --format tsv` over the RFC 4475 torture corpus and checks every
# line against ../shared/conformance/rfc4475/MANIFEST.tsv: `valid` must be valid 0, `semantic:NNN`
# must be reject NNN, and `invalid` must be invalid 400 (or reject 400). Also checks exit statuses.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus="$root/../shared/conformance/rfc4475"
ctl="${ZVONOKCTL:-$root/.build/debug/zvonokctl}"
[ -x "$ctl" ] || { echo "lint-rfc4475: $ctl not built (run swift build)" >&2; exit 2; }
[ -f "$corpus/MANIFEST.tsv" ] || { echo "lint-rfc4475: no corpus at $corpus" >&2; exit 2; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
(cd "$corpus" && "$ctl" lint --format tsv $(tail -n +2 MANIFEST.tsv | cut -f1)) >"$out" || status=$?
[ "$status" -eq 1 ] || { echo "lint-rfc4475: expected exit 1 over the corpus, got $status" >&2; exit 1; }

failures=0
checked=0
while IFS=$'\t' read -r file _ _ expected _; do
    line=$(grep -P "^\Q$file\E\t" "$out" || true)
    verdict=$(cut -f2 <<<"$line")
    code=$(cut -f3 <<<"$line")
    case "$expected" in
        valid) ok=$([ "$verdict" = valid ] && [ "$code" = 0 ] && echo y || echo n) ;;
        invalid) ok=$({ [ "$verdict" = invalid ] || [ "$verdict" = reject ]; } && [ "$code" = 400 ] && echo y || echo n) ;;
        semantic:*) ok=$([ "$verdict" = reject ] && [ "$code" = "${expected#semantic:}" ] && echo y || echo n) ;;
        *) ok=n ;;
    esac
    checked=$((checked + 1))
    if [ "$ok" != y ]; then
        echo "MISMATCH $file: expected $expected, got: ${line:-<no line>}" >&2
        failures=$((failures + 1))
    fi
done < <(tail -n +2 "$corpus/MANIFEST.tsv")

"$ctl" lint "$corpus/wsinv.dat" >/dev/null || { echo "lint-rfc4475: a valid file must exit 0" >&2; exit 1; }
set +e
"$ctl" lint /nonexistent.sip 2>/dev/null; missing=$?
"$ctl" lint 2>/dev/null; usage=$?
"$ctl" lint - <"$corpus/zeromf.dat" >/dev/null; stdin=$?
set -e
[ "$missing" -eq 2 ] && [ "$usage" -eq 2 ] && [ "$stdin" -eq 1 ] || {
    echo "lint-rfc4475: exit statuses wrong (missing file $missing, usage $usage, stdin reject $stdin)" >&2; exit 1; }

if [ "$failures" -ne 0 ]; then
    echo "lint-rfc4475: $failures of $checked files disagree with the manifest" >&2
    exit 1
fi
echo "lint-rfc4475: all $checked files agree with MANIFEST.tsv"
