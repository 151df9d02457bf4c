#!/usr/bin/env bash
# Benchmark: playback of decrypted recordings (GET /rcs/api/v1/recordings/{id}/audio)
# from `rcs serve` against nginx serving the same recordings' plaintext with
# sendfile off, both on loopback and both started by this script: single-stream
# throughput, 32 concurrent streams (wrk), time to first byte, a Range at the end
# of a big recording against one at its start, and rcs's peak RSS under load.
#
# Usage:   bash bench/playback.sh
# Env:     SMALL=1             quick run: STREAM_MIB=16 and BIG_MIB=64 unless set
#          STREAM_MIB=256      recording for the single-stream throughput
#          BIG_MIB=1024        big recording for time to first byte and the Ranges
#          TINY_MIB=1          small recording for time to first byte
#          CONC_MIB=16         recording the concurrent streams fetch whole
#          CONNECTIONS=32      concurrent streams
#          DURATION=10         seconds of the concurrent run (wrk -d)
#          RUNS=3              single-stream and time-to-first-byte GETs per server; the best counts
#          RANGE_RUNS=5        Range GETs per position and server; the best counts
#          LOADGEN=wrk         wrk, or curl: CONNECTIONS parallel curl loops of CURL_ROUNDS GETs each
#          CURL_ROUNDS=4       GETs per loop with LOADGEN=curl
#          KEEP=1              keep the big files and the servers' directories in bench/.work/
#
# Prints markdown tables (also written to bench/.work/playback-results.md, for
# docs/benchmarks.md) and PASS/MISS lines for the targets below. Exits 0 whether
# targets are met or not; exits non-zero if a server fails to start, answers a
# request with an unexpected status or byte count, sends other bytes than the
# plaintext, or a concurrent stream fails.
#
# Fairness notes:
# - nginx runs one worker (worker_processes 1) with sendfile off, the baseline
#   the issue names; a sendfile-on location is measured too, for information.
# - both servers get the same curl and wrk commands, Authorization header
#   included (nginx ignores it; rcs checks it on every request: admin, bcrypt cost 4).
# - rcs decrypts (AES-256-CBC) and audits every request; nginx copies a file.
# - every recording is played once (compared with cmp) before anything is timed,
#   and its content key is warmed again right before each timed series; the
#   plaintext and the envelopes are in the page cache.
# - timed requests of the two servers alternate, so load from other processes
#   hits both alike; the load average is reported.
set -euo pipefail
export LC_ALL=C   # "." decimals for printf and awk

# Targets.
readonly TARGET_STREAM_RATIO=0.7   # rcs single-stream throughput >= 0.7 x nginx's (sendfile off)
readonly TARGET_TTFB_RATIO=1.5     # rcs time to first byte, big / tiny recording: "about 1", <= 1.5
readonly TARGET_RANGE_RATIO=1.5    # rcs 1 MiB Range at the end / at the start of the big recording

SMALL=${SMALL:-0}
if [[ $SMALL == 1 ]]; then
    STREAM_MIB=${STREAM_MIB:-16}
    BIG_MIB=${BIG_MIB:-64}
else
    STREAM_MIB=${STREAM_MIB:-256}
    BIG_MIB=${BIG_MIB:-1024}
fi
TINY_MIB=${TINY_MIB:-1}
CONC_MIB=${CONC_MIB:-16}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
RANGE_RUNS=${RANGE_RUNS:-5}
LOADGEN=${LOADGEN:-wrk}
CURL_ROUNDS=${CURL_ROUNDS:-4}
KEEP=${KEEP:-0}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
WORK="$ROOT/bench/.work"
RESULTS="$WORK/playback-results.md"
SCRATCH="$WORK/playback"          # plaintext (nginx's root), envelopes, PKI, servers' data and logs
PLAIN_DIR="$SCRATCH/plain"
PKI="$SCRATCH/pki"
RCS="$ROOT/.build/release/rcs"
NGINX=/usr/sbin/nginx
CURL_ERR="$WORK/playback-curl.err"
BODY="$WORK/playback-body.out"
ADMIN_PASSWORD="bench"
USER_PASS="admin:$ADMIN_PASSWORD"
readonly MIB=1048576
readonly RANGE_BYTES=$MIB

RCS_PID="" RCS_PORT="" RCS_DIR=""
NGINX_PID="" NGINX_PORT=""
SAMPLER_PID=""
declare -A REC_ID=()   # MiB -> recording id in rcs's catalog

# ---------------------------------------------------------------- set-up

check_args() {
    local name value
    for name in STREAM_MIB BIG_MIB TINY_MIB CONC_MIB CONNECTIONS DURATION RUNS RANGE_RUNS CURL_ROUNDS; do
        value=${!name}
        [[ $value =~ ^[1-9][0-9]*$ ]] || die "$name must be a positive integer, got '$value'"
    done
    [[ $LOADGEN == wrk || $LOADGEN == curl ]] || die "LOADGEN must be wrk or curl, got '$LOADGEN'"
}

