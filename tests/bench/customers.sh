#!/usr/bin/env bash
# Benchmark of the customer pages and the CSV import, on SQLite and on PostgreSQL.
#
#   bash tests/bench/customers.sh
#
# For each backend: a fresh data folder (and, for PostgreSQL, a fresh database that is
# dropped at the end), `dossier import customers` of 100,000 generated rows (timed), a
# clerk signed in with curl, then `wrk` (2 threads x 16 connections) against
#   GET /customers?q=王          one-character name search (name grams)
#   GET /customers?q=1313425     phone digits (FTS5 trigram / LIKE on PostgreSQL)
#   GET /customers/{code}        the record page, whose view is logged
#   the first dormancy sweep of the imported records (`dossier job run dormancy`, timed)
#                                while wrk runs GET /customers?q=王; the same for the first
#                                re-verification run (`job run reverify`)
#   GET /customers?q=王&type=vip, &status=pending_activation, &community=翠湖花园,
#       &tag=频繁投诉            one character narrowed by each filter (after the sweep, so
#                                that statuses differ)
# and the server's resident memory. A table comes out at the end. The figures are
# reported, not asserted: they depend on the machine (and on anything else running).
#
# Knobs (environment):
#   BENCH_SECONDS=20          duration of each measured wrk run
#   BENCH_WARMUP_SECONDS=2    unmeasured run before each one (0 to skip)
#   BENCH_COUNT=100000        customers generated; BENCH_SEED=7
#   BENCH_PHONE_QUERY=1313425 digits for the phone search (with seed 7 it matches nothing;
#                             13278220 matches the first generated row)
#   BENCH_BACKENDS="sqlite postgres"
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432   server for the throw-away database
#   BENCH_KEEP=1              keep the temp folder (CSV, data folders, logs, wrk output)
#   BENCH_BIN=path/to/dossier use that binary instead of building this tree (to compare an
#                             older build in the same minutes)
#   BENCH_REVERIFY_LIMIT=1000000  reverify_daily_limit for the re-verification run (the
#                             default 300 queues 300; a million queues every due record,
#                             57k at 100k customers, as every first run did before the limit)
#
# Exits non-zero when something went wrong (build, import, sign-in, a refused session
# cookie, error responses under load), after printing whatever was measured.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_SECONDS=${BENCH_SECONDS:-20}
WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-2}
COUNT=${BENCH_COUNT:-100000}
SEED=${BENCH_SEED:-7}
PHONE_QUERY=${BENCH_PHONE_QUERY:-1313425}
BACKENDS=${BENCH_BACKENDS:-"sqlite postgres"}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_BASE=${PG_BASE%/}
GENERATOR=${BENCH_GENERATOR:-$REPO/../shared/gen_customers.py}
THREADS=2
CONNECTIONS=16
CLERK=benchclerk
CLERK_PASSWORD="bench-Clerk-$$-$RANDOM-pw"

# The SQLite runs must not inherit a PostgreSQL URL from the caller's shell.
unset DATABASE_URL

# State the exit trap needs.
WORK=""
SERVER_PID=""
SERVER_LOG=""
PG_DB=""
FAILURES=()
RESULTS=() # one line per wrk run
SUMMARY=() # one line per backend: import and memory
JOBS=()    # one line per job run under load

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "FAIL: $*"
    exit 1
}

# ---------------------------------------------------------------------------------------
# Setup

ensure_tools() {
    if ! command -v wrk >/dev/null; then
        log "installing wrk"
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo=sudo
        # The package lists are refreshed only when something has to be installed.
        $sudo apt-get update -qq
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    fi
    local tool
    for tool in curl python3 cargo awk; do
        command -v "$tool" >/dev/null || die "$tool is needed"
    done
    [[ -f $GENERATOR ]] || die "no generator at $GENERATOR (set BENCH_GENERATOR)"
}

build_release() {
    if [[ -n ${BENCH_BIN:-} ]]; then
        BIN=$BENCH_BIN
        [[ -x $BIN ]] || die "no binary at $BIN"
        log "using $BIN"
        return 0
    fi
    log "cargo build --release"
    (cd "$REPO" && cargo build --release --locked --quiet) || die "release build failed"
    BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/dossier"
    [[ -x $BIN ]] || die "no binary at $BIN"
}

