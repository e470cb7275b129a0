# Shared by the B2BUA integration scripts (Tests/Integration/b2bua-*.sh, issue 7): a scratch
# folder, ports, the example configuration with trunks on 127.0.0.2 (trunks are recognised by
# their source address; users are on 127.0.0.1), `check` lines, bounded sipp callers and trunks,
# and a cleanup that ends by PID whatever was started and removes the scratch folder. Sourced
# (not run; hence not *.sh) after lib.sh and proxy-lib.sh, from the repository's root.
#
#   b2bua_init NAME            the tools, $work, the ports, the exit trap
#   b2bua_config < TRUNKS      $work/zvonok.yaml: etc/zvonok.yaml plus the trunk entries on stdin
#   account NAME [PLAN]        an account (password NAME-password) on PLAN, and $work/NAME.csv for sipp
#   b2bua_start [ENV=VALUE...] zvonokd on $work/zvonok.sqlite; MD5 challenges (sipp answers only MD5)
#                              unless $ALGORITHMS says otherwise
#   sipp_caller SCENARIO NUMBER [sipp options]   one call or MESSAGE from $CALLER (alice) to NUMBER
#   sipp_caller_background SCENARIO NUMBER [sipp options]   the same in the background
#   sipp_trunk NAME SCENARIO PORT [sipp options] a sipp UAS on 127.0.0.2:PORT in the background
#   wait_trunk NAME            its exit status (bounded by its own timeouts)
#   check WHAT COMMAND...      "ok   WHAT" or "FAIL WHAT" with COMMAND's output; counts failures
#   b2bua_finish               stops zvonokd (SIGTERM, checked) and exits 1 on any failure
ZVONOKD=${ZVONOKD:-.build/debug/zvonokd}
ZVONOKCTL=${ZVONOKCTL:-.build/debug/zvonokctl}
SCENARIOS=$PWD/Tests/Integration/sipp
SERVER=zvonokd
TRUNK_IP=127.0.0.2
CALLER=alice
failures=0
ZVONOKD_PID=
B2BUA_PIDS=()
declare -A TRUNK_PID=()

b2bua_init() {
    B2BUA_NAME=$1
    for tool in "$ZVONOKD" "$ZVONOKCTL"; do
        [ -x "$tool" ] || { echo "$B2BUA_NAME: $tool is not built (swift build)" >&2; exit 1; }
    done
    command -v sipp >/dev/null || { echo "$B2BUA_NAME: sipp is not installed (apt-get install sip-tester)" >&2; exit 1; }
    work=$(mktemp -d)
    trap b2bua_cleanup EXIT
    SIP_PORT=$(free_port)
    METRICS_PORT=$(free_port "$SIP_PORT")
    CALLER_PORT=$(free_port "$SIP_PORT" "$METRICS_PORT")
    B2BUA_STARTED=$(date +%s)
}

# b2bua_port: a free port, none of those taken so far.
b2bua_port() {
    local port
    port=$(free_port "$SIP_PORT" "$METRICS_PORT" "$CALLER_PORT" "${B2BUA_PORTS[@]}")
    B2BUA_PORTS+=("$port")
    echo "$port"
}
B2BUA_PORTS=()

b2bua_cleanup() {
    [ -n "${ZVONOKD_PID:-}" ] && kill -KILL "$ZVONOKD_PID" 2>/dev/null || true
    local pid left
    # TERM first: timeout(1) passes it on to the sipp it runs; KILL what is left after 3 s.
    for pid in "${B2BUA_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 30); do
        left=0
        for pid in "${B2BUA_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
        [ "$left" = 0 ] && break
        sleep 0.1
    done
    for pid in "${B2BUA_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "$B2BUA_NAME: kept $work"; else rm -rf "$work"; fi
}

check() {
    local what=$1; shift
    if "$@" >"$work/check.out" 2>&1; then
        echo "ok   $what"
    else
        echo "FAIL $what"; sed 's/^/     /' "$work/check.out"; failures=$((failures + 1))
    fi
}

ctl() { "$ZVONOKCTL" "$@" --database "$work/zvonok.sqlite"; }

# b2bua_config: the example configuration, the trunk entries (YAML under `trunks:`) from stdin.
b2bua_config() {
    cp etc/zvonok.yaml "$work/zvonok.yaml"
    cat >>"$work/zvonok.yaml"
    export ZVONOKD_CONFIG=$work/zvonok.yaml
}

# account NAME [PLAN]: NAME with password NAME-password, on PLAN (default: the trial plan).
account() {
    echo "$1-password" | ctl account add "$1" --password-stdin --realm "$DOMAIN" >/dev/null
    [ -z "${2:-}" ] || ctl account plan "$1" "$2" >/dev/null
    printf 'SEQUENTIAL\n%s;%s-password;\n' "$1" "$1" >"$work/$1.csv"
}

