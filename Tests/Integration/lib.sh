# Shared by the integration scripts: start the built zvonokd on loopback ports of its own,
# wait until it is ready, stop it by PID. Sourced, not run.

# A free loopback port (UDP and TCP), chosen by the kernel; never one of the ports given.
free_port() {
    local port
    while true; do
        port=$(free_port_once)
        case " $* " in *" $port "*) ;; *) echo "$port"; return ;; esac
    done
}

free_port_once() {
    python3 -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass
    finally: u.close(); t.close()'
}

# start_zvonokd LOGFILE [ENV=VALUE...]: starts zvonokd with etc/zvonok.yaml (or $ZVONOKD_CONFIG) on $SIP_PORT (UDP
# and TCP on 127.0.0.1) and $METRICS_PORT; sets ZVONOKD_PID. $ZVONOKD_WRAPPER (e.g. "taskset -c 0")
# runs before the binary; env and taskset exec, so the PID is zvonokd's. Fails after 20 s without "ready".
start_zvonokd() {
    local log=$1; shift
    env ZVONOK_LISTEN="udp:127.0.0.1:$SIP_PORT,tcp:127.0.0.1:$SIP_PORT" ZVONOK_METRICS_PORT="$METRICS_PORT" \
        ZVONOK_LOG_LEVEL=debug "$@" ${ZVONOKD_WRAPPER:-} "$ZVONOKD" --config "${ZVONOKD_CONFIG:-etc/zvonok.yaml}" 2>"$log" &
    ZVONOKD_PID=$!
    for _ in $(seq 200); do
        grep -q "zvonokd ready" "$log" 2>/dev/null && return 0
        kill -0 "$ZVONOKD_PID" 2>/dev/null || { echo "zvonokd exited at start:" >&2; cat "$log" >&2; return 1; }
        sleep 0.1
    done
    echo "zvonokd did not get ready in 20 s:" >&2; cat "$log" >&2
    return 1
}

# stop_zvonokd: SIGTERM, then wait (bounded) for the exit status in ZVONOKD_STATUS.
stop_zvonokd() {
    kill -TERM "$ZVONOKD_PID" 2>/dev/null || true
    for _ in $(seq 600); do kill -0 "$ZVONOKD_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$ZVONOKD_PID" 2>/dev/null; then kill -KILL "$ZVONOKD_PID"; fi
    ZVONOKD_STATUS=0
    wait "$ZVONOKD_PID" || ZVONOKD_STATUS=$?
}

# metric NAME_WITH_LABELS: its value on /metrics (0 when absent).
metric() {
    curl -fsS --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" | awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? 0 : v) }'
}