# One CSV for both backends, so that they load the same bytes.
generate_csv() {
    CSV="$WORK/customers.csv"
    log "generating $COUNT customers (seed $SEED)"
    timeout 600 python3 "$GENERATOR" --count "$COUNT" --seed "$SEED" --out "$CSV" ||
        die "generator failed"
}

pg_admin() {
    timeout 60 psql "$PG_BASE/postgres" -X -q -v ON_ERROR_STOP=1 -c "$1"
}

create_pg_db() {
    PG_DB="dossier_bench_$$"
    command -v psql >/dev/null || die "psql is needed for the PostgreSQL run"
    pg_admin "SELECT 1" >/dev/null || die "PostgreSQL at $PG_BASE does not answer"
    log "creating database $PG_DB"
    pg_admin "CREATE DATABASE $PG_DB" || die "cannot create $PG_DB"
}

drop_pg_db() {
    [[ -n $PG_DB ]] || return 0
    log "dropping database $PG_DB"
    # FORCE: a server killed hard may leave connections behind for a moment.
    pg_admin "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || log "could not drop $PG_DB"
    PG_DB=""
}

# ---------------------------------------------------------------------------------------
# The app. DB_URL is empty for SQLite (the file in the data folder).

# `dossier SECONDS ARGS...`: one command, killed if it runs longer than that.
dossier() {
    local limit=$1
    shift
    timeout "$limit" env ${DB_URL:+DATABASE_URL=$DB_URL} "$BIN" --data-dir "$DATA" "$@"
}

# Sets IMPORT_RATE (rows/s as the command prints it), IMPORT_WALL (s, whole command,
# migrations included) and IMPORT_LINE.
run_import() {
    log "importing into $1"
    local started ended out
    started=$(date +%s.%N)
    out=$(DOSSIER_LOG=warn dossier 1800 import customers "$CSV") ||
        die "import failed: $out"
    ended=$(date +%s.%N)
    IMPORT_LINE=$(grep -E 'rows/s' <<<"$out" | tail -n 1) || die "no summary line in: $out"
    log "$IMPORT_LINE"
    IMPORT_RATE=$(sed -E 's/.*\(([0-9.]+) rows\/s\).*/\1/' <<<"$IMPORT_LINE")
    IMPORT_WALL=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", b - a }')
    local imported
    imported=$(sed -E 's/^imported ([0-9]+) .*/\1/' <<<"$IMPORT_LINE")
    [[ $imported == "$COUNT" ]] || FAILURES+=("$1: imported $imported of $COUNT rows")
}

add_clerk() {
    # No office: a clerk without one sees every community, so searches cover all rows.
    DOSSIER_PASSWORD=$CLERK_PASSWORD DOSSIER_LOG=warn \
        dossier 60 user add "$CLERK" --role clerk >/dev/null || die "user add failed"
}