# nginx, curl, openssl, python3 (JSON) and wrk, from Debian. Without wrk, the
# concurrent run falls back to parallel curl loops.
ensure_packages() {
    local sudo="" missing=()
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    [[ -x $NGINX ]] || missing+=(nginx)
    command -v curl > /dev/null || missing+=(curl)
    command -v openssl > /dev/null || missing+=(openssl)
    command -v python3 > /dev/null || missing+=(python3)
    [[ $LOADGEN == wrk ]] && ! command -v wrk > /dev/null && missing+=(wrk)
    if (( ${#missing[@]} )); then
        log "installing missing Debian packages: ${missing[*]}"
        $sudo apt-get update >&2 || true
        $sudo apt-get install -y "${missing[@]}" >&2 || log "WARNING: apt-get install ${missing[*]} failed"
    fi
    [[ -x $NGINX ]] || die "$NGINX missing"
    command -v curl > /dev/null || die "curl missing"
    command -v openssl > /dev/null || die "openssl missing"
    command -v python3 > /dev/null || die "python3 missing"
    if [[ $LOADGEN == wrk ]] && ! command -v wrk > /dev/null; then
        log "WARNING: wrk unavailable: $CONNECTIONS parallel curl loops instead"
        LOADGEN=curl
    fi
}

# The recordings' sizes, each once, smallest first.
all_sizes() {
    printf '%s\n' "$TINY_MIB" "$CONC_MIB" "$STREAM_MIB" "$BIG_MIB" | sort -nu
}

# Room for each recording's plaintext, envelope and rcs's copy, one more copy of
# the biggest (the check of its first play) and slack.
check_disk() {
    local need=256 max=0 mib avail
    for mib in $(all_sizes); do
        need=$((need + 3 * mib))
        (( mib > max )) && max=$mib
    done
    need=$((need + max))
    avail=$(( $(df -Pk "$WORK" | awk 'NR == 2 { print $4 }') / 1024 ))
    (( avail >= need )) ||
        die "this run needs ~$need MiB free in $WORK, only $avail MiB available"
    log "disk: ~$need MiB needed, $avail MiB available in $WORK"
}

# A TCP port on 127.0.0.1 that nothing answers on, other than $1.

# A CA and a recording certificate it issued (RSA-2048), as an admin would get them.
make_pki() {
    log "CA and recording certificate (RSA-2048)"
    rm -rf "$PKI"
    mkdir -p "$PKI"
    (
        cd "$PKI"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj "/CN=Bench CA" -days 30 \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
        openssl req -new -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=Bench Recording"
        openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out leaf.pem
    ) > "$PKI/openssl.log" 2>&1 || {
        cat "$PKI/openssl.log" >&2
        die "openssl could not make the CA or the recording certificate"
    }
}

# ---------------------------------------------------------------- servers

# admin_call WHAT EXPECTED_CODES CURL_ARGS...: an admin API call; exits the
# script, with the request and the response, on another status.
admin_call() {
    local what=$1 codes=$2 code; shift 2
    if ! code=$(curl -s -S -o "$BODY" -w '%{http_code}' -u "$USER_PASS" "$@" 2> "$CURL_ERR"); then
        cat "$CURL_ERR" >&2
        die "$what: curl failed (curl -u admin:*** $*)"
    fi
    if [[ " $codes " != *" $code "* ]]; then
        printf -- '--- request: curl -u admin:*** %s\n--- response: HTTP %s\n' "$*" "$code" >&2
        head -c 2000 "$BODY" >&2 || true
        echo >&2
        die "$what answered HTTP $code (expected $codes)"
    fi
}

# A fresh rcs (new data dir and keystore) that trusts the CA, holds the
# recording certificate and its key, and has a tenant "bench".
start_rcs() {
    RCS_DIR="$SCRATCH/rcs"
    rm -rf "$RCS_DIR"
    mkdir -p "$RCS_DIR"
    RCS_PORT=$(free_port "$NGINX_PORT")
    log "starting rcs on 127.0.0.1:$RCS_PORT"
    RCS_KEYSTORE_PASSWORD=bench RCS_ADMIN_PASSWORD=$ADMIN_PASSWORD RCS_KDF_ITERATIONS=10000 \
        RCS_BCRYPT_COST=4 RCS_MAX_UPLOAD_BYTES=4294967296 \
        "$RCS" serve --port "$RCS_PORT" --data-dir "$RCS_DIR/data" --keystore "$RCS_DIR/keystore" \
        > "$RCS_DIR/rcs.log" 2>&1 < /dev/null &
    RCS_PID=$!
    local i
    for ((i = 0; i < 240; i++)); do
        kill -0 "$RCS_PID" 2> /dev/null || {
            cat "$RCS_DIR/rcs.log" >&2
            RCS_PID=""
            die "rcs exited during start-up (log above)"
        }
        curl -s -o /dev/null "http://127.0.0.1:$RCS_PORT/healthz" && break
        sleep 0.25
    done
    curl -s -f -o /dev/null "http://127.0.0.1:$RCS_PORT/healthz" ||
        die "rcs did not answer /healthz within 60 s (log: $RCS_DIR/rcs.log)"
    local base="http://127.0.0.1:$RCS_PORT/api/v1"
    admin_call "trusting the CA" "200 201" -F "certificate=@$PKI/ca.pem" "$base/trust"
    admin_call "uploading the recording certificate" "200 201" \
        -F "certificate=@$PKI/leaf.pem" -F "key=@$PKI/leaf.key" "$base/certificates"
    admin_call "creating the tenant" "200 201" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$base/tenants"
}

stop_rcs() {
    [[ -n $RCS_PID ]] || return 0
    if kill -0 "$RCS_PID" 2> /dev/null; then
        kill -TERM "$RCS_PID" 2> /dev/null || true
        local i
        for ((i = 0; i < 60; i++)); do
            kill -0 "$RCS_PID" 2> /dev/null || break
            sleep 0.25
        done
        if kill -0 "$RCS_PID" 2> /dev/null; then
            log "WARNING: rcs (pid $RCS_PID) still running 15 s after SIGTERM: SIGKILL"
            kill -KILL "$RCS_PID" 2> /dev/null || true
        fi
    fi
    wait "$RCS_PID" 2> /dev/null || true
    RCS_PID=""
}

rcs_status_kib() {   # rcs_status_kib FIELD (VmRSS, VmHWM)
    awk -v f="$1:" '$1 == f { print $2 }' "/proc/$RCS_PID/status"
}

rcs_alive() {
    kill -0 "$RCS_PID" 2> /dev/null && curl -s -f -o /dev/null --max-time 10 "http://127.0.0.1:$RCS_PORT/healthz"
}

# nginx, one worker, serving PLAIN_DIR with sendfile off at / and with sendfile
# on at /sendfile/.
start_nginx() {
    local dir="$SCRATCH/nginx"
    rm -rf "$dir"
    mkdir -p "$dir/tmp/body" "$dir/tmp/proxy" "$dir/tmp/fastcgi" "$dir/tmp/uwsgi" "$dir/tmp/scgi"
    NGINX_PORT=$(free_port "$RCS_PORT")
    local user_line=""
    # The master runs as us; as root, workers would drop to nobody without this,
    # and might not read our directories.
    [[ $(id -u) -eq 0 ]] && user_line="user root;"
    cat > "$dir/nginx.conf" << EOF
$user_line
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    sendfile off;
    default_type application/octet-stream;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $PLAIN_DIR;
        location / { }
        location /sendfile/ {
            alias $PLAIN_DIR/;
            sendfile on;
        }
    }
}
EOF
    log "starting nginx on 127.0.0.1:$NGINX_PORT (worker_processes 1, sendfile off)"
    launch_nginx "$dir"
}

stop_sampler() {
    [[ -n $SAMPLER_PID ]] || return 0
    touch "$SCRATCH/sampler.stop"
    wait "$SAMPLER_PID" 2> /dev/null || true
    SAMPLER_PID=""
}

url_for() {   # url_for SERVER MIB: rcs (decrypted audio), nginx (sendfile off), nginx-sf (sendfile on)
    case $1 in
        rcs) printf 'http://127.0.0.1:%s/rcs/api/v1/recordings/%s/audio' "$RCS_PORT" "${REC_ID[$2]}" ;;
        nginx) printf 'http://127.0.0.1:%s/rec-%s.bin' "$NGINX_PORT" "$2" ;;
        nginx-sf) printf 'http://127.0.0.1:%s/sendfile/rec-%s.bin' "$NGINX_PORT" "$2" ;;
    esac
}

