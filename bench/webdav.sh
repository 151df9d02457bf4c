#!/usr/bin/env bash
# Benchmark: WebDAV PUT and GET against `rcs serve` and against nginx with its
# dav module (Debian nginx + libnginx-mod-http-dav-ext), both on loopback and
# both started by this script; plus rcs's peak RSS at two file sizes.
#
# Usage:   bash bench/webdav.sh
# Env:     SIZES="256"         file sizes in MiB for the throughput runs
#          RUNS=3              PUTs and GETs per tool and size; the best wall time counts
#          RSS_SIZES="16 1024" file sizes in MiB for rcs's peak RSS (a fresh rcs for each,
#                              RUNS x PUT + GET)
#          KEEP=1              keep the big files in bench/.work/ afterwards
#
# Prints a markdown table (also written to bench/.work/webdav-results.md, for
# docs/benchmarks.md) and PASS/MISS lines for the targets below. Exits 0 whether
# targets are met or not; exits non-zero if a server fails to start, answers a
# request with an unexpected status, or sends back other bytes than were PUT.
#
# Fairness notes:
# - rcs fsyncs every upload before it answers (durability requirement); nginx
#   does not. The dd lines in the report show what an fsync costs on this disk.
# - nginx runs one worker (worker_processes 1): requests go one at a time, and a
#   single connection is served by a single worker whatever their number.
# - both servers get the same curl command, `sync` before every timed request,
#   and the source file is in the page cache.
# - curl keeps its default Expect: 100-continue for the PUTs; if a server did not
#   answer it curl would wait 1 s, which the script detects and reports.
set -euo pipefail
export LC_ALL=C   # "." decimals for printf and awk

# Targets.
readonly TARGET_RATIO=0.8        # rcs throughput >= 0.8 x nginx's, PUT and GET
readonly TARGET_RSS_FLAT_MIB=8   # rcs peak RSS at the largest RSS size <= smallest's + 8 MiB

SIZES=${SIZES:-"256"}
RUNS=${RUNS:-3}
RSS_SIZES=${RSS_SIZES:-"16 1024"}
KEEP=${KEEP:-0}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
WORK="$ROOT/bench/.work"
RESULTS="$WORK/webdav-results.md"
SCRATCH="$WORK/webdav"           # servers' data, nginx's config and logs
RCS="$ROOT/.build/release/rcs"
NGINX=/usr/sbin/nginx
NGINX_DAV_EXT=/usr/lib/nginx/modules/ngx_http_dav_ext_module.so
TIMING="$WORK/webdav-time.out"
CURL_ERR="$WORK/webdav-curl.err"
USER_PASS="admin:bench"

RCS_PID="" RCS_PORT="" RCS_DIR=""
NGINX_PID="" NGINX_PORT=""

# ---------------------------------------------------------------- set-up