# Starts the server on a free port (port 0; the app prints the one it got) and waits
# for /healthz. Sets SERVER_PID and BASE.
start_server() {
    SERVER_LOG="$WORK/$1.server.log"
    # Made here: the background server opens it a moment later than the loop below reads.
    : >"$SERVER_LOG"
    # Not through dossier(): env execs the binary, so $! is the server itself (for
    # kill and /proc/PID/status), and it must not run under a time limit.
    # No scheduler: its catch-up at start (backup, dormancy sweep of the generated data)
    # would load the machine during the measured runs.
    DOSSIER_LOG=warn DOSSIER_SCHEDULER=false env ${DB_URL:+DATABASE_URL=$DB_URL} \
        "$BIN" --data-dir "$DATA" serve --bind 127.0.0.1:0 >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    local port="" deadline=$((SECONDS + 60))
    while [[ -z $port ]]; do
        ((SECONDS < deadline)) || die "server did not print its address within 60 s"
        kill -0 "$SERVER_PID" 2>/dev/null || die "server exited: $(tail -n 5 "$SERVER_LOG")"
        port=$(sed -nE 's#^Dossier: http://[^ ]*:([0-9]+)/.*#\1#p' "$SERVER_LOG" | head -n 1)
        [[ -n $port ]] || sleep 0.2
    done
    BASE="http://127.0.0.1:$port"
    until curl -fsS --max-time 2 "$BASE/healthz" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "/healthz did not answer within 60 s"
        sleep 0.2
    done
    log "server $SERVER_PID up at $BASE"
}

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    local pid=$SERVER_PID
    SERVER_PID=""
    kill -TERM "$pid" 2>/dev/null || return 0
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "server $pid ignored SIGTERM for 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Signs the clerk in like a browser: GET /login for the CSRF token and the session cookie,
# POST the form with both. Sets COOKIE (the value of dossier_session).
sign_in() {
    local jar="$WORK/$1.cookies" page csrf answer
    page=$(curl -fsS --max-time 10 -c "$jar" -b "$jar" "$BASE/login") || die "GET /login failed"
    # The first one: base.html has more forms (the language switch) with the same token.
    csrf=$(grep -oE 'name="csrf_token" value="[^"]*"' <<<"$page" | sed -nE '1s/.*value="([^"]*)"/\1/p')
    [[ -n $csrf ]] || die "no csrf_token on /login"
    # Argon2 makes this POST slow on purpose; hence the longer timeout.
    answer=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code} %{redirect_url}' \
        -c "$jar" -b "$jar" \
        --data-urlencode "username=$CLERK" \
        --data-urlencode "password=$CLERK_PASSWORD" \
        --data-urlencode "csrf_token=$csrf" \
        "$BASE/login") || die "POST /login failed"
    [[ $answer == 303* && $answer != *login* && $answer != */account/password* ]] ||
        die "sign-in refused: $answer"
    # HttpOnly cookies are written as '#HttpOnly_host' lines, so match on the name column.
    COOKIE=$(awk -F'\t' '$6 == "dossier_session" { v = $7 } END { print v }' "$jar")
    [[ -n $COOKIE ]] || die "no dossier_session cookie after sign-in"
}

# GETs a page with exactly the header wrk will send. Fails unless it is a 200 (a 303
# means the cookie was refused). Sets PAGE (body) and PAGE_BYTES (headers + body).
fetch_page() {
    local path=$1 body="$WORK/page.html" answer code header_bytes body_bytes
    answer=$(curl -sS --max-time 10 -o "$body" -w '%{http_code} %{size_header} %{size_download} %{redirect_url}' \
        -H "Cookie: dossier_session=$COOKIE" "$BASE$path") || die "GET $path failed"
    read -r code header_bytes body_bytes _ <<<"$answer"
    [[ $code == 200 ]] ||
        die "GET $path with the session cookie answered $answer (303 to /login = cookie refused)"
    PAGE=$(<"$body")
    PAGE_BYTES=$((header_bytes + body_bytes))
}

# The newest record on the list page: any real code will do for the record page.
pick_code() {
    fetch_page "/customers"
    CODE=$(grep -oE 'href="/customers/[A-Z]-[0-9]{4}-[0-9]+"' <<<"$PAGE" | sed -n '1s#.*/##; 1s#"##p')
    [[ -n $CODE ]] || die "no customer code on /customers"
}

rss_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# ---------------------------------------------------------------------------------------
# wrk

# Converts wrk's "1.23ms" / "850.00us" / "1.02s" to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        if (f < 0) { print "?"; exit }
        printf "%.2f", n * f
    }'
}

# Runs wrk on one path and appends a row to RESULTS. Arguments: backend, label, path.
run_wrk() {
    local backend=$1 label=$2 path=$3 out="$WORK/$1.$2.wrk"
    fetch_page "$path"
    local expected=$PAGE_BYTES
    # How many records the search found ("no match" is a cheaper page): for the reader.
    local found
    found=$(grep -oE '<p class="hint">[^<]*' <<<"$PAGE" | sed 's/.*>//') || true
    log "$backend: $path is $expected bytes${found:+; list says: $found}"
    local -a args=(-t"$THREADS" -c"$CONNECTIONS" --timeout 5s --latency
        -H "Cookie: dossier_session=$COOKIE" "$BASE$path")
    if ((WARMUP_SECONDS > 0)); then
        # Unmeasured: fills the connection pool and the page cache.
        timeout $((WARMUP_SECONDS + 30)) wrk -d"${WARMUP_SECONDS}s" "${args[@]}" >/dev/null ||
            die "wrk warm-up failed on $path"
    fi
    log "$backend: wrk ${RUN_SECONDS}s $path"
    timeout $((RUN_SECONDS + 60)) wrk -d"${RUN_SECONDS}s" "${args[@]}" >"$out" 2>&1 ||
        die "wrk failed on $path: $(cat "$out")"
    record_wrk "$backend" "$label" "$path" "$out" "$expected" ""
}