# Servers stopped, big files gone unless KEEP=1; the results stay.
cleanup() {
    stop_sampler
    stop_rcs
    stop_nginx
    rm -f "$CURL_ERR" "$BODY" "$WORK/playback-check.bin" "$SCRATCH/sampler.stop"
    [[ $KEEP == 1 ]] && return
    rm -rf "$SCRATCH"
}

# ---------------------------------------------------------------- recordings

# make_recording MIB: random plaintext (nginx's file), a streamed envelope of it
# PUT over WebDAV, its catalog id in REC_ID, and a first play compared with the
# plaintext (which verifies and caches the content key).
make_recording() {
    local mib=$1 plain="$PLAIN_DIR/rec-$1.bin" env="$SCRATCH/rec-$1.p7m" name="rec-$1.p7m"
    log "$mib MiB: random plaintext, openssl cms -encrypt -stream, PUT"
    head -c "$((mib * MIB))" /dev/urandom > "$plain"
    openssl cms -encrypt -binary -aes-256-cbc -stream -outform DER -in "$plain" -out "$env" "$PKI/leaf.pem" ||
        die "openssl cms -encrypt failed for $mib MiB"
    admin_call "PUT /webdav/bench/$name" "201 204" -T "$env" "http://127.0.0.1:$RCS_PORT/webdav/bench/$name"
    [[ $KEEP == 1 ]] || rm -f "$env"

    admin_call "the catalog" "200" "http://127.0.0.1:$RCS_PORT/rcs/api/v1/recordings?tenant=bench&per=500"
    local id
    id=$(python3 -c '
import json, sys
items = json.load(open(sys.argv[1]))["items"]
hits = [i for i in items if i["path"].lstrip("/") == sys.argv[2]]
if len(hits) != 1:
    sys.exit(f"{len(hits)} catalog entries for {sys.argv[2]}")
layout = hits[0].get("layout")
if layout != "envelope":
    sys.exit(f"{sys.argv[2]} is catalogued with layout {layout!r}, not envelope")
print(hits[0]["id"])
' "$BODY" "$name") || {
        head -c 2000 "$BODY" >&2
        echo >&2
        die "recording $name not found in GET /rcs/api/v1/recordings?tenant=bench as expected (response above)"
    }
    REC_ID[$mib]=$id

    local out="$WORK/playback-check.bin"
    get_once rcs "$mib" 200 $((mib * MIB)) "" "$out"
    cmp -s "$plain" "$out" || {
        cmp "$plain" "$out" >&2 || true
        die "GET $(url_for rcs "$mib"): the bytes differ from the plaintext"
    }
    rm -f "$out"
    log "  $mib MiB: recording $id, first play ${SECS} s, identical to the plaintext"
    cat "$plain" > /dev/null   # nginx's file in the page cache
}

