# Shared by proxy-sipp.sh, softphones.sh and bench/proxy-capacity.sh: accounts and one server for
# the registrar and the proxy, either the built zvonokd or the Kamailio 5.6 reference
# (bench/kamailio-proxy.cfg), configured alike. Sourced after lib.sh. Needs $work (a scratch
# folder), $SERVER (zvonokd or kamailio), $SIP_PORT and $METRICS_PORT; $ZVONOKD and $ZVONOKCTL
# for zvonokd.
DOMAIN=zvonok.example
ulimit -c 0  # a server that crashes leaves no core file

# create_accounts FILE: one "username,password" per line, into the server's account store:
# zvonokctl account import for zvonokd (the SQLite file $work/zvonok.sqlite); for Kamailio the
# table `subscriber` with MD5 HA1s, in db_text ($work/dbtext) or, with KAMAILIO_DB=sqlite, in
# SQLite ($work/kamailio.sqlite, Kamailio's own schema: indexed by user name).
create_accounts() {
    if [ "$SERVER" = zvonokd ]; then
        "$ZVONOKCTL" account import "$1" --database "$work/zvonok.sqlite" --realm "$DOMAIN" >/dev/null
    elif [ "${KAMAILIO_DB:-text}" = sqlite ]; then
        rm -f "$work/kamailio.sqlite"
        python3 - "$1" "$DOMAIN" "$work/kamailio.sqlite" <<'PY'
import hashlib, sqlite3, sys
source, realm, target = sys.argv[1:4]
db = sqlite3.connect(target)
for schema in ("standard-create.sql", "auth_db-create.sql"):
    db.executescript(open(f"/usr/share/kamailio/db_sqlite/{schema}").read())
rows = []
for line in open(source):
    user, password = line.rstrip("\n").split(",")[:2]
    rows.append((user, realm, "-", hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest(), "-"))
db.executemany("INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, ?, ?, ?)", rows)
db.commit()
PY
    else
        mkdir -p "$work/dbtext"
        cp /usr/share/kamailio/dbtext/kamailio/version "$work/dbtext/version"
        python3 - "$1" "$DOMAIN" "$work/dbtext/subscriber" <<'PY'
import hashlib, sys
source, realm, target = sys.argv[1:4]
with open(target, "w") as out:
    out.write("id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string) \n")
    for n, line in enumerate(open(source), 1):
        user, password = line.rstrip("\n").split(",")[:2]
        ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
        out.write(f"{n}:{user}:{realm}:-:{ha1}:-\n")
PY
    fi
}