b2bua_start() {
    ALGORITHMS=${ALGORITHMS:-md5} ZVONOKD_EXTRA_ENV="$*" start_server "$work/zvonokd.log"
}

# sipp_caller SCENARIO NUMBER [sipp options]: one call from $CALLER to NUMBER (-s), bounded:
# sipp's -timeout 100 s inside timeout 110. Its -trace_logs go to $work/SCENARIO_PID_logs.log.
sipp_caller() {
    local scenario=$1 number=$2; shift 2
    (cd "$work" && exec timeout 110 sipp "127.0.0.1:$SIP_PORT" -sf "$SCENARIOS/$scenario" -inf "$work/$CALLER.csv" -s "$number" \
        -auth_uri "$number@$DOMAIN" -i 127.0.0.1 -p "$CALLER_PORT" -m 1 -timeout 100s -recv_timeout 20000 -nostdin \
        -trace_logs -trace_err "$@")
}

# sipp_caller_background SCENARIO NUMBER [sipp options]: the same in the background, its output in
# $work/caller.out; its PID (timeout's, which passes TERM on to sipp) in CALLER_PID and B2BUA_PIDS.
sipp_caller_background() {
    local scenario=$1 number=$2; shift 2
    (cd "$work" && exec timeout 110 sipp "127.0.0.1:$SIP_PORT" -sf "$SCENARIOS/$scenario" -inf "$work/$CALLER.csv" -s "$number" \
        -auth_uri "$number@$DOMAIN" -i 127.0.0.1 -p "$CALLER_PORT" -m 1 -timeout 100s -recv_timeout 20000 -nostdin \
        -trace_logs -trace_err "$@" >"$work/caller.out" 2>&1) &
    CALLER_PID=$!
    B2BUA_PIDS+=("$CALLER_PID")
}

# caller_log SCENARIO: the caller's last -trace_logs file of SCENARIO (then removed by forget_logs).
caller_log() { cat "$work/${1%.xml}"_*_logs.log 2>/dev/null; }
forget_logs() { rm -f "$work"/*_logs.log "$work"/*_errors.log; }

# sipp_trunk NAME SCENARIO PORT [sipp options]: a sipp UAS (SCENARIO in $SCENARIOS, or a path) for one call on $TRUNK_IP:PORT, in the
# background, answering in-dialog OPTIONS (-aa); its output in $work/NAME.out, its -trace_logs in
# $work/NAME/. Bounded: -timeout 100 s inside timeout 110.
sipp_trunk() {
    local name=$1 scenario=$2 port=$3; shift 3
    mkdir -p "$work/$name"
    case $scenario in /*) ;; *) scenario=$SCENARIOS/$scenario ;; esac
    (cd "$work/$name" && exec timeout 110 sipp -sf "$scenario" -i "$TRUNK_IP" -p "$port" -m 1 -timeout 100s -nostdin -aa \
        -trace_err -trace_logs -trace_screen "$@" >"$work/$name.out" 2>&1) &
    TRUNK_PID[$name]=$!
    B2BUA_PIDS+=($!)
    sleep 0.3
}

# wait_trunk NAME: the trunk's exit status; its screen and errors on stdout when it failed.
wait_trunk() {
    local status=0
    wait "${TRUNK_PID[$1]}" || status=$?
    [ "$status" -eq 0 ] || { cat "$work/$1.out"; cat "$work/$1"/*errors.log 2>/dev/null; }
    return "$status"
}

# trunk_log NAME: the trunk's -trace_logs lines.
trunk_log() { cat "$work/$1"/*_logs.log 2>/dev/null; }

# cdr_rows: the CDRs as CSV, without the header line.
cdr_rows() { ctl cdr export --format csv | tail -n +2; }

# balance_is ACCOUNT AMOUNT: `balance show` says balance AMOUNT RUB, nothing held, all of it available.
balance_is() {
    local out
    out=$(ctl balance show "$1"); echo "$out"
    grep -q "^balance:   $2 RUB" <<<"$out" && grep -q "^held:      0.00 RUB" <<<"$out" \
        && grep -q "^available: $2 RUB" <<<"$out"
}

b2bua_finish() {
    if [ -n "${ZVONOKD_PID:-}" ]; then
        stop_zvonokd
        ZVONOKD_PID=
        check "zvonokd exits cleanly on SIGTERM" test "$ZVONOKD_STATUS" -eq 0
    fi
    echo "$B2BUA_NAME: $(( $(date +%s) - B2BUA_STARTED )) s"
    if [ "$failures" -ne 0 ]; then
        echo "$B2BUA_NAME: $failures check(s) failed; zvonokd log tail:"; grep -v '^<7>' "$work/zvonokd.log" | tail -60
        exit 1
    fi
    echo "$B2BUA_NAME: all checks passed"
}