# ---------------------------------------------------------------- measuring

# get_once SERVER MIB CODE BYTES [RANGE [OUT]]: one GET (with Range: bytes=RANGE
# if given) to OUT (default /dev/null). Sets SECS (time_total), TTFB
# (time_starttransfer) and CRANGE (Content-Range). Exits the script, with the
# request and the response, on another status or byte count.
get_once() {
    local server=$1 mib=$2 want_code=$3 want_bytes=$4 range=${5:-} out=${6:-/dev/null} url res code got
    local args=(-s -S -u "$USER_PASS")
    [[ -n $range ]] && args+=(-H "Range: bytes=$range")
    url=$(url_for "$server" "$mib")
    if ! res=$(curl "${args[@]}" -o "$out" \
            -w '%{http_code} %{time_total} %{time_starttransfer} %{size_download} %header{content-range}' \
            "$url" 2> "$CURL_ERR"); then
        cat "$CURL_ERR" >&2
        die "$server GET $url${range:+ (Range: bytes=$range)}: curl failed"
    fi
    read -r code SECS TTFB got CRANGE <<< "$res"
    if [[ $code != "$want_code" || ${got%.*} -ne $want_bytes ]]; then
        {
            printf -- '--- request: curl -u admin:*** %s%s\n' "${range:+-H 'Range: bytes=$range' }" "$url"
            printf -- '--- response: HTTP %s, %s bytes (expected HTTP %s, %s bytes); again, headers and the start of the body:\n' \
                "$code" "$got" "$want_code" "$want_bytes"
            curl "${args[@]}" -i "$url" 2>&1 | head -c 1500 | cat -v
            echo
        } >&2
        die "$server GET $url${range:+ (Range: bytes=$range)}: HTTP $code, $got bytes; expected HTTP $want_code, $want_bytes bytes"
    fi
}

# warm MIB: a 16-byte Range of the recording, so the content key is cached
# (it is kept a few minutes) before a timed series.
warm() {
    get_once rcs "$1" 206 16 0-15
    get_once nginx "$1" 206 16 0-15
}

ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
meets_min() { [[ $1 != n/a ]] && ! is_less "$1" "$2"; }   # meets_min VALUE TARGET: VALUE >= TARGET
meets_max() { [[ $1 != n/a ]] && ! is_less "$2" "$1"; }   # meets_max VALUE TARGET: VALUE <= TARGET

# series SERVERS MIB CODE BYTES RANGE N: N rounds, each one GET per server
# (alternating); per server sets BEST_T/WORST_T (time_total) and
# BEST_F/WORST_F (time to first byte), as associative arrays.
declare -A BEST_T=() WORST_T=() BEST_F=() WORST_F=()
series() {
    local servers=$1 mib=$2 code=$3 bytes=$4 range=$5 n=$6 i s
    for s in $servers; do BEST_T[$s]="" WORST_T[$s]="" BEST_F[$s]="" WORST_F[$s]=""; done
    for ((i = 1; i <= n; i++)); do
        for s in $servers; do
            get_once "$s" "$mib" "$code" "$bytes" "$range"
            if [[ $code == 206 && $CRANGE != "bytes $range/$((mib * MIB))" ]]; then
                die "$s GET $(url_for "$s" "$mib") Range: bytes=$range: Content-Range '$CRANGE', expected 'bytes $range/$((mib * MIB))'"
            fi
            log "  $s $i/$n: total $SECS s, first byte $TTFB s"
            if [[ -z ${BEST_T[$s]} ]] || is_less "$SECS" "${BEST_T[$s]}"; then BEST_T[$s]=$SECS; fi
            if [[ -z ${WORST_T[$s]} ]] || is_less "${WORST_T[$s]}" "$SECS"; then WORST_T[$s]=$SECS; fi
            if [[ -z ${BEST_F[$s]} ]] || is_less "$TTFB" "${BEST_F[$s]}"; then BEST_F[$s]=$TTFB; fi
            if [[ -z ${WORST_F[$s]} ]] || is_less "${WORST_F[$s]}" "$TTFB"; then WORST_F[$s]=$TTFB; fi
        done
    done
}

# spread_note WHAT BEST WORST: an anomaly line when the worst run took more than
# 1.5x the best (and at least 5 ms more).
spread_note() {
    awk -v b="$2" -v w="$3" 'BEGIN { exit !(w > 1.5 * b && w - b >= 0.005) }' &&
        NOTES+="- $1: runs spread from $(ms "$2") ms to $(ms "$3") ms"$'\n'
    return 0
}