check_args() {
    [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
    local s
    for s in $SIZES $RSS_SIZES; do
        [[ $s =~ ^[1-9][0-9]*$ ]] || die "SIZES and RSS_SIZES must be positive integers (MiB), got '$s'"
    done
    [[ -n ${SIZES// /} ]] || die "SIZES is empty"
    [[ -n ${RSS_SIZES// /} ]] || die "RSS_SIZES is empty"
}

# nginx with the dav-ext module, curl and GNU time (for dd), from Debian.
ensure_packages() {
    [[ -x $NGINX && -f $NGINX_DAV_EXT && -x /usr/bin/time ]] && command -v curl > /dev/null && return
    log "installing missing Debian packages: nginx libnginx-mod-http-dav-ext curl time"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y nginx libnginx-mod-http-dav-ext curl time
    [[ -x $NGINX ]] || die "$NGINX missing after the install"
    [[ -f $NGINX_DAV_EXT ]] || die "$NGINX_DAV_EXT missing after the install"
    [[ -x /usr/bin/time ]] || die "/usr/bin/time missing after the install"
    command -v curl > /dev/null || die "curl missing after the install"
}

# Room for MIB x COPIES files plus slack.
check_disk() {
    local mib=$1 copies=$2 need avail
    need=$((mib * copies + 256))
    avail=$(( $(df -Pk "$WORK" | awk 'NR == 2 { print $4 }') / 1024 ))
    (( avail >= need )) ||
        die "$mib MiB run needs ~$need MiB free in $WORK, only $avail MiB available"
}

# A random file of MIB MiB, made once per size.
source_file() {
    local mib=$1 file="$WORK/webdav-src-$1.bin"
    if [[ ! -f $file || $(stat -c %s "$file") -ne $((mib * 1024 * 1024)) ]]; then
        log "$mib MiB: random source file"
        head -c "$((mib * 1024 * 1024))" /dev/urandom > "$file"
    fi
    cat "$file" > /dev/null   # warm page cache, the same for both servers
    printf '%s' "$file"
}

# A TCP port on 127.0.0.1 that nothing answers on, other than $1.

# ---------------------------------------------------------------- servers

# A fresh rcs (new data dir and keystore) with a tenant "bench".
start_rcs() {
    stop_rcs
    RCS_DIR="$SCRATCH/rcs"
    rm -rf "$RCS_DIR"
    mkdir -p "$RCS_DIR"
    RCS_PORT=$(free_port "$NGINX_PORT")
    log "starting rcs on 127.0.0.1:$RCS_PORT"
    RCS_KEYSTORE_PASSWORD=bench RCS_ADMIN_PASSWORD=bench RCS_KDF_ITERATIONS=10000 \
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
    local code
    code=$(curl -s -S -o "$CURL_ERR.body" -w '%{http_code}' -u "$USER_PASS" \
        -H 'Content-Type: application/json' -d '{"name":"bench"}' \
        "http://127.0.0.1:$RCS_PORT/api/v1/tenants")
    [[ $code == 200 || $code == 201 ]] || {
        cat "$CURL_ERR.body" >&2
        die "creating the tenant answered HTTP $code"
    }
    rm -f "$CURL_ERR.body"
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

# rcs's peak resident set so far, in KiB (VmHWM).
rcs_hwm_kib() {
    awk '/^VmHWM:/ { print $2 }' "/proc/$RCS_PID/status"
}
rcs_rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$RCS_PID/status"
}

start_nginx() {
    local dir="$SCRATCH/nginx"
    rm -rf "$dir"
    mkdir -p "$dir/root" "$dir/tmp/body" "$dir/tmp/proxy" "$dir/tmp/fastcgi" "$dir/tmp/uwsgi" "$dir/tmp/scgi"
    NGINX_PORT=$(free_port "$RCS_PORT")
    local user_line=""
    # The master runs as us; as root, workers would drop to nobody without this,
    # and could not write to our directories.
    [[ $(id -u) -eq 0 ]] && user_line="user root;"
    cat > "$dir/nginx.conf" << EOF
load_module $NGINX_DAV_EXT;
$user_line
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $dir/root;
        client_max_body_size 0;
        location / {
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            dav_access user:rw;
            create_full_put_path on;
        }
    }
}
EOF
    log "starting nginx on 127.0.0.1:$NGINX_PORT (worker_processes 1)"
    launch_nginx "$dir"
}

url_for() {   # url_for TOOL NAME
    case $1 in
        rcs) printf 'http://127.0.0.1:%s/webdav/bench/%s' "$RCS_PORT" "$2" ;;
        nginx) printf 'http://127.0.0.1:%s/%s' "$NGINX_PORT" "$2" ;;
    esac
}

# Servers stopped, big files gone unless KEEP=1; the results stay.
cleanup() {
    stop_rcs
    stop_nginx
    rm -f "$TIMING" "$CURL_ERR" "$CURL_ERR.body" "$WORK/webdav-dd.bin"
    [[ $KEEP == 1 ]] && return
    rm -rf "$SCRATCH/rcs/data" "$SCRATCH/nginx/root" "$SCRATCH/nginx/tmp"
    rm -f "$WORK"/webdav-src-*.bin "$WORK"/webdav-get-*.bin
}

# ---------------------------------------------------------------- measuring

# put_once TOOL FILE NAME: PUT FILE as NAME; sets SECS, EXPECT_WAIT (1 when
# curl gave up waiting for 100 Continue) and GOT_100 (1 when the server sent one). Exits the script on a bad answer.
put_once() {
    local tool=$1 file=$2 name=$3 url out code secs uploaded
    url=$(url_for "$tool" "$name")
    sync
    if ! out=$(curl -s -S -v -o /dev/null -u "$USER_PASS" -T "$file" \
            -w '%{http_code} %{time_total} %{size_upload}' "$url" 2> "$CURL_ERR"); then
        tail -n 20 "$CURL_ERR" >&2
        die "$tool PUT $name: curl failed"
    fi
    read -r code secs uploaded <<< "$out"
    [[ $code == 201 || $code == 204 ]] || die "$tool PUT $name: HTTP $code (expected 201 or 204)"
    [[ ${uploaded%.*} -eq $(stat -c %s "$file") ]] || die "$tool PUT $name: curl sent $uploaded bytes"
    EXPECT_WAIT=0 GOT_100=0
    grep -q 'Done waiting for 100-continue' "$CURL_ERR" && EXPECT_WAIT=1
    grep -q '^< HTTP/1\.1 100' "$CURL_ERR" && GOT_100=1
    SECS=$secs
}

# get_once TOOL NAME OUT SIZE: GET NAME into OUT (/dev/null or a file); sets SECS.
get_once() {
    local tool=$1 name=$2 out=$3 size=$4 url res code secs got
    url=$(url_for "$tool" "$name")
    sync
    if ! res=$(curl -s -S -o "$out" -u "$USER_PASS" \
            -w '%{http_code} %{time_total} %{size_download}' "$url" 2> "$CURL_ERR"); then
        cat "$CURL_ERR" >&2
        die "$tool GET $name: curl failed"
    fi
    read -r code secs got <<< "$res"
    [[ $code == 200 ]] || die "$tool GET $name: HTTP $code (expected 200)"
    [[ ${got%.*} -eq $size ]] || die "$tool GET $name: $got bytes, expected $size"
    SECS=$secs
}

# bench_tool TOOL MIB FILE: RUNS PUTs (new names), one GET to a file compared
# with FILE, RUNS GETs to /dev/null. Sets PUT_BEST, PUT_SPREAD, GET_BEST,
# EXPECT_WAITS and CONTINUES (PUTs answered with 100 Continue).
bench_tool() {
    local tool=$1 mib=$2 file=$3 size i name first="" worst="" out
    size=$(stat -c %s "$file")
    PUT_BEST="" EXPECT_WAITS=0 CONTINUES=0
    for ((i = 1; i <= RUNS; i++)); do
        name="bench-$mib-$i.bin"
        put_once "$tool" "$file" "$name"
        log "  $tool PUT $i/$RUNS: $SECS s$( ((EXPECT_WAIT)) && echo ' (curl waited 1 s for 100 Continue)')"
        EXPECT_WAITS=$((EXPECT_WAITS + EXPECT_WAIT)) CONTINUES=$((CONTINUES + GOT_100))
        [[ -z $first ]] && first=$name
        if [[ -z $PUT_BEST ]] || is_less "$SECS" "$PUT_BEST"; then PUT_BEST=$SECS; fi
        if [[ -z $worst ]] || is_less "$worst" "$SECS"; then worst=$SECS; fi
    done
    PUT_SPREAD=$(awk -v w="$worst" -v b="$PUT_BEST" 'BEGIN { printf "%.2f", w - b }')

    out="$WORK/webdav-get-$tool.bin"
    get_once "$tool" "$first" "$out" "$size"
    cmp -s "$file" "$out" || {
        cmp "$file" "$out" >&2 || true
        die "$tool GET $first: the bytes differ from what was PUT"
    }
    rm -f "$out"
    log "  $tool GET to a file: $SECS s, identical to the source"

    GET_BEST=""
    for ((i = 1; i <= RUNS; i++)); do
        get_once "$tool" "$first" /dev/null "$size"
        log "  $tool GET $i/$RUNS: $SECS s"
        if [[ -z $GET_BEST ]] || is_less "$SECS" "$GET_BEST"; then GET_BEST=$SECS; fi
    done
}

# dd_best FILE [CONV]: best wall time of RUNS copies of FILE (page cache) to a new file.
dd_best() {
    local file=$1 conv=${2:-} out="$WORK/webdav-dd.bin" i wall best=""
    for ((i = 1; i <= RUNS; i++)); do
        rm -f "$out"
        sync
        /usr/bin/time -f '%e' -o "$TIMING" dd if="$file" of="$out" bs=1M ${conv:+conv=$conv} status=none ||
            die "dd ${conv:+conv=$conv} failed"
        wall=$(tail -n 1 "$TIMING")
        [[ $wall =~ ^[0-9.]+$ ]] || die "unexpected GNU time output: $(cat "$TIMING")"
        if [[ -z $best ]] || is_less "$wall" "$best"; then best=$wall; fi
    done
    rm -f "$out"
    DD_BEST=$best
}

# ---------------------------------------------------------------- report

machine_info() {
    local cpu rev
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)
    [[ -n $cpu ]] || cpu=$(uname -m)
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)
    [[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no 2> /dev/null) ]] || rev="$rev (dirty tree)"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) CPUs, $cpu; load average $LOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
    echo "- filesystem of bench/.work: $(df -PT "$WORK" | awk 'NR == 2 { print $2 }')"
    echo "- nginx: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //') + libnginx-mod-http-dav-ext $(dpkg-query -W -f '${Version}' libnginx-mod-http-dav-ext 2> /dev/null || echo '?'), worker_processes 1, sendfile on, access_log off"
    echo "- rcs: $rev, swift build -c release"
    echo "- client: $(curl --version | head -n 1 | cut -d' ' -f1-2), one request at a time over 127.0.0.1, Expect: 100-continue left to curl's default"
    echo "- best wall time (curl %{time_total}) of $RUNS PUT(s) (new names) and $RUNS GET(s) to /dev/null; one more GET to a file compared with cmp; \`sync\` before each request"
}

