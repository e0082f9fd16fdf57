#!/usr/bin/env bash
# L4 benchmark (README "TCP and UDP services (L4)"), 127.0.0.1 only, every run bounded in time:
#   - single-stream TCP throughput (iperf3 -t DURATION): direct, HAProxy `mode tcp`, Portico L4
#   - new TCP connections per second (connect, 1 byte there and back, close): direct, HAProxy, Portico
#   - UDP datagrams per second (ping-pong, CONC sockets): direct, Portico (HAProxy has no UDP proxy)
# Pinning as /work/shared/bench/run.sh: load generator and backends on HARNESS_CPUS, the proxy
# under test on PROXY_CPUS.
#   bash bench/l4/run.sh            RUNS=3 DURATION=5 by default (~2 min)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
NODE="$ROOT/node_modules/.bin/node"
RUNS=${RUNS:-3}
DURATION=${DURATION:-5}
RATE_SECS=${RATE_SECS:-3}
CONC=${CONC:-32}
HARNESS_CPUS=${HARNESS_CPUS:-0}
PROXY_CPUS=${PROXY_CPUS:-1}
RUN_DIR=${RUN_DIR:-$HERE/.run}
P_IPERF=25201; P_HAP=25202; P_PORTICO=25203; P_PORTICO2=25204
P_ECHO=25211; P_HAP2=25212; P_UDP_ECHO=25221; P_PORTICO_UDP=25222

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
for t in iperf3 haproxy taskset; do
  command -v "$t" >/dev/null || { echo "missing $t: apt-get update && apt-get install -y haproxy iperf3 util-linux" >&2; exit 1; }
done
rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"

PIDS=()
start() { local name=$1 cpus=$2; shift 2; taskset -c "$cpus" "$@" >"$RUN_DIR/$name.log" 2>&1 & PIDS+=("$!"); }
cleanup() { local p; for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.3; for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
wait_port() { local i; for i in $(seq 1 100); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; return 1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

cat >"$RUN_DIR/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen iperf
  bind 127.0.0.1:$P_HAP
  server s1 127.0.0.1:$P_IPERF
listen echo
  bind 127.0.0.1:$P_HAP2
  server s1 127.0.0.1:$P_ECHO
CFG

start iperf3-server "$HARNESS_CPUS" iperf3 -s -B 127.0.0.1 -p "$P_IPERF"
start echo-tcp "$HARNESS_CPUS" "$NODE" "$HERE/driver.ts" echo-tcp "$P_ECHO"
start echo-udp "$HARNESS_CPUS" "$NODE" "$HERE/driver.ts" echo-udp "$P_UDP_ECHO"
start haproxy "$PROXY_CPUS" haproxy -db -f "$RUN_DIR/haproxy.cfg"
LISTEN_TCP=$P_PORTICO UPSTREAM_TCP=$P_IPERF LISTEN_TCP2=$P_PORTICO2 UPSTREAM_TCP2=$P_ECHO \
  LISTEN_UDP=$P_PORTICO_UDP UPSTREAM_UDP=$P_UDP_ECHO start portico "$PROXY_CPUS" "$NODE" "$HERE/portico-l4.ts"
for p in $P_IPERF $P_ECHO $P_HAP $P_HAP2 $P_PORTICO $P_PORTICO2; do wait_port "$p" || exit 1; done
sleep 0.5

declare -A RES
iperf_case() {  # NAME PORT
  local vals=() i out
  for ((i = 1; i <= RUNS; i++)); do
    out=$(timeout $((DURATION + 20)) taskset -c "$HARNESS_CPUS" iperf3 -c 127.0.0.1 -p "$2" -t "$DURATION" --connect-timeout 3000 -J 2>&1)
    vals+=("$("$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log((JSON.parse(s).end.sum_received.bits_per_second/1e9).toFixed(2))}catch{console.log("")}})' <<<"$out")")
  done
  RES[$1]="$(echo "${vals[*]}" | median) (${vals[*]})"
  log "tcp throughput $1: ${RES[$1]} Gbit/s"
}
rate_case() {  # KEY MODE PORT
  local vals=() i out
  for ((i = 1; i <= RUNS; i++)); do
    out=$(timeout $((RATE_SECS + 20)) taskset -c "$HARNESS_CPUS" "$NODE" "$HERE/driver.ts" "$2" "$3" "$RATE_SECS" "$CONC")
    vals+=("$("$NODE" -e 'console.log(Math.round(JSON.parse(process.argv[1]).rate))' "$out" 2>/dev/null)")
  done
  RES[$1]="$(echo "${vals[*]}" | median) (${vals[*]})"
  log "$2 $1: ${RES[$1]} /s"
}

iperf_case tcp-direct "$P_IPERF"
iperf_case tcp-haproxy "$P_HAP"
iperf_case tcp-portico "$P_PORTICO"
rate_case conn-direct connrate "$P_ECHO"
rate_case conn-haproxy connrate "$P_HAP2"
rate_case conn-portico connrate "$P_PORTICO2"
rate_case udp-direct udprate "$P_UDP_ECHO"
rate_case udp-portico udprate "$P_PORTICO_UDP"

ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
cat <<MD
### L4 run $(date -u '+%Y-%m-%d %H:%M:%S UTC')

- machine: $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), kernel $(uname -r)
- node $("$NODE" --version), haproxy $(haproxy -v | awk 'NR==1{print $3}'), iperf3 $(iperf3 --version | awk 'NR==1{print $2}')
- RUNS=$RUNS DURATION=${DURATION}s RATE_SECS=${RATE_SECS}s CONC=$CONC; harness on CPU $HARNESS_CPUS, proxy on CPU $PROXY_CPUS

| case | direct | HAProxy tcp | Portico L4 | Portico / HAProxy | Portico / direct |
|---|---:|---:|---:|---:|---:|
| TCP throughput, 1 stream (Gbit/s) | ${RES[tcp-direct]} | ${RES[tcp-haproxy]} | ${RES[tcp-portico]} | $(ratio "${RES[tcp-portico]}" "${RES[tcp-haproxy]}") | $(ratio "${RES[tcp-portico]}" "${RES[tcp-direct]}") |
| new TCP connections (/s, $CONC parallel) | ${RES[conn-direct]} | ${RES[conn-haproxy]} | ${RES[conn-portico]} | $(ratio "${RES[conn-portico]}" "${RES[conn-haproxy]}") | $(ratio "${RES[conn-portico]}" "${RES[conn-direct]}") |
| UDP datagrams (/s, $CONC ping-pong sockets) | ${RES[udp-direct]} | — | ${RES[udp-portico]} | — | $(ratio "${RES[udp-portico]}" "${RES[udp-direct]}") |

Values: median of $RUNS runs (all runs in parentheses).
MD
