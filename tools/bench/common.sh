# Helpers shared by the benchmark suites (sourced by dynamodb.sh,
# apigateway.sh, watches.sh, lambda.sh and runtimes.sh; defines functions
# only).
#
# Failures are never silent: a suite's main starts with `bench_strict SUITE`,
# reports what it cannot measure with bench_fail (stderr lines starting with
# "!! SUITE: "), runs wrk through bench_wrk and explains a server that stopped
# answering with bench_server_report. Anything else that fails stops the suite
# with a "stopped: `command` failed ... at file:line" line (the ERR trap).

# A free TCP port on loopback.
bench_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The median of the numbers on stdin, one per line; fails when there are none
# (a measurement that produced nothing is not a 0).
bench_median() {
  sort -g | awk '{a[NR]=$1} END {if (!NR) { print "bench_median: no numbers" > "/dev/stderr"; exit 1 }
                                 print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
# "3.2x": a / b, or n/a when b is 0.
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'; }
# Milliseconds with 3 significant digits or so.
bench_fmt_ms() { awk -v m="$1" 'BEGIN { printf (m < 1 ? "%.3f" : m < 10 ? "%.2f" : m < 100 ? "%.1f" : "%.0f"), m }'; }
# Medians of rounds: for each key of the associative array named $1, whose
# values are space-separated samples, sets the same key of the array named $2.
bench_medians() {  # in_array out_array
  local -n bench_in=$1 bench_out=$2
  local key
  for key in "${!bench_in[@]}"; do bench_out[$key]=$(tr ' ' '\n' <<< "${bench_in[$key]}" | grep . | bench_median); done
}
# Checks the tools a suite needs (wrk is installed from Debian when missing).
bench_need_tools() {  # log_function tool...
  local log=$1 tool; shift
  command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
  for tool in "$@"; do command -v "$tool" >/dev/null || { "$log" "$tool is needed"; return 1; }; done
}

# ---- Failures ------------------------------------------------------------

# Strict mode for a suite's main: `set -eEuo pipefail`, inherit_errexit (a
# failure inside $(...) fails the command substitution too) and an ERR trap
# that names the suite, the line and the command that failed, so that `set -e`
# never ends a suite without a word. Only the suite's own shell speaks (a
# $(...) whose failure its caller ignores must not claim to stop the suite):
# a failure inside $(...) is reported where the assignment receives it.
bench_strict() {  # suite
  BENCH_SUITE=$1 BENCH_MAIN_PID=$BASHPID
  set -eEuo pipefail
  shopt -s inherit_errexit
  trap 'bench_on_error "$?" "$BASH_COMMAND" "${BASH_SOURCE[0]}" "$LINENO" "${FUNCNAME[0]:-}"' ERR
  declare -gA BENCH_SERVER_PID=() BENCH_SERVER_LOGS=()
}
bench_on_error() {  # status command file line function
  local code
  if [ "$BASHPID" != "${BENCH_MAIN_PID:-}" ] || [ -n "${BENCH_ERROR_SHOWN:-}" ]; then return 0; fi
  BENCH_ERROR_SHOWN=1
  # The source line says more than a function's `return 1`.
  code=$(sed -n "$4{s/^[[:space:]]*//;p;q}" "$3" 2>/dev/null) || true
  echo "!! ${BENCH_SUITE:-bench}: stopped (status $1) at ${3##*/}:$4${5:+ in $5}: ${code:-$2}" >&2
}
# A reason the suite cannot measure something, on stderr.
bench_fail() { echo "!! ${BENCH_SUITE:-bench}: $*" >&2; }
# The last lines of files, indented, on stderr.
bench_tail() {  # lines file...
  local n=$1 f; shift
  for f in "$@"; do
    if [ -s "$f" ]; then echo "   --- the last lines of $(basename "$f"):" >&2; tail -n "$n" "$f" | sed 's/^/   | /' >&2
    elif [ -e "$f" ]; then echo "   --- $(basename "$f") is empty" >&2; fi
  done
}

# ---- Servers -------------------------------------------------------------

# Registers a server this suite started (from the suite's own shell, not from
# a $(...): only that shell can learn how it ended) with its log files.
bench_server() {  # name pid log...
  local name=$1 pid=$2; shift 2
  BENCH_SERVER_PID[$name]=$pid
  BENCH_SERVER_LOGS[$name]="$*"
}
# Succeeds while the server runs.
bench_server_alive() {  # name
  local pid=${BENCH_SERVER_PID[$1]}
  kill -0 "$pid" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)" != Z ]
}
# How a server that is no longer running ended, in BENCH_END: "exited with
# status N", "killed by SIGKILL", ... (not from a $(...): a subshell cannot
# wait for its parent's children).
bench_server_end() {  # name
  local pid=${BENCH_SERVER_PID[$1]} status=0
  wait "$pid" 2>/dev/null || status=$?
  if [ "$status" = 127 ]; then BENCH_END="ended (its exit status was already collected)"
  elif [ "$status" -gt 128 ]; then BENCH_END="killed by SIG$(kill -l $(( status - 128 )) 2>/dev/null || echo "NAL $(( status - 128 ))")"
  else BENCH_END="exited with status $status"; fi
}
# Why a server may not answer: whether it still runs (or how it ended) and
# the last lines of its logs, on stderr.
bench_server_report() {  # name
  local name=$1 logs=()
  read -r -a logs <<< "${BENCH_SERVER_LOGS[$name]:-}"
  if bench_server_alive "$name"; then
    bench_fail "   $name (pid ${BENCH_SERVER_PID[$name]}) is still running"
  else
    bench_server_end "$name"
    bench_fail "   $name (pid ${BENCH_SERVER_PID[$name]}) is no longer running: $BENCH_END"
  fi
  bench_tail 20 "${logs[@]}"
}
# Fails, with bench_server_report, when the server is no longer running.
bench_server_check() {  # name what
  if bench_server_alive "$1"; then return 0; fi
  bench_fail "$1 stopped running ($2)"
  bench_server_report "$1"
  return 1
}
# Waits until the server prints a line matching the extended regexp in its
# log file; fails (saying whether it ended or timed out, with its logs) when
# it ends first or after timeout_s.
bench_server_wait_line() {  # name log regexp timeout_s
  local deadline=$(( SECONDS + $4 ))
  while ! grep -Eq -- "$3" "$2" 2>/dev/null; do
    if ! bench_server_alive "$1"; then
      bench_fail "$1 ended before printing /$3/"; bench_server_report "$1"; return 1
    fi
    if [ "$SECONDS" -gt "$deadline" ]; then
      bench_fail "$1 did not print /$3/ within $4 s"; bench_server_report "$1"; return 1
    fi
    sleep 0.05
  done
}
# Fails when the TCP port is not listened on by the server's process or one
# of its descendants (another process holds it: the answers would not be the
# server's).
bench_server_owns_port() {  # name port
  local pid=${BENCH_SERVER_PID[$1]} owners p
  command -v ss >/dev/null || return 0
  owners=$(ss -Hltnp "sport = :$2" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u) || true
  if [ -z "$owners" ]; then bench_fail "$1: nothing listens on port $2"; bench_server_report "$1"; return 1; fi
  for p in $owners; do
    while [ -n "$p" ] && [ "$p" -gt 1 ]; do
      if [ "$p" = "$pid" ]; then return 0; fi
      p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || p=
    done
  done
  bench_fail "$1: port $2 is held by another process ($(ps -o pid=,args= -p "$(echo $owners | tr ' ' ,)" 2>/dev/null | head -3 | tr '\n' ';'))"
  return 1
}