# ---------------------------------------------------------------- main

main() {
    check_args
    ensure_packages
    mkdir -p "$WORK" "$SCRATCH"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    build_rcs

    local rows="" targets="" notes="" ddlines="" rss_rows="" mib file
    local r_100 n_100 r_put r_get n_put n_get r_put_s r_get_s n_put_s n_get_s put_ratio get_ratio hwm
    for mib in $SIZES; do
        check_disk "$mib" $((2 * RUNS + 3))
        file=$(source_file "$mib")

        start_nginx
        log "$mib MiB: nginx"
        bench_tool nginx "$mib" "$file"
        n_put=$PUT_BEST n_get=$GET_BEST n_100=$CONTINUES
        (( EXPECT_WAITS == 0 )) || notes+="- nginx $mib MiB: curl waited 1 s for 100 Continue in $EXPECT_WAITS PUT(s)"$'\n'
        is_less 1.0 "$PUT_SPREAD" && notes+="- nginx $mib MiB: one PUT took $PUT_SPREAD s more than the best"$'\n'
        stop_nginx
        rm -rf "$SCRATCH/nginx/root"

        start_rcs
        log "$mib MiB: rcs"
        bench_tool rcs "$mib" "$file"
        r_put=$PUT_BEST r_get=$GET_BEST r_100=$CONTINUES
        (( EXPECT_WAITS == 0 )) || notes+="- rcs $mib MiB: curl waited 1 s for 100 Continue in $EXPECT_WAITS PUT(s)"$'\n'
        is_less 1.0 "$PUT_SPREAD" && notes+="- rcs $mib MiB: one PUT took $PUT_SPREAD s more than the best"$'\n'
        hwm=$(kib_to_mib "$(rcs_hwm_kib)")
        stop_rcs
        rm -rf "$SCRATCH/rcs/data"

        log "$mib MiB: dd, without and with conv=fsync"
        dd_best "$file"
        ddlines+="- dd $mib MiB from the page cache to a new file, bs=1M: $(printf '%.3f' "$DD_BEST") s ($(mibs "$mib" "$DD_BEST") MiB/s)"$'\n'
        dd_best "$file" fsync
        ddlines+="- the same with conv=fsync: $(printf '%.3f' "$DD_BEST") s ($(mibs "$mib" "$DD_BEST") MiB/s)"$'\n'

        r_put_s=$(mibs "$mib" "$r_put") r_get_s=$(mibs "$mib" "$r_get")
        n_put_s=$(mibs "$mib" "$n_put") n_get_s=$(mibs "$mib" "$n_get")
        put_ratio=$(awk -v r="$r_put" -v n="$n_put" 'BEGIN { if (r > 0) printf "%.2f", n / r; else print "n/a" }')
        get_ratio=$(awk -v r="$r_get" -v n="$n_get" 'BEGIN { if (r > 0) printf "%.2f", n / r; else print "n/a" }')
        rows+="| $mib | PUT | nginx | $(printf '%.3f' "$n_put") | $n_put_s | — | no fsync; 100 Continue in $n_100/$RUNS PUTs |"$'\n'
        rows+="| $mib | PUT | rcs | $(printf '%.3f' "$r_put") | $r_put_s | $put_ratio | fsync before 201; 100 Continue in $r_100/$RUNS PUTs; rcs peak RSS $hwm MiB after all runs |"$'\n'
        rows+="| $mib | GET | nginx | $(printf '%.3f' "$n_get") | $n_get_s | — | sendfile |"$'\n'
        rows+="| $mib | GET | rcs | $(printf '%.3f' "$r_get") | $r_get_s | $get_ratio | |"$'\n'

        local op ratio
        for op in PUT GET; do
            [[ $op == PUT ]] && ratio=$put_ratio || ratio=$get_ratio
            if [[ $ratio != n/a ]] && ! is_less "$ratio" "$TARGET_RATIO"; then
                targets+="PASS $mib MiB $op: rcs/nginx throughput = $ratio (target >= $TARGET_RATIO)"$'\n'
            else
                targets+="MISS $mib MiB $op: rcs/nginx throughput = $ratio (target >= $TARGET_RATIO)"$'\n'
            fi
        done
        [[ $KEEP == 1 ]] || rm -f "$file"   # free the disk before the next size
    done

    # Peak RSS: a fresh rcs per size, RUNS x (PUT, over the same name after the
    # first, then GET) of that size; VmHWM is the peak over all of them.
    local idle peak min_peak="" max_peak="" min_mib="" max_mib="" size i put_s get_s
    for mib in $RSS_SIZES; do
        check_disk "$mib" 4
        file=$(source_file "$mib")
        size=$(stat -c %s "$file")
        start_rcs
        idle=$(rcs_hwm_kib)
        log "RSS $mib MiB: rcs, $RUNS x (PUT + GET)"
        put_s="" get_s=""
        for ((i = 1; i <= RUNS; i++)); do
            put_once rcs "$file" "rss-$mib.bin"
            if [[ -z $put_s ]] || is_less "$SECS" "$put_s"; then put_s=$SECS; fi
            get_once rcs "rss-$mib.bin" /dev/null "$size"
            if [[ -z $get_s ]] || is_less "$SECS" "$get_s"; then get_s=$SECS; fi
            log "  rcs $mib MiB run $i/$RUNS: VmHWM $(kib_to_mib "$(rcs_hwm_kib)") MiB, VmRSS $(kib_to_mib "$(rcs_rss_kib)") MiB"
        done
        peak=$(rcs_hwm_kib)
        log "  rcs $mib MiB: best PUT $put_s s, best GET $get_s s, VmHWM $(kib_to_mib "$idle") MiB after start, $(kib_to_mib "$peak") MiB after the transfers"
        rss_rows+="| $mib | $(kib_to_mib "$idle") | $(kib_to_mib "$peak") | $(printf '%.3f' "$put_s") | $(printf '%.3f' "$get_s") |"$'\n'
        stop_rcs
        rm -rf "$SCRATCH/rcs/data"
        [[ $KEEP == 1 ]] || rm -f "$file"
        if [[ -z $min_mib ]] || (( mib < min_mib )); then min_mib=$mib min_peak=$peak; fi
        if [[ -z $max_mib ]] || (( mib > max_mib )); then max_mib=$mib max_peak=$peak; fi
    done
    if (( min_mib == max_mib )); then
        targets+="MISS RSS flat: only one size in RSS_SIZES ($min_mib MiB), nothing to compare"$'\n'
    else
        local growth
        growth=$(awk -v a="$max_peak" -v b="$min_peak" 'BEGIN { printf "%+.1f", (a - b) / 1024 }')
        if ! is_less "$TARGET_RSS_FLAT_MIB" "$growth"; then
            targets+="PASS RSS flat: rcs peak $(kib_to_mib "$min_peak") MiB at $min_mib MiB, $(kib_to_mib "$max_peak") MiB at $max_mib MiB ($growth MiB, target <= +$TARGET_RSS_FLAT_MIB MiB)"$'\n'
        else
            targets+="MISS RSS flat: rcs peak $(kib_to_mib "$min_peak") MiB at $min_mib MiB, $(kib_to_mib "$max_peak") MiB at $max_mib MiB ($growth MiB, target <= +$TARGET_RSS_FLAT_MIB MiB)"$'\n'
        fi
    fi

    {
        echo "### WebDAV PUT and GET: rcs vs nginx (dav + dav-ext)"
        echo
        machine_info
        echo
        echo "| size MiB | op | server | best wall s | MiB/s | rcs/nginx throughput | note |"
        echo "|---:|---|---|---:|---:|---:|---|"
        printf '%s' "$rows"
        echo
        echo "rcs fsyncs every upload before it answers 201 (a recording must be durable"
        echo "once acknowledged); nginx writes to the page cache and answers. For scale, on this disk:"
        echo
        printf '%s' "$ddlines"
        if [[ -n $notes ]]; then
            echo
            echo "Anomalies:"
            echo
            printf '%s' "$notes"
        fi
        echo
        echo "rcs peak RSS (VmHWM of a fresh \`rcs serve\` after $RUNS x (PUT then GET) of the size; best times):"
        echo
        echo "| file MiB | VmHWM after start MiB | VmHWM after PUT + GET MiB | PUT s | GET s |"
        echo "|---:|---:|---:|---:|---:|"
        printf '%s' "$rss_rows"
        echo
        echo "Targets: rcs throughput >= ${TARGET_RATIO}x nginx's, PUT and GET; rcs peak RSS flat"
        echo "(largest size within +${TARGET_RSS_FLAT_MIB} MiB of the smallest)."
        echo
        echo '```'
        printf '%s' "$targets"
        echo '```'
    } > "$RESULTS"
    publish_results
}

main "$@"