# Reads a wrk output file and appends a row to RESULTS. Arguments: backend, label, path,
# wrk output, expected page size, a note for the row.
record_wrk() {
    local backend=$1 label=$2 path=$3 out=$4 expected=$5 note=$6
    local rps p50 p99 requests bytes_read non2xx timeouts
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    requests=$(awk '/requests in/ { print $1 }' "$out")
    # "123.45MB read": wrk counts in powers of 1024.
    bytes_read=$(awk '/requests in/ {
        v = $(NF - 1); n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        m = (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : 1
        printf "%.0f", n * m }' "$out")
    # wrk counts only statuses >= 400 here; redirects are caught by the size check below.
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$out")
    timeouts=$(awk '/Socket errors/ { print $NF }' "$out")
    [[ -n $rps && -n $requests && $requests -gt 0 ]] || die "cannot read wrk output: $(cat "$out")"

    # A refused cookie turns every answer into a ~300-byte 303 to /login, which wrk does
    # not count as an error: compare the average response with the real page.
    local average=$((bytes_read / requests))
    if ((average * 2 < expected)); then
        cat "$out" >&2
        die "$backend $path: responses average $average bytes against $expected for the page: the session cookie was probably refused (303 to /login)"
    fi
    fetch_page "$path" # still signed in after the run?

    [[ ${non2xx:-0} == 0 ]] || FAILURES+=("$backend $path: $non2xx error responses (see $out)")
    RESULTS+=("$(printf '%-9s %10s %8s %8s %8s %8s  %s' \
        "$backend" "$rps" "$p50" "$p99" "${non2xx:-0}" "${timeouts:-0}" "$label $path${note:+ ($note)}")")
}

# Runs `dossier job run JOB` while wrk runs against one path, and stops wrk when the job
# ends: the figures are those of the search while the job ran. Appends a row to RESULTS
# and the job's time and report to JOBS. Arguments: backend, label, path, job; more
# arguments are VAR=value settings for the job.
run_job_under_load() {
    local backend=$1 label=$2 path=$3 job=$4
    shift 4
    local out="$WORK/$backend.$label.$job.wrk" job_out="$WORK/$backend.$job.out"
    fetch_page "$path"
    local expected=$PAGE_BYTES
    log "$backend: wrk on $path while job $job runs"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d900s --timeout 5s --latency \
        -H "Cookie: dossier_session=$COOKIE" "$BASE$path" >"$out" 2>&1 &
    local wrk_pid=$!
    sleep 1 # wrk connected and at full speed
    local started ended seconds
    started=$(date +%s.%N)
    if ! env "$@" ${DB_URL:+DATABASE_URL=$DB_URL} DOSSIER_LOG=warn timeout 900 \
        "$BIN" --data-dir "$DATA" job run "$job" >"$job_out" 2>&1; then
        FAILURES+=("$backend job run $job failed: $(tail -n 3 "$job_out")")
    fi
    ended=$(date +%s.%N)
    # wrk prints its figures when interrupted.
    kill -INT "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" || true # its figures are checked below
    seconds=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", b - a }')
    log "$backend: $job took ${seconds}s: $(tail -n 1 "$job_out")"
    JOBS+=("$(printf '%-9s %-10s %8s  %s' "$backend" "$job" "$seconds" "$(tail -n 1 "$job_out")")")
    record_wrk "$backend" "$label" "$path" "$out" "$expected" "during $job, ${seconds}s"
}

# ---------------------------------------------------------------------------------------

bench_backend() {
    local backend=$1
    DATA="$WORK/$backend"
    mkdir -p "$DATA"
    case $backend in
    sqlite) DB_URL="" ;;
    postgres)
        create_pg_db
        DB_URL="$PG_BASE/$PG_DB"
        ;;
    *) die "unknown backend $backend" ;;
    esac
    log "== $backend (load average: $(cut -d' ' -f1-3 /proc/loadavg))"

    run_import "$backend"
    add_clerk
    start_server "$backend"
    local rss_idle
    rss_idle=$(rss_kib "$SERVER_PID" VmRSS)
    sign_in "$backend"
    pick_code
    log "record page: $CODE"

    run_wrk "$backend" search-name "/customers?q=%E7%8E%8B" # 王
    run_wrk "$backend" search-phone "/customers?q=$PHONE_QUERY"
    run_wrk "$backend" record "/customers/$CODE"
    run_job_under_load "$backend" search-name "/customers?q=%E7%8E%8B" dormancy
    run_job_under_load "$backend" search-name "/customers?q=%E7%8E%8B" reverify \
        DOSSIER_REVERIFY_DAILY_LIMIT="${BENCH_REVERIFY_LIMIT:-1000000}"
    run_wrk "$backend" search-name-vip "/customers?q=%E7%8E%8B&type=vip"
    run_wrk "$backend" search-name-status "/customers?q=%E7%8E%8B&status=pending_activation"
    run_wrk "$backend" search-name-community \
        "/customers?q=%E7%8E%8B&community=%E7%BF%A0%E6%B9%96%E8%8A%B1%E5%9B%AD" # 翠湖花园
    run_wrk "$backend" search-name-tag \
        "/customers?q=%E7%8E%8B&tag=%E9%A2%91%E7%B9%81%E6%8A%95%E8%AF%89" # 频繁投诉

    local hwm rss
    hwm=$(rss_kib "$SERVER_PID" VmHWM)
    rss=$(rss_kib "$SERVER_PID" VmRSS)
    SUMMARY+=("$(printf '%-9s %12s %10s %10s %12s %12s' "$backend" "$IMPORT_RATE" \
        "$IMPORT_WALL" "$((rss_idle / 1024))" "$((hwm / 1024))" "$((rss / 1024))")")
    stop_server
    [[ $backend == postgres ]] && drop_pg_db
    return 0
}

