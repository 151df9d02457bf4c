#!/usr/bin/env bash
# Benchmark: `rcs decrypt` against `openssl cms -decrypt` on streamed
# (indefinite-length) AES-256-CBC CMS envelopes.
#
# Usage:   bash bench/decrypt.sh
# Env:     SIZES="256 1024"  plaintext sizes in MiB
#          RUNS=3            runs per tool and size; the best wall time counts
#          KEEP=1            keep the big files in bench/.work/ afterwards
#
# Prints a markdown table (also written to bench/.work/decrypt-results.md, for
# docs/benchmarks.md) and PASS/MISS lines for the targets below. Exits 0 whether
# targets are met or not; exits non-zero if a tool fails or its output differs
# from the plaintext.
set -euo pipefail
export LC_ALL=C   # "." decimals for printf and awk

# Targets.
readonly TARGET_TIME_RATIO=0.5   # rcs wall time <= 0.5 x openssl's
readonly TARGET_RSS_MIB=32       # rcs peak RSS <= 32 MiB at every size

SIZES=${SIZES:-"256 1024"}
RUNS=${RUNS:-3}
KEEP=${KEEP:-0}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
WORK="$ROOT/bench/.work"
RESULTS="$WORK/decrypt-results.md"
RCS="$ROOT/.build/release/rcs"
KEY="$WORK/key.pem"
CERT="$WORK/cert.pem"
TIMING="$WORK/time.out"
ERRLOG="$WORK/stderr.out"


# ---------------------------------------------------------------- set-up

