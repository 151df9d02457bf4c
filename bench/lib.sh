# Helpers shared by the bench scripts (sourced; they set ROOT, RCS and RESULTS first).

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# The release build every benchmark measures.
build_rcs() {
    log "swift build -c release --product rcs"
    (cd "$ROOT" && swift build -c release --product rcs) >&2
    [[ -x $RCS ]] || die "$RCS not found after the build"
}

# A loopback port nobody listens on now (other than $1).
free_port() {
    local port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + RANDOM % 40000))
        [[ $port == "${1:-}" ]] && continue
        if ! (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
            printf '%s' "$port"
            return
        fi
    done
    die "no free loopback port found"
}

# Arithmetic with awk (decimals with "." whatever the locale).
is_less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
mibs() { awk -v m="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", m / s; else print "inf" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Shows the results file and says where it is.
publish_results() {
    echo
    cat "$RESULTS"
    echo
    log "written to ${RESULTS#"$ROOT"/}"
}

# launch_nginx DIR: starts nginx with DIR/nginx.conf (prefix DIR) in the
# background, sets NGINX_PID, and waits until 127.0.0.1:$NGINX_PORT answers.
# Needs NGINX (the binary) and NGINX_PORT.
launch_nginx() {
    local dir=$1
    "$NGINX" -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" ||
        die "nginx -t rejected $dir/nginx.conf (see $dir/error.log)"
    "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" > "$dir/stdout.log" 2>&1 < /dev/null &
    NGINX_PID=$!
    local i
    for ((i = 0; i < 40; i++)); do
        kill -0 "$NGINX_PID" 2> /dev/null || {
            cat "$dir/error.log" >&2 || true
            NGINX_PID=""
            die "nginx exited during start-up (log above)"
        }
        curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && return
        sleep 0.25
    done
    die "nginx did not answer within 10 s (log: $dir/error.log)"
}

# Stops the nginx that launch_nginx started (NGINX_PID), if any.
stop_nginx() {
    [[ -n $NGINX_PID ]] || return 0
    kill -TERM "$NGINX_PID" 2> /dev/null || true
    wait "$NGINX_PID" 2> /dev/null || true
    NGINX_PID=""
}
