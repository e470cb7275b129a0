#!/usr/bin/env bash
# The README's first command, as written there, starts the daemon on the example configuration
# and it answers OPTIONS on 127.0.0.1:5060 (the README's sipp line); SIGTERM stops it with 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
first=$(awk '/^```sh$/ { getline; print; exit }' README.md)
case $first in *"zvonokd --config etc/zvonok.yaml"*) ;; *) echo "readme: unexpected first command: $first" >&2; exit 1 ;; esac
log=$(mktemp)
bash -c "$first" 2>"$log" &
shell=$!
daemon=
cleanup() {
    for pid in $daemon $shell; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -f "$log"
}
trap cleanup EXIT
for _ in $(seq 1200); do   # the command builds first: up to 120 s
    # bash runs the last command of the list in its own process (exec) or as its child
    if [ "$(ps -o comm= -p "$shell" 2>/dev/null)" = zvonokd ]; then daemon=$shell; else daemon=$(pgrep -P "$shell" -x zvonokd || true); fi
    [ -n "$daemon" ] && grep -q "zvonokd ready" "$log" && break
    kill -0 "$shell" 2>/dev/null || { echo "readme: the first command ended:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$daemon" ] || { echo "readme: zvonokd did not start" >&2; cat "$log" >&2; exit 1; }
answer=$(cd "$(mktemp -d)" && timeout 30 sipp 127.0.0.1:5060 -sf "$OLDPWD/Tests/Integration/sipp/options.xml" -m 1 -nostdin \
    -timeout 10s -timeout_error -trace_msg -message_file /dev/stdout 2>/dev/null | grep -A9 '^SIP/2.0' || true)
echo "$answer" | head -1
kill -TERM "$daemon"
for _ in $(seq 400); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done  # up to 40 s
status=0
if kill -0 "$daemon" 2>/dev/null; then
    echo "readme: zvonokd did not stop within 40 s of SIGTERM" >&2
    status=1
else
    wait "$shell" || status=$?
fi
echo "$answer" | grep -q '^SIP/2.0 200 OK' || { echo "readme: no 200 to OPTIONS" >&2; cat "$log" >&2; exit 1; }
[ "$status" -eq 0 ] || { echo "readme: exit status $status after SIGTERM" >&2; exit 1; }
echo "readme-first-command: the daemon answered OPTIONS and exited 0 on SIGTERM"