# ---- wrk -----------------------------------------------------------------

# One wrk run, checked. `what` names the suite's server, workload and
# connections for the messages; the rest are wrk's arguments (a Lua script's
# environment goes before the call: OP=GetItem bench_wrk ...). Sets BENCH_WRK
# to "rps p50_ms p99_ms non2xx socket_errors requests", followed by
# " | first non-200 answer" when the script's done() printed a
# "non200 N first: ..." line (watches.sh), which then gives non2xx.
# Fails, saying why, when wrk exits non-zero (it does when it cannot connect,
# or when its Lua script raises an error), prints no throughput or latency
# figures, or completes no request (unless BENCH_WRK_EMPTY_OK=1: a warm-up
# whose requests all outlast the run). Run it in the suite's own shell, then
# bench_server_report the server on failure.
bench_wrk() {  # what wrk_args...
  local what=$1 out rc=0 requests sock; shift
  BENCH_WRK=
  out=$(wrk "$@" 2>&1) || rc=$?
  if [ "$rc" != 0 ]; then
    bench_fail "$what: wrk exited with status $rc:"; sed 's/^/   | /' <<< "$(tail -n 8 <<< "$out")" >&2; return 1
  fi
  if ! BENCH_WRK=$(awk '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v + 0 }
      $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
      / requests in / { n = $1 }
      /^Requests\/sec:/ { rps = $2 }
      /Non-2xx or 3xx responses:/ { bad = $NF }
      /Socket errors:/ { sock = $4 + $6 + $8 + $10 }
      /^non200 / { bad = $2; first = $0; sub(/^non200 [0-9]+ first: /, "", first) }
      END {
        if (rps == "" || n == "" || (n > 0 && (p50 == "" || p99 == ""))) exit 1
        printf "%.2f %.4f %.4f %d %d %d", rps, p50, p99, bad, sock, n; if (bad > 0) printf " | %s", first; printf "\n" }' <<< "$out"); then
    bench_fail "$what: no throughput or latency figures in wrk's output:"; sed 's/^/   | /' <<< "$(tail -n 12 <<< "$out")" >&2; return 1
  fi
  read -r _ _ _ _ sock requests _ <<< "$BENCH_WRK"
  if [ "$requests" = 0 ] && [ "${BENCH_WRK_EMPTY_OK:-0}" != 1 ]; then
    bench_fail "$what: wrk completed no request ($sock socket errors/timeouts)"; return 1
  fi
}