print_table() {
    ((${#RESULTS[@]} + ${#SUMMARY[@]} > 0)) || return 0
    echo
    echo "wrk: $THREADS threads x $CONNECTIONS connections x ${RUN_SECONDS}s, $COUNT customers," \
        "clerk session; latency in ms; targets: search >= 2000 req/s & p99 <= 20 ms," \
        "record >= 5000 req/s & p99 <= 10 ms"
    printf '%-9s %10s %8s %8s %8s %8s  %s\n' backend "req/s" p50 p99 non-2xx timeouts endpoint
    printf '%s\n' "${RESULTS[@]}"
    if ((${#JOBS[@]} > 0)); then
        echo
        echo "jobs run while wrk searched (targets at 100k: each <= 15 s, search p99 <= 50 ms meanwhile)"
        printf '%-9s %-10s %8s  %s\n' backend job seconds "last line of its report"
        printf '%s\n' "${JOBS[@]}"
    fi
    echo
    echo "import target >= 50000 rows/s; server RSS target <= 60 MiB (RSS in MiB)"
    printf '%-9s %12s %10s %10s %12s %12s\n' backend "import row/s" "import s" "RSS idle" \
        "RSS peak" "RSS after"
    printf '%s\n' "${SUMMARY[@]}"
    echo
    echo "machine: $(nproc) CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

cleanup() {
    local status=$?
    stop_server
    drop_pg_db
    ((status == 0)) || print_table # what was measured before the failure
    if ((status != 0)) && [[ -n $SERVER_LOG && -s $SERVER_LOG ]]; then
        log "last lines of the server log:"
        tail -n 20 "$SERVER_LOG" >&2 || true
    fi
    if [[ -n $WORK ]]; then
        if [[ ${BENCH_KEEP:-} == 1 ]]; then
            log "kept $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
}

main() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    ensure_tools
    build_release
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/dossier-bench.XXXXXX")
    generate_csv
    local backend
    for backend in $BACKENDS; do
        bench_backend "$backend"
    done
    print_table
    if ((${#FAILURES[@]} > 0)); then
        printf 'FAILED: %s\n' "${FAILURES[@]}" >&2
        exit 1
    fi
}

main "$@"
