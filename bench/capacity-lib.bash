# Shared by bench/proxy-capacity.sh and bench/b2bua-capacity.sh: the server's CPU and memory from
# /proc, one bounded sipp step at a fixed rate, and the stepping of the rate until failures pass
# 0.1%. Sourced; needs $work, $SERVER, $ZVONOKD_PID, $SIP_PORT, $SCENARIOS, $STEP_SECONDS,
# $MAX_STEPS and $SIPP_CPU.
# Server CPU ticks and PSS (kB), summed over its processes.
server_pids() { echo "$ZVONOKD_PID" $(pgrep -P "$ZVONOKD_PID" || true); }
cpu_ticks() {
    local total=0 pid
    for pid in $(server_pids); do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0))); done
    echo "$total"
}
pss_kb() {
    local total=0 pid
    for pid in $(server_pids); do total=$((total + $(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0))); done
    echo "$total"
}

# core_busy_idle CPU: that core's busy and idle jiffies so far (/proc/stat).
core_busy_idle() {
    awk -v cpu="cpu$1" '$1 == cpu { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat
}

# run_sipp NAME SCENARIO CSV RATE CALLS [sipp options]: one bounded client run on SIPP_CPU;
# prints "ok failed seconds server_cpu_seconds sipp_core_busy_percent" from sipp's cumulative
# counters and /proc.
run_sipp() {
    local name=$1 scenario=$2 csv=$3 rate=$4 calls=$5; shift 5
    local ticks started finished core_before
    ticks=$(cpu_ticks)
    core_before=$(core_busy_idle "$SIPP_CPU")
    started=$(date +%s.%N)
    (cd "$work" && timeout $((STEP_SECONDS * 4 + 60)) taskset -c "$SIPP_CPU" sipp "127.0.0.1:$SIP_PORT" \
        -sf "$SCENARIOS/$scenario" -inf "$csv" -t u1 -i 127.0.0.1 -r "$rate" -m "$calls" -l "${SIPP_LIMIT:-$((rate * 2 + 200))}" \
        -recv_timeout 5000 -timeout $((STEP_SECONDS * 4 + 30))s -max_recv_loops 10000 -nostdin \
        -trace_stat -stf "$name.csv" -fd 1 -trace_err -error_file "$name.err" "$@" >"$name.out" 2>&1) || true
    finished=$(date +%s.%N)
    python3 - "$work/$name.csv" "$started" "$finished" "$ticks" "$(cpu_ticks)" "$(getconf CLK_TCK)" $core_before $(core_busy_idle "$SIPP_CPU") <<'PY'
import csv, os, sys
busy0, idle0, busy1, idle1 = map(int, sys.argv[7:11])
sipp_core = 100 * (busy1 - busy0) / max(1, (busy1 - busy0) + (idle1 - idle0))
if not os.path.exists(sys.argv[1]):
    print(0, 0, 0, 0, 0); sys.exit(0)
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
col = {name: i for i, name in enumerate(rows[0])}
last = rows[-1]
ok, failed = int(last[col['SuccessfulCall(C)']]), int(last[col['FailedCall(C)']])
print(ok, failed, float(sys.argv[3]) - float(sys.argv[2]), (int(sys.argv[5]) - int(sys.argv[4])) / int(sys.argv[6]), f"{sipp_core:.0f}")
PY
}