# start_server LOG: starts $SERVER on udp (and, for zvonokd, tcp) 127.0.0.1:$SIP_PORT and waits
# until it answers (bounded: 15 s); sets ZVONOKD_PID. Settings, from the environment, each with
# zvonokd's default: MAX_FAILURES (10), FAILURE_WINDOW_SECONDS (60), BAN_SECONDS (300),
# NONCE_LIFETIME_SECONDS (300), ALGORITHMS (sha256,md5; Kamailio offers MD5 whatever it says),
# MIN_EXPIRES_SECONDS (60), MAX_EXPIRES_SECONDS (3600), TIMER_C_SECONDS (180). SERVER_WRAPPER
# (e.g. "taskset -c 1") runs before the server; ZVONOKD_WORKERS (0: one per core) and
# KAMAILIO_CHILDREN (4) size them; SERVER_LOG_LEVEL (debug) for zvonokd.
start_server() {
    local log=$1
    if [ "$SERVER" = zvonokd ]; then
        ZVONOKD_WRAPPER=${SERVER_WRAPPER:-} start_zvonokd "$log" ZVONOK_DATABASE_PATH="$work/zvonok.sqlite" \
            ZVONOK_LOG_LEVEL="${SERVER_LOG_LEVEL:-debug}" ZVONOK_WORKERS="${ZVONOKD_WORKERS:-0}" \
            ZVONOK_AUTHENTICATION_MAX_FAILURES="${MAX_FAILURES:-10}" \
            ZVONOK_AUTHENTICATION_FAILURE_WINDOW_SECONDS="${FAILURE_WINDOW_SECONDS:-60}" \
            ZVONOK_AUTHENTICATION_BAN_SECONDS="${BAN_SECONDS:-300}" \
            ZVONOK_AUTHENTICATION_NONCE_LIFETIME_SECONDS="${NONCE_LIFETIME_SECONDS:-300}" \
            ZVONOK_AUTHENTICATION_ALGORITHMS="${ALGORITHMS:-sha256,md5}" \
            ZVONOK_REGISTRAR_MIN_EXPIRES_SECONDS="${MIN_EXPIRES_SECONDS:-60}" \
            ZVONOK_REGISTRAR_MAX_EXPIRES_SECONDS="${MAX_EXPIRES_SECONDS:-3600}" \
            ZVONOK_PROXY_TIMER_CSECONDS="${TIMER_C_SECONDS:-180}" ${ZVONOKD_EXTRA_ENV:-}
    else
        # shellcheck disable=SC2086
        ${SERVER_WRAPPER:-} kamailio -f bench/kamailio-proxy.cfg -DD -E -Y "$work" \
            -m "${KAMAILIO_SHARED_MB:-64}" -M "${KAMAILIO_PRIVATE_MB:-8}" \
            -A "LISTEN=udp:127.0.0.1:$SIP_PORT" $(kamailio_db_options) -A "CHILDREN=${KAMAILIO_CHILDREN:-4}" \
            -A "MAX_FAILURES=${MAX_FAILURES:-10}" -A "FAILURE_WINDOW_SECONDS=${FAILURE_WINDOW_SECONDS:-60}" \
            -A "BAN_SECONDS=${BAN_SECONDS:-300}" -A "NONCE_LIFETIME_SECONDS=${NONCE_LIFETIME_SECONDS:-300}" \
            -A "MIN_EXPIRES_SECONDS=${MIN_EXPIRES_SECONDS:-60}" -A "MAX_EXPIRES_SECONDS=${MAX_EXPIRES_SECONDS:-3600}" \
            -A "TIMER_C_MILLISECONDS=$(( ${TIMER_C_SECONDS:-180} * 1000 ))" >"$log" 2>&1 &
        ZVONOKD_PID=$!
    fi
    # Ready when it answers anything over UDP.
    timeout 15 python3 - "$SIP_PORT" <<'PY' || { echo "$SERVER does not answer on udp 127.0.0.1:$SIP_PORT:" >&2; tail -30 "$log" >&2; return 1; }
import socket, sys
port = int(sys.argv[1]); s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.settimeout(0.2)
lp = s.getsockname()[1]
for i in range(60):
    msg = (f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bKready{i};rport\r\n"
           f"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=r{i}\r\nTo: <sip:127.0.0.1:{port}>\r\n"
           f"Call-ID: ready{i}@probe\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    s.sendto(msg.encode(), ("127.0.0.1", port))
    try:
        if s.recv(65535).startswith(b"SIP/2.0"): sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
PY
}

kamailio_db_options() {
    if [ "${KAMAILIO_DB:-text}" = sqlite ]; then
        echo "-A DB_SQLITE -A DBURL=\"sqlite://$work/kamailio.sqlite\""
    else
        echo "-A DBURL=\"text://$work/dbtext\""
    fi
}

# stop_server: SIGTERM and a bounded wait (then SIGKILL), Kamailio's forked processes with it.
stop_server() {
    [ -n "${ZVONOKD_PID:-}" ] || return 0
    if [ "$SERVER" = zvonokd ]; then
        stop_zvonokd
        [ "$ZVONOKD_STATUS" -eq 0 ] || echo "zvonokd exited with $ZVONOKD_STATUS" >&2
    else
        local children
        children=$(pgrep -P "$ZVONOKD_PID" || true)
        kill -TERM "$ZVONOKD_PID" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$ZVONOKD_PID" 2>/dev/null || break; sleep 0.1; done
        for pid in $ZVONOKD_PID $children; do kill -KILL "$pid" 2>/dev/null || true; done
        wait "$ZVONOKD_PID" 2>/dev/null || true
    fi
    ZVONOKD_PID=
}

# kill_server: at exit, whatever is left (the server and, for Kamailio, its children).
kill_server() {
    if [ -n "${ZVONOKD_PID:-}" ] && kill -0 "$ZVONOKD_PID" 2>/dev/null; then
        for pid in $(pgrep -P "$ZVONOKD_PID" || true); do kill -KILL "$pid" 2>/dev/null || true; done
        kill -KILL "$ZVONOKD_PID" 2>/dev/null || true
    fi
}