# check_range SERVER MIB RANGE: that Range's body equals the plaintext's bytes.
check_range() {
    local server=$1 mib=$2 range=$3 out="$WORK/playback-check.bin" start
    start=${range%-*}
    get_once "$server" "$mib" 206 "$RANGE_BYTES" "$range" "$out"
    cmp -s "$out" <(tail -c +"$((start + 1))" "$PLAIN_DIR/rec-$mib.bin" | head -c "$RANGE_BYTES") ||
        die "$server GET $(url_for "$server" "$mib") Range: bytes=$range: the bytes differ from the plaintext's"
    rm -f "$out"
}

# rss_sampler PID OUT: VmRSS (KiB) of PID every 50 ms into OUT, until the stop file appears.
rss_sampler() {
    local pid=$1 out=$2 stop="$SCRATCH/sampler.stop" key value rest
    rm -f "$stop"
    : > "$out"
    (
        while [[ ! -e $stop ]]; do
            while read -r key value rest; do
                [[ $key == VmRSS: ]] && { printf '%s\n' "$value"; break; }
            done < "/proc/$pid/status" 2> /dev/null || break
            sleep 0.05
        done >> "$out"
    ) &
    SAMPLER_PID=$!
}

# load SERVER: CONNECTIONS concurrent streams of the CONC_MIB recording for
# DURATION s (wrk), or CONNECTIONS loops of CURL_ROUNDS GETs (curl). Sets
# L_REQS, L_BYTES, L_SECS, L_ERRS (text), L_NERR, L_LAT_MEAN, L_LAT_MAX (s).
load() {
    local server=$1 url size=$((CONC_MIB * MIB)) auth
    url=$(url_for "$server" "$CONC_MIB")
    auth="Authorization: Basic $(printf '%s' "$USER_PASS" | base64)"
    if [[ $LOADGEN == wrk ]]; then
        local lua="$SCRATCH/wrk-done.lua" out="$SCRATCH/wrk-$server.out" line
        cat > "$lua" << 'EOF'
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("RESULT %d %d %d %d %d %d %d %d %.0f %.0f\n", summary.requests, summary.bytes,
        summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency.mean, latency.max))
