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
