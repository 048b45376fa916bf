# Helpers shared by the benchmark suites (sourced by dynamodb.sh,
# apigateway.sh, watches.sh and lambda.sh; defines functions only).

# A free TCP port on loopback.
bench_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The median of the numbers on stdin, one per line (0 when there are none).
bench_median() { sort -g | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); else print 0}'; }
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