end
EOF
        log "  wrk -t2 -c$CONNECTIONS -d${DURATION}s --timeout 60s $url"
        wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 60s -H "$auth" -s "$lua" "$url" > "$out" 2>&1 || {
            cat "$out" >&2
            die "wrk against $server failed"
        }
        sed 's/^/    /' "$out" >&2
        line=$(grep '^RESULT ' "$out" | tail -n 1) || die "no RESULT line in wrk's output ($out)"
        local _ dur c r w st t mean max
        read -r _ L_REQS L_BYTES dur c r w st t mean max <<< "$line"
        L_SECS=$(awk -v d="$dur" 'BEGIN { printf "%.3f", d / 1e6 }')
        L_NERR=$((c + r + w + st + t))
        L_ERRS="connect $c, read $r, write $w, timeout $t, status >= 400: $st"
        L_LAT_MEAN=$(awk -v u="$mean" 'BEGIN { printf "%.3f", u / 1e6 }')
        L_LAT_MAX=$(awk -v u="$max" 'BEGIN { printf "%.3f", u / 1e6 }')
        (( L_REQS > 0 )) || die "wrk against $server completed no request"
        # Bytes read include headers and the streams cut off at the end of the run.
        (( L_BYTES >= L_REQS * size )) || {
            L_NERR=$((L_NERR + 1))
            L_ERRS+=", short: $L_BYTES bytes read for $L_REQS responses of $size bytes"
        }
    else
        local dir="$SCRATCH/curl-load" i j t0 t1
        rm -rf "$dir"
        mkdir -p "$dir"
        log "  $CONNECTIONS parallel curl loops x $CURL_ROUNDS GETs of $url"
        local pids=()
        t0=$(date +%s.%N)
        for ((i = 0; i < CONNECTIONS; i++)); do
            (
                for ((j = 0; j < CURL_ROUNDS; j++)); do
                    curl -s -S -o /dev/null -H "$auth" -w '%{http_code} %{size_download} %{time_total}\n' "$url" ||
                        echo "curl-failed 0 0"
                done > "$dir/$i.out" 2> "$dir/$i.err"
            ) &
            pids+=($!)
        done
        for i in "${pids[@]}"; do wait "$i" || true; done
        t1=$(date +%s.%N)
        L_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        read -r L_REQS L_BYTES L_NERR L_LAT_MEAN L_LAT_MAX < <(cat "$dir"/*.out | awk -v s="$size" '
            { n++; if ($1 == 200 && $2 == s) { ok++; bytes += $2 } else bad++; sum += $3; if ($3 > max) max = $3 }
            END { printf "%d %d %d %.3f %.3f\n", ok, bytes, bad, (n ? sum / n : 0), max }')
        L_ERRS="$L_NERR of $((CONNECTIONS * CURL_ROUNDS)) GETs failed or came back short"
        (( L_NERR == 0 )) || { head -n 20 "$dir"/*.err >&2 || true; }
        (( L_REQS > 0 )) || die "no GET against $server succeeded"
    fi
}

# ---------------------------------------------------------------- report

machine_info() {
    local cpu rev
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)
    [[ -n $cpu ]] || cpu=$(uname -m)
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)
    [[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no 2> /dev/null) ]] || rev="$rev (dirty tree)"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) CPUs, $cpu; load average $LOAD_START at start, $LOAD_CONC before the concurrent runs, $(cut -d' ' -f1-3 /proc/loadavg) at end"
    echo "- nginx: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), worker_processes 1, sendfile off (a sendfile-on location for information), access_log off, serving the plaintext"
    echo "- rcs: $rev, swift build -c release; recordings: random bytes, openssl cms -encrypt -aes-256-cbc -binary -stream -outform DER, RSA-2048 recipient, PUT over WebDAV"
    echo "- client: $(curl --version | head -n 1 | cut -d' ' -f1-2) over 127.0.0.1, HTTP Basic (admin) on every request to both servers; timed GETs of the two servers alternate"
    if [[ $LOADGEN == wrk ]]; then
        echo "- concurrent: $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), -t2 -c$CONNECTIONS -d${DURATION}s --timeout 60s, whole $CONC_MIB MiB recording per request"
    else
        echo "- concurrent: $CONNECTIONS parallel curl loops of $CURL_ROUNDS GETs each (wrk unavailable or LOADGEN=curl), whole $CONC_MIB MiB recording per request"
    fi
}

# ---------------------------------------------------------------- main

main() {
    check_args
    ensure_packages
    mkdir -p "$WORK"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    build_rcs
    rm -rf "$SCRATCH"
    mkdir -p "$SCRATCH" "$PLAIN_DIR"
    check_disk
    make_pki
    start_rcs
    start_nginx

    local mib
    for mib in $(all_sizes); do
        make_recording "$mib"
    done

    NOTES=""
    local rows="" targets="" total

    # Single stream: the whole STREAM_MIB recording.
    log "single stream, $STREAM_MIB MiB: $RUNS round(s) of nginx (sendfile off), nginx (sendfile on), rcs"
    total=$((STREAM_MIB * MIB))
    warm "$STREAM_MIB"
    series "nginx nginx-sf rcs" "$STREAM_MIB" 200 "$total" "" "$RUNS"
    local s_ratio sf_ratio
    s_ratio=$(ratio "${BEST_T[nginx]}" "${BEST_T[rcs]}")
    sf_ratio=$(ratio "${BEST_T[nginx-sf]}" "${BEST_T[rcs]}")
    rows+="| whole $STREAM_MIB MiB, one stream | nginx, sendfile off | $(printf '%.4f' "${BEST_T[nginx]}") | $(printf '%.4f' "${WORST_T[nginx]}") | $(mibs "$STREAM_MIB" "${BEST_T[nginx]}") | — | baseline |"$'\n'
    rows+="| whole $STREAM_MIB MiB, one stream | nginx, sendfile on | $(printf '%.4f' "${BEST_T[nginx-sf]}") | $(printf '%.4f' "${WORST_T[nginx-sf]}") | $(mibs "$STREAM_MIB" "${BEST_T[nginx-sf]}") | — | for information; rcs/this = $sf_ratio |"$'\n'
    rows+="| whole $STREAM_MIB MiB, one stream | rcs | $(printf '%.4f' "${BEST_T[rcs]}") | $(printf '%.4f' "${WORST_T[rcs]}") | $(mibs "$STREAM_MIB" "${BEST_T[rcs]}") | **$s_ratio** | throughput rcs/nginx (sendfile off) |"$'\n'
    spread_note "rcs, whole $STREAM_MIB MiB" "${BEST_T[rcs]}" "${WORST_T[rcs]}"
    spread_note "nginx, whole $STREAM_MIB MiB" "${BEST_T[nginx]}" "${WORST_T[nginx]}"
    if meets_min "$s_ratio" "$TARGET_STREAM_RATIO"; then
        targets+="PASS single stream $STREAM_MIB MiB: rcs/nginx (sendfile off) throughput = $s_ratio (target >= $TARGET_STREAM_RATIO)"$'\n'
    else
        targets+="MISS single stream $STREAM_MIB MiB: rcs/nginx (sendfile off) throughput = $s_ratio (target >= $TARGET_STREAM_RATIO)"$'\n'
    fi

    # Time to first byte: whole GETs of the tiny and the big recording.
    local tiny_f big_f tiny_nf big_nf f_ratio
    for mib in "$TINY_MIB" "$BIG_MIB"; do
        log "time to first byte, $mib MiB: $RUNS round(s) of nginx, rcs"
        warm "$mib"
        series "nginx rcs" "$mib" 200 $((mib * MIB)) "" "$RUNS"
        rows+="| first byte, whole $mib MiB | nginx, sendfile off | $(printf '%.5f' "${BEST_F[nginx]}") | $(printf '%.5f' "${WORST_F[nginx]}") | — | — | whole GET best $(printf '%.4f' "${BEST_T[nginx]}") s ($(mibs "$mib" "${BEST_T[nginx]}") MiB/s) |"$'\n'
        rows+="| first byte, whole $mib MiB | rcs | $(printf '%.5f' "${BEST_F[rcs]}") | $(printf '%.5f' "${WORST_F[rcs]}") | — | — | whole GET best $(printf '%.4f' "${BEST_T[rcs]}") s ($(mibs "$mib" "${BEST_T[rcs]}") MiB/s, $(ratio "${BEST_T[nginx]}" "${BEST_T[rcs]}")x nginx) |"$'\n'
        spread_note "rcs, first byte of $mib MiB" "${BEST_F[rcs]}" "${WORST_F[rcs]}"
        if [[ $mib == "$TINY_MIB" ]]; then tiny_f=${BEST_F[rcs]} tiny_nf=${BEST_F[nginx]}; else big_f=${BEST_F[rcs]} big_nf=${BEST_F[nginx]}; fi
    done
    f_ratio=$(ratio "$big_f" "$tiny_f")
    rows+="| first byte, $BIG_MIB MiB / $TINY_MIB MiB | rcs | | | | **$f_ratio** | nginx: $(ratio "$big_nf" "$tiny_nf") |"$'\n'
    if meets_max "$f_ratio" "$TARGET_TTFB_RATIO"; then
        targets+="PASS first byte: rcs $BIG_MIB MiB / $TINY_MIB MiB = $f_ratio ($(ms "$big_f") ms / $(ms "$tiny_f") ms; target about 1, <= $TARGET_TTFB_RATIO)"$'\n'
    else
        targets+="MISS first byte: rcs $BIG_MIB MiB / $TINY_MIB MiB = $f_ratio ($(ms "$big_f") ms / $(ms "$tiny_f") ms; target about 1, <= $TARGET_TTFB_RATIO)"$'\n'
    fi

    # A 1 MiB Range at the start and at the end of the big recording.
    local big=$((BIG_MIB * MIB)) r_start r_end s_best e_best ns_best ne_best rr_ratio
    r_start="0-$((RANGE_BYTES - 1))"
    r_end="$((big - RANGE_BYTES))-$((big - 1))"
    log "Ranges of $BIG_MIB MiB: bytes=$r_start and bytes=$r_end, checked against the plaintext, then $RANGE_RUNS round(s) each"
    warm "$BIG_MIB"
    check_range rcs "$BIG_MIB" "$r_start"
    check_range rcs "$BIG_MIB" "$r_end"
    series "nginx rcs" "$BIG_MIB" 206 "$RANGE_BYTES" "$r_start" "$RANGE_RUNS"
    s_best=${BEST_T[rcs]} ns_best=${BEST_T[nginx]}
    rows+="| 1 MiB Range at the start of $BIG_MIB MiB | nginx, sendfile off | $(printf '%.5f' "${BEST_T[nginx]}") | $(printf '%.5f' "${WORST_T[nginx]}") | $(mibs 1 "${BEST_T[nginx]}") | — | bytes=$r_start |"$'\n'
    rows+="| 1 MiB Range at the start of $BIG_MIB MiB | rcs | $(printf '%.5f' "${BEST_T[rcs]}") | $(printf '%.5f' "${WORST_T[rcs]}") | $(mibs 1 "${BEST_T[rcs]}") | — | bytes=$r_start |"$'\n'
    spread_note "rcs, Range at the start of $BIG_MIB MiB" "${BEST_T[rcs]}" "${WORST_T[rcs]}"
    series "nginx rcs" "$BIG_MIB" 206 "$RANGE_BYTES" "$r_end" "$RANGE_RUNS"
    e_best=${BEST_T[rcs]} ne_best=${BEST_T[nginx]}
    rr_ratio=$(ratio "$e_best" "$s_best")
    rows+="| 1 MiB Range at the end of $BIG_MIB MiB | nginx, sendfile off | $(printf '%.5f' "${BEST_T[nginx]}") | $(printf '%.5f' "${WORST_T[nginx]}") | $(mibs 1 "${BEST_T[nginx]}") | — | bytes=$r_end; end/start $(ratio "$ne_best" "$ns_best") |"$'\n'
    rows+="| 1 MiB Range at the end of $BIG_MIB MiB | rcs | $(printf '%.5f' "${BEST_T[rcs]}") | $(printf '%.5f' "${WORST_T[rcs]}") | $(mibs 1 "${BEST_T[rcs]}") | **$rr_ratio** | end/start; bytes=$r_end |"$'\n'
    spread_note "rcs, Range at the end of $BIG_MIB MiB" "${BEST_T[rcs]}" "${WORST_T[rcs]}"
    if meets_max "$rr_ratio" "$TARGET_RANGE_RATIO"; then
        targets+="PASS Range: rcs end/start of $BIG_MIB MiB = $rr_ratio ($(ms "$e_best") ms / $(ms "$s_best") ms; target <= $TARGET_RANGE_RATIO)"$'\n'
    else
        targets+="MISS Range: rcs end/start of $BIG_MIB MiB = $rr_ratio ($(ms "$e_best") ms / $(ms "$s_best") ms; target <= $TARGET_RANGE_RATIO)"$'\n'
    fi

    # Concurrent streams: nginx, then rcs with its RSS sampled every 50 ms.
    LOAD_CONC=$(cut -d' ' -f1-3 /proc/loadavg)
    local conc_rows="" n_reqs n_secs n_mibs r_mibs c_ratio rss_before hwm_reset=0 peak samples hwm errors_before errors_after
    warm "$CONC_MIB"
    log "$CONNECTIONS concurrent streams, $CONC_MIB MiB: nginx"
    load nginx
    n_reqs=$L_REQS n_secs=$L_SECS
    n_mibs=$(awk -v n="$L_REQS" -v m="$CONC_MIB" -v s="$L_SECS" 'BEGIN { printf "%.0f", n * m / s }')
    conc_rows+="| nginx, sendfile off | $L_REQS | $L_SECS | $(awk -v n="$L_REQS" -v s="$L_SECS" 'BEGIN { printf "%.1f", n / s }') | $n_mibs | $(awk -v b="$L_BYTES" -v s="$L_SECS" 'BEGIN { printf "%.0f", b / 1048576 / s }') | $L_LAT_MEAN | $L_LAT_MAX | $L_NERR | — |"$'\n'
    (( L_NERR == 0 )) || NOTES+="- nginx, $CONNECTIONS streams: $L_ERRS"$'\n'

    log "$CONNECTIONS concurrent streams, $CONC_MIB MiB: rcs"
    warm "$CONC_MIB"
    rss_before=$(rcs_status_kib VmRSS)
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    { echo 5 > "/proc/$RCS_PID/clear_refs"; } 2> /dev/null && hwm_reset=1
    errors_before=$(grep -c '\[ ERROR \]' "$RCS_DIR/rcs.log" || true)
    rss_sampler "$RCS_PID" "$SCRATCH/rss-samples.txt"
    load rcs
    stop_sampler
    hwm=$(rcs_status_kib VmHWM)
    rcs_alive || die "rcs does not answer /healthz after the concurrent run (log: $RCS_DIR/rcs.log)"
    errors_after=$(grep -c '\[ ERROR \]' "$RCS_DIR/rcs.log" || true)
    peak=$(sort -n "$SCRATCH/rss-samples.txt" | tail -n 1)
    samples=$(wc -l < "$SCRATCH/rss-samples.txt")
    [[ -n $peak ]] || die "no RSS sample of rcs during the concurrent run"
    r_mibs=$(awk -v n="$L_REQS" -v m="$CONC_MIB" -v s="$L_SECS" 'BEGIN { printf "%.0f", n * m / s }')
    c_ratio=$(ratio "$r_mibs" "$n_mibs")
    conc_rows+="| rcs | $L_REQS | $L_SECS | $(awk -v n="$L_REQS" -v s="$L_SECS" 'BEGIN { printf "%.1f", n / s }') | $r_mibs | $(awk -v b="$L_BYTES" -v s="$L_SECS" 'BEGIN { printf "%.0f", b / 1048576 / s }') | $L_LAT_MEAN | $L_LAT_MAX | $L_NERR | **$c_ratio** |"$'\n'
    (( errors_after == errors_before )) ||
        NOTES+="- rcs logged $((errors_after - errors_before)) ERROR line(s) during the concurrent run (see ${RCS_DIR#"$ROOT"/}/rcs.log with KEEP=1)"$'\n'
    if (( L_NERR == 0 )); then
        targets+="PASS $CONNECTIONS streams: rcs served $L_REQS whole $CONC_MIB MiB recordings without an error; aggregate rcs/nginx = $c_ratio (no target)"$'\n'
    else
        NOTES+="- rcs, $CONNECTIONS streams: $L_ERRS"$'\n'
        targets+="MISS $CONNECTIONS streams: rcs errors: $L_ERRS; aggregate rcs/nginx = $c_ratio"$'\n'
    fi
    local hwm_text
    if (( hwm_reset )); then hwm_text="VmHWM $(kib_to_mib "$hwm") MiB (reset to the current RSS just before the run)"
    else hwm_text="VmHWM $(kib_to_mib "$hwm") MiB (since start: clear_refs could not reset it)"; fi

    {
        echo "### Playback: rcs (decrypting) vs nginx (plaintext, sendfile off)"
        echo
        machine_info
        echo
        echo "| test | server | best s | worst s | MiB/s (best) | ratio | note |"
        echo "|---|---|---:|---:|---:|---:|---|"
        printf '%s' "$rows"
        echo
        echo "Single stream: $RUNS GET(s) per server; first byte: curl %{time_starttransfer} of $RUNS whole GET(s); Ranges: $RANGE_RUNS GET(s) per position (206, 1048576 bytes and Content-Range checked, bodies compared with the plaintext once)."
        echo
        echo "$CONNECTIONS concurrent streams of the whole $CONC_MIB MiB recording:"
        echo
        echo "| server | requests | s | requests/s | MiB/s (whole bodies) | MiB/s read | mean latency s | max latency s | errors | rcs/nginx |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        printf '%s' "$conc_rows"
        echo
        echo "rcs memory during the $CONNECTIONS-stream run: VmRSS $(kib_to_mib "$rss_before") MiB before, peak $(kib_to_mib "$peak") MiB ($samples samples, every 50 ms), $hwm_text."
        if [[ -n $NOTES ]]; then
            echo
            echo "Anomalies:"
            echo
            printf '%s' "$NOTES"
        fi
        echo
        echo "Targets: rcs single-stream throughput >= ${TARGET_STREAM_RATIO}x nginx's (sendfile off); $CONNECTIONS streams"
        echo "without errors; time to first byte of $BIG_MIB MiB / $TINY_MIB MiB about 1 (<= $TARGET_TTFB_RATIO); a 1 MiB Range at the end"
        echo "of $BIG_MIB MiB <= ${TARGET_RANGE_RATIO}x one at its start."
        echo
        echo '```'
        printf '%s' "$targets"
        echo '```'
    } > "$RESULTS"
    publish_results
}

main "$@"