check_args() {
    [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
    local s
    for s in $SIZES; do
        [[ $s =~ ^[1-9][0-9]*$ ]] || die "SIZES must be positive integers (MiB), got '$s'"
    done
    [[ -n ${SIZES// /} ]] || die "SIZES is empty"
}

# /usr/bin/time (GNU time) gives wall time and peak RSS; bash's builtin does not.
ensure_gnu_time() {
    [[ -x /usr/bin/time ]] && return
    log "/usr/bin/time missing: installing the Debian package 'time'"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get install -y time || { $sudo apt-get update && $sudo apt-get install -y time; }
    [[ -x /usr/bin/time ]] || die "could not install /usr/bin/time"
}

make_key_and_cert() {
    log "RSA-2048 key and self-signed certificate"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 1 \
        -subj "/CN=rcs decrypt benchmark" \
        -keyout "$KEY" -out "$CERT" 2>/dev/null
}

# Room for the plaintext, the envelope and the outputs (~4x the size) plus slack.
check_disk() {
    local mib=$1 need avail
    need=$((mib * 4 + 256))
    avail=$(( $(df -Pk "$WORK" | awk 'NR == 2 { print $4 }') / 1024 ))
    (( avail >= need )) ||
        die "$mib MiB run needs ~$need MiB free in $WORK, only $avail MiB available"
}

# Plaintext and the streamed (indefinite-length BER) envelope for one size.
make_inputs() {
    local mib=$1 plain=$2 env=$3
    log "$mib MiB: random plaintext"
    head -c "$((mib * 1024 * 1024))" /dev/urandom > "$plain"
    log "$mib MiB: openssl cms -encrypt -stream"
    openssl cms -encrypt -aes-256-cbc -binary -stream -outform DER \
        -in "$plain" -out "$env" "$CERT"
}

# Big files go unless KEEP=1; the key, certificate and results stay.
cleanup() {
    [[ $KEEP == 1 ]] && return
    # .out-*.rcs-*: temporaries rcs leaves behind if it dies before committing.
    rm -f "$WORK"/plain-*.bin "$WORK"/env-*.der "$WORK"/out-*.bin "$WORK"/.out-*.rcs-* \
        "$TIMING" "$ERRLOG"
}

# ---------------------------------------------------------------- measuring

# measure OUT PLAIN CMD...: run CMD once under GNU time, check that OUT equals
# PLAIN, delete OUT; sets WALL (s) and RSS (KiB). Exits the script on failure.
measure() {
    local out=$1 plain=$2; shift 2
    rm -f "$out"
    if ! /usr/bin/time -f '%e %M' -o "$TIMING" "$@" 2> "$ERRLOG"; then
        {
            printf 'FAILED: %s\n' "$*"
            printf -- '--- stderr:\n'; cat "$ERRLOG"
            printf -- '--- time:\n'; cat "$TIMING"
        } >&2
        exit 1
    fi
    if ! cmp -s "$plain" "$out"; then
        printf 'WRONG OUTPUT (differs from the plaintext): %s\n' "$*" >&2
        ls -l "$plain" "$out" >&2 || true
        cmp "$plain" "$out" >&2 || true
        exit 1
    fi
    rm -f "$out"
    # GNU time may prefix a status line; ours is the last one.
    read -r WALL RSS < <(tail -n 1 "$TIMING")
    [[ $WALL =~ ^[0-9.]+$ && $RSS =~ ^[0-9]+$ ]] || die "unexpected GNU time output: $(cat "$TIMING")"
}

# bench_tool NAME OUT PLAIN CMD...: RUNS runs; sets BEST (s) and PEAK (KiB).
bench_tool() {
    local name=$1 out=$2 plain=$3; shift 3
    local i
    BEST="" PEAK=0
    for ((i = 1; i <= RUNS; i++)); do
        measure "$out" "$plain" "$@"
        log "  $name run $i/$RUNS: ${WALL} s, $((RSS / 1024)) MiB"
        if [[ -z $BEST ]] || awk -v a="$WALL" -v b="$BEST" 'BEGIN { exit !(a < b) }'; then
            BEST=$WALL
        fi
        if (( RSS > PEAK )); then PEAK=$RSS; fi
    done
}

# ---------------------------------------------------------------- report

machine_info() {
    local cpu
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
    [[ -n $cpu ]] || cpu=$(uname -m)
    local rev
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] || rev="$rev (dirty tree)"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) CPUs, $cpu; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- openssl: $(openssl version)"
    echo "- rcs: $rev, swift build -c release"
    echo "- envelopes: openssl cms -encrypt -aes-256-cbc -binary -stream -outform DER, RSA-2048 recipient"
    echo "- best wall time of $RUNS run(s); peak RSS is the highest of those runs (GNU time %M)"
}

# ---------------------------------------------------------------- main

main() {
    check_args
    ensure_gnu_time
    mkdir -p "$WORK"
    trap cleanup EXIT
    build_rcs
    make_key_and_cert

    local rows="" targets="" mib plain env
    local o_wall o_rss r_wall r_rss ratio r_rss_mib
    for mib in $SIZES; do
        plain="$WORK/plain-$mib.bin"
        env="$WORK/env-$mib.der"
        check_disk "$mib"
        make_inputs "$mib" "$plain" "$env"
        cat "$env" > /dev/null   # same warm page cache for both tools

        log "$mib MiB: openssl cms -decrypt"
        bench_tool openssl "$WORK/out-openssl.bin" "$plain" \
            openssl cms -decrypt -binary -inform DER -in "$env" -inkey "$KEY" \
            -out "$WORK/out-openssl.bin"
        o_wall=$BEST o_rss=$PEAK
        log "$mib MiB: rcs decrypt"
        bench_tool rcs "$WORK/out-rcs.bin" "$plain" \
            "$RCS" decrypt --key "$KEY" --cert "$CERT" "$env" "$WORK/out-rcs.bin"
        r_wall=$BEST r_rss=$PEAK

        ratio=$(awk -v r="$r_wall" -v o="$o_wall" 'BEGIN { if (o > 0) printf "%.2f", r / o; else print "n/a" }')
        r_rss_mib=$(awk -v k="$r_rss" 'BEGIN { printf "%.1f", k / 1024 }')
        rows+=$(printf '| %s | openssl | %.2f | %.1f | — |' "$mib" "$o_wall" "$(awk -v k="$o_rss" 'BEGIN { print k / 1024 }')")$'\n'
        rows+=$(printf '| %s | rcs | %.2f | %s | %s |' "$mib" "$r_wall" "$r_rss_mib" "$ratio")$'\n'

        if [[ $ratio != n/a ]] && awk -v x="$ratio" -v t="$TARGET_TIME_RATIO" 'BEGIN { exit !(x <= t) }'; then
            targets+="PASS $mib MiB time: rcs/openssl = $ratio (target <= $TARGET_TIME_RATIO)"$'\n'
        else
            targets+="MISS $mib MiB time: rcs/openssl = $ratio (target <= $TARGET_TIME_RATIO)"$'\n'
        fi
        if awk -v x="$r_rss_mib" -v t="$TARGET_RSS_MIB" 'BEGIN { exit !(x <= t) }'; then
            targets+="PASS $mib MiB RSS: rcs peak = $r_rss_mib MiB (target <= $TARGET_RSS_MIB MiB)"$'\n'
        else
            targets+="MISS $mib MiB RSS: rcs peak = $r_rss_mib MiB (target <= $TARGET_RSS_MIB MiB)"$'\n'
        fi

        [[ $KEEP == 1 ]] || rm -f "$plain" "$env"   # free the disk before the next size
    done

    {
        echo "### rcs decrypt vs openssl cms -decrypt"
        echo
        machine_info
        echo
        echo "| size MiB | tool | best wall s | peak RSS MiB | rcs/openssl time ratio |"
        echo "|---:|---|---:|---:|---:|"
        printf '%s' "$rows"
        echo
        echo "Targets: rcs wall time <= ${TARGET_TIME_RATIO}x openssl's; rcs peak RSS <= ${TARGET_RSS_MIB} MiB."
        echo
        echo '```'
        printf '%s' "$targets"
        echo '```'
    } > "$RESULTS"
    publish_results
}

main "$@"