# try_rate KIND SCENARIO CSV RATE [sipp options]: one step; prints its line, sets VERDICT (ok,
# failures: more than 0.1% failed, short: sipp achieved under 90% of the offered rate) and raises
# BEST_RATE / BEST_PER_CPU when the step had no more than 0.1% failures.
try_rate() {
    local kind=$1 scenario=$2 csv=$3 rate=$4; shift 4
    local ok failed seconds cpu achieved per_cpu load sipp_core
    read -r ok failed seconds cpu sipp_core < <(run_sipp "$SERVER-$kind-$rate" "$scenario" "$csv" "$rate" $((rate * STEP_SECONDS)) "$@")
    read -r achieved per_cpu load VERDICT < <(python3 -c "
ok, failed, seconds, cpu, rate = $ok, $failed, $seconds, $cpu, $rate
total = ok + failed
achieved = ok / seconds if seconds > 0 else 0
per_cpu = ok / cpu if cpu > 0 else 0
verdict = 'failures' if total == 0 or failed / total > 0.001 else ('short' if achieved < 0.9 * rate else 'ok')
print(f'{achieved:.0f} {per_cpu:.0f} {100 * cpu / max(seconds, 0.001):.0f} {verdict}')")
    printf '  %-8s %-8s offered %6d/s: %7d ok %6d failed in %5.1f s = %6d/s; server CPU %5.1f s (%3d%%) = %6d per CPU-second; sipp core %3d%% busy  %s\n' \
        "$SERVER" "$kind" "$rate" "$ok" "$failed" "$seconds" "$achieved" "$cpu" "$load" "$per_cpu" "$sipp_core" "$VERDICT"
    if [ "$VERDICT" != failures ] && [ "$achieved" -gt "$BEST_RATE" ]; then BEST_RATE=$achieved BEST_PER_CPU=$per_cpu; fi
    if ! kill -0 "$ZVONOKD_PID" 2>/dev/null || { [ "$SERVER" = kamailio ] && grep -q "exited by a signal" "$work/$SERVER.log"; }; then
        echo "  $SERVER died under this load: the steps stop here (its log: $work/$SERVER.log)"
        VERDICT=died
    fi
}

# A ladder steps one server's offered rate up: it doubles the rate from RATE0 while a step has
# no more than 0.1% failures, then makes REFINE_STEPS (3) bisections between the last good and
# the first bad rate; it ends early when sipp falls short of the offered rate (sipp, not the
# server, is then the limit) or the server dies, and after MAX_STEPS doublings. Its state lives
# in LADDER[ID,...], so that several servers' ladders can take turns step by step (proxy-capacity
# alternates the servers' steps, so that a machine whose speed drifts weighs on both alike).
declare -A LADDER
# ladder_start ID RATE0
ladder_start() {
    LADDER[$1,rate]=$2 LADDER[$1,doublings]=0 LADDER[$1,good]=0 LADDER[$1,bad]=0
    LADDER[$1,refine]=${REFINE_STEPS:-3} LADDER[$1,phase]=up LADDER[$1,best]=0 LADDER[$1,bestcpu]=0
}
# ladder_done ID: true when the ladder has ended (its best in LADDER[ID,best] and [ID,bestcpu]).
ladder_done() { [ "${LADDER[$1,phase]}" = done ]; }
# ladder_step ID KIND SCENARIO CSV [sipp options]: the ladder's next step, against $SERVER.
ladder_step() {
    local id=$1 kind=$2 scenario=$3 csv=$4; shift 4
    local rate=${LADDER[$id,rate]}
    BEST_RATE=${LADDER[$id,best]} BEST_PER_CPU=${LADDER[$id,bestcpu]}
    try_rate "$kind" "$scenario" "$csv" "$rate" "$@"
    LADDER[$id,best]=$BEST_RATE LADDER[$id,bestcpu]=$BEST_PER_CPU
    case $VERDICT in
        short | died) LADDER[$id,phase]=done; return ;;
        ok) LADDER[$id,good]=$rate ;;
        failures) LADDER[$id,bad]=$rate ;;
    esac
    if [ "${LADDER[$id,phase]}" = up ]; then
        LADDER[$id,doublings]=$((LADDER[$id,doublings] + 1))
        if [ "$VERDICT" = ok ]; then
            LADDER[$id,rate]=$((rate * 2))
            [ "${LADDER[$id,doublings]}" -lt "$MAX_STEPS" ] || LADDER[$id,phase]=done
            return
        fi
        LADDER[$id,phase]=refine
        [ "${LADDER[$id,good]}" -gt 0 ] || { LADDER[$id,phase]=done; return; }
    else
        LADDER[$id,refine]=$((LADDER[$id,refine] - 1))
    fi
    if [ "${LADDER[$id,refine]}" -le 0 ]; then LADDER[$id,phase]=done; return; fi
    LADDER[$id,rate]=$(( (LADDER[$id,good] + LADDER[$id,bad]) / 2 ))
}

# step_up KIND SCENARIO CSV RATE0 [sipp options]: one ladder run to its end against $SERVER;
# leaves the best rate in BEST_RATE and BEST_PER_CPU.
step_up() {
    local kind=$1 scenario=$2 csv=$3 rate0=$4; shift 4
    ladder_start "$SERVER-$kind" "$rate0"
    until ladder_done "$SERVER-$kind"; do ladder_step "$SERVER-$kind" "$kind" "$scenario" "$csv" "$@"; done
    BEST_RATE=${LADDER[$SERVER-$kind,best]} BEST_PER_CPU=${LADDER[$SERVER-$kind,bestcpu]}
}
