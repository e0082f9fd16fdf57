#!/usr/bin/env bash
# Portico L7 benchmark (docs/benchmarks/http.md): Portico next to nginx, HAProxy and the Node proxy libraries,
# same run, same loopback rig, same routing table of 10,000 Ingress rules over 1,000 hosts.
#
#   npm run bench                       # full: hello, 64 KiB, TLS keep-alive, WebSocket (~8 min)
#   QUICK=1 npm run bench               # hello only, one short run per proxy (~1 min)
#   CASES=hello,ws ONLY=^portico npm run bench   # Portico rows only (direct/nginx kept for ratios)
#   CASES=upstream npm run bench                # gRPC unary and HTTPS-upstream cases (bench/upstream/run.ts)
#   PROFILE=1 ONLY=portico CASES=hello npm run bench   # + node --cpu-prof, top functions
#   PIPELINE=8 CASES=hello npm run bench        # wrk pipelines 8 requests per write: a lighter load generator
#                                       # (docs/benchmarks/workers.md); latencies are then not reported
#   BASE_ROOT=/path/to/other/checkout ONLY='^portico(-base)?$' CASES=hello npm run bench
#                                       # + "portico-base": the same Portico flags run from another checkout
#                                       # (with its own node_modules), measured in the same run
#
# Method and layout follow the shared reference rig (its README): wrk -t1 -c50 keep-alive and the
# backend on CPU 0, the proxy under test alone on CPU 1, 1 s warm-up, RUNS × DURATION s, medians,
# CPU from /proc/<pid>/stat. The difference: every request names one of the 1,000 hosts and
# 10 paths (bench/lua/spread.lua), and every proxy routes that table (bench/lib/gen-config.ts).
# Everything listens on 127.0.0.1; every load run is bounded (wrk -d, ws-driver --seconds, and
# `timeout` around both); only processes this script started are stopped, by PID.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$HERE"

# ---------------------------------------------------------------- knobs
QUICK=${QUICK:-0}
DURATION=${DURATION:-5}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-50}
THREADS=${THREADS:-1}
PIPELINE=${PIPELINE:-1}   # requests per write from wrk (bench/lua/spread.lua BENCH_PIPELINE): a lighter load generator
CASES=${CASES:-hello,64k,tls,ws}
ONLY=${ONLY:-}
SKIP=${SKIP:-}
HARNESS_CPUS=${HARNESS_CPUS:-0}
PROXY_CPUS=${PROXY_CPUS:-1}
# Both cores for the proxy (docs/benchmarks/workers.md): PROXY_CPUS=0,1 PROXY_WORKERS=2 gives nginx
# worker_processes 2, HAProxy nbthread 2 and Portico --workers 2 (the harness shares core 0).
PROXY_WORKERS=${PROXY_WORKERS:-1}
NODE_BIN=${NODE_BIN:-$ROOT/node_modules/.bin/node}
INGRESSES=${INGRESSES:-100}; HOSTS_PER=${HOSTS_PER:-10}; PATHS_PER=${PATHS_PER:-10}; SERVICES_PER=${SERVICES_PER:-10}
SHARED_RIG=${SHARED_RIG:-$ROOT/../shared/bench}
PROFILE=${PROFILE:-0}
PORTICO_WAIT=${PORTICO_WAIT:-60}
QUIET_WAIT=${QUIET_WAIT:-30}     # before each case, wait up to this many seconds for other work on the machine to calm down
QUIET_MAX=${QUIET_MAX:-15}       # … i.e. for CPU used outside the rig to stay under this % of a core for 1 s
NO_INSTALL=${NO_INSTALL:-0}
RUN_DIR=${RUN_DIR:-$HERE/.run/http}
NODERIG=${NODERIG:-$HERE/.run/noderig}
OUT=${OUT:-$RUN_DIR/results.md}
if [[ $QUICK == 1 ]]; then RUNS=1; DURATION=${QUICK_DURATION:-4}; CASES=${QUICK_CASES:-hello}; QUIET_WAIT=${QUICK_QUIET_WAIT:-5}; fi

# ---------------------------------------------------------------- ports (127.0.0.1; clear of the shared rig's 18xxx)
P_BACKEND=28080; P_WS_BACKEND=28082
declare -A PORT=([nginx]=28101 [haproxy]=28111 [http-proxy-3]=28121 [node-http-proxy]=28122 [fastify-proxy]=28123 [portico]=28190 [portico-warn]=28193 [portico-node]=28191 [portico-base]=28192 [caddy]=28131 [h2o]=28132)
declare -A TLS_PORT=([nginx]=28441 [haproxy]=28442 [http-proxy-3]=28451 [node-http-proxy]=28452 [fastify-proxy]=28453 [portico]=28490 [portico-warn]=28493 [portico-node]=28491 [portico-base]=28492 [caddy]=28461 [h2o]=28462)
P_PORTICO_ADMIN=28901
CONFIGS=(direct nginx haproxy caddy h2o http-proxy-3 node-http-proxy fastify-proxy portico portico-warn portico-node)
BASE_ROOT=${BASE_ROOT:-}
[[ -n $BASE_ROOT ]] && CONFIGS+=(portico-base)
# Portico's rows (docs/benchmarks/http.md "Targets"): `portico` is the default engine at the default
# log level (one access-log line per request); `portico-warn` the same with --log-level warn;
# `portico-node` the node:http + undici design (--http1-engine node) at the default log level, the
# design the lean engine is measured against. `portico-base` runs BASE_ROOT's tree with BASE_ENGINE
# (default lean; `node` for trees from before the lean engine) where that tree knows the flag.
BASE_ENGINE=${BASE_ENGINE:-lean}
PORTICO_LOG_LEVEL=${PORTICO_LOG_LEVEL:-info}
declare -A DESC=(
  [direct]="no proxy: wrk → backend (the harness ceiling)"
  [nginx]="nginx, worker_processes 1, 1,000 server blocks × 10 locations, upstream keepalive 64 (ratio reference)"
  [haproxy]="HAProxy mode http, nbthread 1, map_beg on Host+path (10,000 entries), http-reuse safe"
  [http-proxy-3]="http-proxy-3 (shared rig's version) + keep-alive http.Agent, no routing"
  [node-http-proxy]="http-proxy 1.18.1 + keep-alive http.Agent, no routing"
  [fastify-proxy]="fastify 5 + @fastify/http-proxy (undici), no routing"
  [portico]="Portico, one process, default engine (lean) and log level ($PORTICO_LOG_LEVEL: an access-log line per request), serving the generated manifests"
  [portico-warn]="Portico as above with --log-level warn (no access log)"
  [portico-node]="Portico with --http1-engine node (node:http + undici), log level $PORTICO_LOG_LEVEL, same manifests"
  [caddy]="Caddy (Debian caddy), GOMAXPROCS=1, reverse_proxy to the backend, no routing"
  [h2o]="h2o (Debian h2o), num-threads 1, proxy.reverse.url to the backend, no routing"
  [portico-base]="Portico from BASE_ROOT (${BASE_ROOT:-unset}), engine $BASE_ENGINE and log level $PORTICO_LOG_LEVEL where that tree has them, same manifests"
)

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- prerequisites
need_apt=()
for t in nginx:nginx haproxy:haproxy wrk:wrk curl:curl openssl:openssl taskset:util-linux; do
  command -v "${t%%:*}" >/dev/null 2>&1 || need_apt+=("${t#*:}")
done
if ((${#need_apt[@]})); then
  if [[ $NO_INSTALL != 1 && $(id -u) == 0 ]]; then
    log "installing ${need_apt[*]} with apt-get"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null \
      || log "apt-get install failed; continuing with what is installed"
  fi
fi
command -v wrk >/dev/null || die "wrk is required (apt-get install wrk)"
command -v taskset >/dev/null || die "taskset is required (util-linux)"
command -v curl >/dev/null || die "curl is required"
HAVE_NGINX=0; command -v nginx >/dev/null && HAVE_NGINX=1
HAVE_HAPROXY=0; command -v haproxy >/dev/null && HAVE_HAPROXY=1
# Peers (Debian caddy, h2o): a missing binary skips its rows with a message, never the run.
HAVE_CADDY=0; command -v caddy >/dev/null && HAVE_CADDY=1
HAVE_H2O=0; command -v h2o >/dev/null && HAVE_H2O=1
"$NODE_BIN" --version >/dev/null 2>&1 || die "NODE_BIN=$NODE_BIN does not run (npm ci in the project first)"
NOTES=()
note() { NOTES+=("$*"); log "note: $*"; }
((HAVE_NGINX)) || note "nginx not installed: its row is skipped and the backend is the Node one (bench/lib/backend.ts); ratios to nginx are unavailable"
((HAVE_HAPROXY)) || note "haproxy not installed: its row is skipped"
((HAVE_CADDY)) || note "caddy not installed (apt-get install caddy): its rows are skipped"
((HAVE_H2O)) || note "h2o not installed (apt-get install h2o): its rows are skipped"

# The Node proxy libraries: the shared rig's pinned package.json/lock, installed once under .run.
HAVE_NODERIG=0
if [[ -f $SHARED_RIG/package-lock.json ]]; then
  mkdir -p "$NODERIG"
  if [[ ! -d $NODERIG/node_modules/http-proxy-3 || ! -d $NODERIG/node_modules/@fastify/http-proxy || ! -d $NODERIG/node_modules/http-proxy ]]; then
    cp "$SHARED_RIG/package.json" "$SHARED_RIG/package-lock.json" "$NODERIG/"
    if [[ $NO_INSTALL != 1 ]]; then log "npm ci (Node proxy libraries) in $NODERIG"; (cd "$NODERIG" && npm ci --no-audit --no-fund >/dev/null 2>&1); fi
  fi
  [[ -d $NODERIG/node_modules/http-proxy-3 ]] && HAVE_NODERIG=1
fi
if ((HAVE_NODERIG)); then cp "$HERE/proxies/node-lib.cjs" "$NODERIG/node-lib.cjs"
else note "Node proxy libraries unavailable (no $SHARED_RIG/package-lock.json or npm ci failed): their rows are skipped"; fi

CLK_TCK=$(getconf CLK_TCK)
HARNESS_CORE=${HARNESS_CPUS%%[,-]*}

# ---------------------------------------------------------------- run dir and fixtures
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"/{log,conf,www,tls,tmp,prof}
chmod 755 "$RUN_DIR" "$RUN_DIR/www"
ROWS=$RUN_DIR/rows.tsv; : >"$ROWS"
RAW=$RUN_DIR/raw.log; : >"$RAW"
yes 0123456789abcdef0123456789abcde | head -c 65536 >"$RUN_DIR/www/64k.bin"
chmod 644 "$RUN_DIR/www/64k.bin"
SHA_64K=$(sha256sum "$RUN_DIR/www/64k.bin" | cut -d' ' -f1)
SHA_HELLO=$(printf hello | sha256sum | cut -d' ' -f1)
TLS_CERT=$RUN_DIR/tls/cert.pem; TLS_KEY=$RUN_DIR/tls/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj "/CN=*.bench.test" \
  -addext "subjectAltName=DNS:*.bench.test,DNS:bench.test,IP:127.0.0.1" \
  -keyout "$TLS_KEY" -out "$TLS_CERT" >/dev/null 2>&1 || die "openssl req failed"
chmod 644 "$TLS_KEY"; cat "$TLS_CERT" "$TLS_KEY" >"$RUN_DIR/tls/combined.pem"
GEN=$("$NODE_BIN" "$HERE/lib/gen-config.ts" --out "$RUN_DIR/conf" --backend-port $P_BACKEND --ws-port $P_WS_BACKEND \
  --ingresses "$INGRESSES" --hosts "$HOSTS_PER" --paths "$PATHS_PER" --services "$SERVICES_PER" \
  --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --http-port "${PORT[nginx]}" --tls-port "${TLS_PORT[nginx]}") || die "gen-config failed"
log "routing table: $GEN"
export BENCH_HOSTS=$((INGRESSES * HOSTS_PER)) BENCH_PATHS=$PATHS_PER

# ---------------------------------------------------------------- process bookkeeping (as the shared rig)
STARTED=(); LAST_PID=
descendants() {
  ps -e -o pid=,ppid= | awk -v r="$1" '
    { kids[$2] = kids[$2] " " $1 }
    END { n = split(kids[r], q, " "); i = 1
          while (i <= n) { p = q[i++]; print p; m = split(kids[p], c, " "); for (j = 1; j <= m; j++) q[++n] = c[j] } }'
}
start() {  # start NAME CPUS CMD... (env assignments go before: VAR=x start ...)
  local name=$1 cpus=$2; shift 2
  taskset -c "$cpus" "$@" >"$RUN_DIR/log/$name.log" 2>&1 &
  LAST_PID=$!; STARTED+=("$LAST_PID")
}
gone() {
  local deadline=$((SECONDS + $1)) p alive; shift
  while :; do
    alive=0; for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || return 0; ((SECONDS < deadline)) || return 1; sleep 0.1
  done
}
stop() {   # TERM, wait up to 10 s (Portico drains and writes its CPU profile), KILL; reap
  local pid=$1 kids p keep=()
  [[ -n $pid ]] || return 0
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null
  gone 10 "$pid" || kill -KILL "$pid" 2>/dev/null
  for p in $kids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  wait "$pid" 2>/dev/null
  for p in "${STARTED[@]}"; do [[ $p != "$pid" ]] && keep+=("$p"); done
  STARTED=("${keep[@]}")
}
cleanup() { local p; for p in "${STARTED[@]}"; do stop "$p"; done; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
wait_tcp() {
  local port=$1 pid=$2 deadline=$((SECONDS + ${3:-10}))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
check_body() {  # check_body BASE_URL : a routed /hello and /64k.bin must match the backend byte for byte
  local base=$1 h
  h=$(curl -sk --max-time 5 -H 'Host: h7.bench.test' "$base/api/s3/hello" | sha256sum | cut -d' ' -f1)
  [[ $h == "$SHA_HELLO" ]] || { echo "bad /hello"; return 1; }
  h=$(curl -sk --max-time 5 -H 'Host: h998.bench.test' "$base/api/s9/64k.bin" | sha256sum | cut -d' ' -f1)
  [[ $h == "$SHA_64K" ]] || { echo "bad /64k.bin"; return 1; }
}
want() {
  local n=$1
  [[ -n $SKIP && $n =~ $SKIP ]] && return 1
  [[ -z $ONLY || $n =~ $ONLY || $n == direct || $n == nginx ]]
}
has_case() { [[ ",$CASES," == *",$1,"* ]]; }

# ---------------------------------------------------------------- measurement (as the shared rig)
tree_ticks() {
  local pid=$1 files=() p
  [[ -n $pid ]] || { echo 0; return; }
  for p in $pid $(descendants "$pid"); do [[ -r /proc/$p/stat ]] && files+=("/proc/$p/stat"); done
  ((${#files[@]})) || { echo 0; return; }
  cat "${files[@]}" 2>/dev/null | awk '{ sub(/^.*\) /, ""); s += $12 + $13 + $14 + $15 } END { print s + 0 }'
}
cpu_snap() {
  local rig; rig=$(tree_ticks $$)
  awk -v c="cpu$HARNESS_CORE" -v rig="$rig" '
    $1 == c   { hb = $2+$3+$4+$7+$8+$9; ht = hb + $5 + $6 }
    $1 == "cpu" { st = $9; at = $2+$3+$4+$5+$6+$7+$8+$9; us = $2+$3+$4 }
    END { print hb, ht, st, at, us, rig }' /proc/stat
}
now() { date +%s.%N; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2 }'; }

outside_pct() {  # CPU used outside the rig over 1 s, % of a core
  local a b
  a=$(cpu_snap); sleep 1; b=$(cpu_snap)
  awk -v a="$a" -v b="$b" -v hz="$CLK_TCK" 'BEGIN { split(a, x, " "); split(b, y, " ")
    o = 100 * ((y[5] - x[5]) - (y[6] - x[6])) / hz; if (o < 0) o = 0; printf "%d\n", o }'
}
wait_quiet() {   # the machine is shared: do not start a measurement while someone else's job runs
  local deadline=$((SECONDS + QUIET_WAIT)) o
  while :; do
    o=$(outside_pct)
    ((o <= QUIET_MAX)) && return 0
    if ((SECONDS >= deadline)); then log "  machine still busy (${o}% of a core outside the rig); measuring anyway (see the noise line)"; return 0; fi
  done
}

load_cmd() {  # load_cmd CASE URL SECONDS : the bounded load command for one run
  local c=$1 url=$2 s=$3
  case $c in
    ws) echo timeout $((s + 20)) taskset -c "$HARNESS_CPUS" "$NODE_BIN" "$HERE/lib/ws-driver.ts" --url "$url" --host ws.bench.test \
          --conns "$CONNS" --seconds "$s" ;;
    64k) echo env BENCH_SUFFIX=/64k.bin BENCH_PIPELINE="$PIPELINE" timeout $((s + 15)) taskset -c "$HARNESS_CPUS" wrk -t"$THREADS" -c"$CONNS" -d"${s}s" --latency -s "$HERE/lua/spread.lua" "$url" ;;
    *) echo env BENCH_SUFFIX=/hello BENCH_PIPELINE="$PIPELINE" timeout $((s + 15)) taskset -c "$HARNESS_CPUS" wrk -t"$THREADS" -c"$CONNS" -d"${s}s" --latency -s "$HERE/lua/spread.lua" "$url" ;;
  esac
}

# run_case CASE NAME URL PID : warm-up, RUNS × DURATION s, one row in rows.tsv
run_case() {
  local c=$1 name=$2 url=$3 pid=$4 i out line rps=() p50=() p99=() err=0 reqs=0 r_rps r_p50 r_p99 r_sock r_status r_reqs
  ((QUIET_WAIT > 0)) && wait_quiet
  log "$c  $name  $url"
  ((WARMUP > 0)) && $(load_cmd "$c" "$url" "$WARMUP") >/dev/null 2>&1
  local t0 c0 w0 t1 c1 w1
  t0=$(tree_ticks "$pid"); c0=$(cpu_snap); w0=$(now)
  for ((i = 1; i <= RUNS; i++)); do
    out=$($(load_cmd "$c" "$url" "$DURATION") 2>&1)
    printf '### %s %s run %d\n%s\n' "$c" "$name" "$i" "$out" >>"$RAW"
    line=$(grep '^RESULT ' <<<"$out") || { log "  run $i: no result (see $RAW)"; continue; }
    read -r _ r_rps r_p50 r_p99 r_sock r_status r_reqs _ <<<"$line"
    rps+=("$r_rps"); p50+=("$r_p50"); p99+=("$r_p99")
    err=$((err + r_sock + r_status)); reqs=$((reqs + r_reqs))
  done
  t1=$(tree_ticks "$pid"); c1=$(cpu_snap); w1=$(now)
  ((${#rps[@]})) || { printf '%s\t%s\tFAIL\t\t\t\t\t\t\t\t\t\n' "$c" "$name" >>"$ROWS"; return; }
  local m50 m99 mr
  mr=$(echo "${rps[*]}" | median); m50=$(echo "${p50[*]}" | median); m99=$(echo "${p99[*]}" | median)
  awk -v s="$c" -v n="$name" -v r="$mr" -v p50="$m50" -v p99="$m99" -v e="$err" -v reqs="$reqs" \
      -v pid="$pid" -v t0="$t0" -v t1="$t1" -v w0="$w0" -v w1="$w1" -v hz="$CLK_TCK" \
      -v c0="$c0" -v c1="$c1" -v all="${rps[*]}" 'BEGIN {
    split(c0, a, " "); split(c1, b, " "); wall = w1 - w0; cpu = (t1 - t0) / hz
    pc = (pid == "") ? "" : sprintf("%.0f", 100 * cpu / wall)
    us = (pid == "" || reqs == 0) ? "" : sprintf("%.1f", 1e6 * cpu / reqs)
    h = (b[2] > a[2]) ? sprintf("%.0f", 100 * (b[1] - a[1]) / (b[2] - a[2])) : ""
    st = (b[4] > a[4]) ? sprintf("%.1f", 100 * (b[3] - a[3]) / (b[4] - a[4])) : ""
    o = 100 * ((b[5] - a[5]) - (b[6] - a[6])) / hz / wall; if (o < 0) o = 0
    gsub(/ /, ",", all)
    printf "%s\t%s\t%.0f\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%.0f\n", s, n, r, p50, p99, e, pc, us, h, st, all, o }' >>"$ROWS"
  log "  -> $(tail -1 "$ROWS" | cut -f3-)"
}
skip_row() { printf '%s\t%s\tSKIP\t\t\t\t\t\t\t\t\t\t%s\n' "$1" "$2" "$3" >>"$ROWS"; }
fail_row() { printf '%s\t%s\tFAIL\t\t\t\t\t\t\t\t\t\t%s\n' "$1" "$2" "$3" >>"$ROWS"; }

# ---------------------------------------------------------------- config writers
nginx_head() {  # nginx_head NAME
  cat <<EOF
worker_processes $PROXY_WORKERS;
pid $RUN_DIR/tmp/$1.pid;
error_log $RUN_DIR/log/$1.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $RUN_DIR/tmp/$1-client;
  proxy_temp_path $RUN_DIR/tmp/$1-proxy;
  fastcgi_temp_path $RUN_DIR/tmp/$1-fastcgi;
  uwsgi_temp_path $RUN_DIR/tmp/$1-uwsgi;
  scgi_temp_path $RUN_DIR/tmp/$1-scgi;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
EOF
}
write_backend_conf() {
  { nginx_head backend; cat <<EOF
  open_file_cache max=16 inactive=60s;
  server {
    listen 127.0.0.1:$P_BACKEND backlog=4096 default_server;
    location ~ /64k\.bin\$ { root $RUN_DIR/www; try_files /64k.bin =404; }
    location / { default_type text/plain; return 200 "hello"; }
  }
}
EOF
  } >"$RUN_DIR/conf/backend.conf"
}
write_nginx_conf() {
  { nginx_head nginx; cat <<EOF
  server_names_hash_max_size 4096;
  server_names_hash_bucket_size 64;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_certificate $TLS_CERT;
  ssl_certificate_key $TLS_KEY;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_buffer_size 16k;
  proxy_buffers 8 16k;
  upstream backend { server 127.0.0.1:$P_BACKEND; keepalive 64; keepalive_requests 1000000; keepalive_timeout 60s; }
  upstream ws_backend { server 127.0.0.1:$P_WS_BACKEND; }
  server {
    listen 127.0.0.1:${PORT[nginx]} backlog=4096 default_server;
    listen 127.0.0.1:${TLS_PORT[nginx]} ssl backlog=4096 default_server;
    return 404;
  }
EOF
    cat "$RUN_DIR/conf/nginx-servers.conf"; echo "}"
  } >"$RUN_DIR/conf/nginx.conf"
}
write_haproxy_conf() {
  cat >"$RUN_DIR/conf/haproxy.cfg" <<EOF
global
  nbthread $PROXY_WORKERS
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 120s
  timeout http-keep-alive 60s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${PORT[haproxy]}
  bind 127.0.0.1:${TLS_PORT[haproxy]} ssl crt $RUN_DIR/tls/combined.pem
  http-request set-var(txn.be) base,map_beg($RUN_DIR/conf/haproxy-routes.map)
  http-request deny deny_status 404 unless { var(txn.be) -m found }
  use_backend be_ws if { var(txn.be) -m str be_ws }
  default_backend be_app
backend be_app
  http-reuse safe
  server s1 127.0.0.1:$P_BACKEND
backend be_ws
  server s1 127.0.0.1:$P_WS_BACKEND
EOF
}

write_caddy_conf() {  # Go on one core via GOMAXPROCS=1 at start; no admin endpoint, no ACME
  cat >"$RUN_DIR/conf/Caddyfile" <<EOF
{
  admin off
  auto_https off
}
http://:${PORT[caddy]} {
  bind 127.0.0.1
  reverse_proxy 127.0.0.1:$P_BACKEND
}
https://:${TLS_PORT[caddy]} {
  bind 127.0.0.1
  tls $TLS_CERT $TLS_KEY
  reverse_proxy 127.0.0.1:$P_BACKEND
}
EOF
}
write_h2o_conf() {
  cat >"$RUN_DIR/conf/h2o.conf" <<EOF
num-threads: 1
error-log: $RUN_DIR/log/h2o.error.log
listen:
  host: 127.0.0.1
  port: ${PORT[h2o]}
listen:
  host: 127.0.0.1
  port: ${TLS_PORT[h2o]}
  ssl:
    certificate-file: $TLS_CERT
    key-file: $TLS_KEY
    ocsp-update-interval: 0
proxy.timeout.keepalive: 60000
hosts:
  default:
    paths:
      /:
        proxy.reverse.url: http://127.0.0.1:$P_BACKEND/
EOF
}

# ---------------------------------------------------------------- starting each proxy
PROXY_PID=; PROXY_TLS=0; PORTICO_REV=
start_proxy() {  # sets PROXY_PID (empty on failure) and PROXY_TLS (1 when its TLS port answers)
  local name=$1 port=${PORT[$1]} tport=${TLS_PORT[$1]} wait_s=10 why
  PROXY_PID=; PROXY_TLS=0
  if port_busy "$port"; then note "$name: port $port already in use, skipped"; return 1; fi
  case $name in
    nginx)   write_nginx_conf; start nginx "$PROXY_CPUS" nginx -c "$RUN_DIR/conf/nginx.conf" -g 'daemon off;' ;;
    haproxy) write_haproxy_conf; start haproxy "$PROXY_CPUS" haproxy -db -f "$RUN_DIR/conf/haproxy.cfg" ;;
    caddy) write_caddy_conf; mkdir -p "$RUN_DIR/tmp/caddy"
      start caddy "$PROXY_CPUS" env GOMAXPROCS=1 XDG_DATA_HOME="$RUN_DIR/tmp/caddy" XDG_CONFIG_HOME="$RUN_DIR/tmp/caddy" \
        caddy run --config "$RUN_DIR/conf/Caddyfile" --adapter caddyfile ;;
    h2o) write_h2o_conf; start h2o "$PROXY_CPUS" h2o -c "$RUN_DIR/conf/h2o.conf" ;;
    http-proxy-3|node-http-proxy|fastify-proxy)
      start "$name" "$PROXY_CPUS" env -C "$NODERIG" KIND="$name" PORT="$port" TLS_PORT="$tport" TLS_CERT="$TLS_CERT" \
        TLS_KEY="$TLS_KEY" UPSTREAM_PORT=$P_BACKEND WS_UPSTREAM_PORT=$P_WS_BACKEND "$NODE_BIN" node-lib.cjs ;;
    portico|portico-warn|portico-node|portico-base)
      local prof=(); ((PROFILE)) && prof=(--cpu-prof "--cpu-prof-dir=$RUN_DIR/prof")
      local engine=lean level=$PORTICO_LOG_LEVEL tree=$ROOT
      case $name in
        portico-warn) level=warn ;;
        portico-node) engine=node ;;
        portico-base) engine=$BASE_ENGINE; tree=$BASE_ROOT ;;
      esac
      # An older tree may predate a flag: pass --http1-engine / --workers only where its sources know them.
      local extra=()
      grep -rqs -- "http1-engine" "$tree/src/config" && extra+=(--http1-engine "$engine")
      grep -rqs -- "'workers'\|\"workers\"\|name: 'workers'" "$tree/src/config" && extra+=(--workers "$PROXY_WORKERS")
      start "$name" "$PROXY_CPUS" env -C "$tree" "$NODE_BIN" "${prof[@]}" src/main.ts serve --resources "$RUN_DIR/conf/portico" \
        --http-port "$port" --https-port "$tport" --admin-port $P_PORTICO_ADMIN --bind-address 127.0.0.1 "${extra[@]}" \
        --log-level "$level" --watch=false --ssl-redirect=false --hsts-max-age 0 --default-tls-secret bench/bench-tls
      wait_s=$PORTICO_WAIT
      # The tree is shared and moves: record what was measured when it started.
      local rev; rev="$(git -C "$tree" rev-parse --short HEAD 2>/dev/null)$(git -C "$tree" diff --quiet HEAD -- src 2>/dev/null || echo '+uncommitted src changes')"
      if [[ $name == portico-base ]]; then PORTICO_BASE_REV=$rev; else PORTICO_REV=$rev; fi ;;
    *) die "unknown config $name" ;;
  esac
  local pid=$LAST_PID
  if ! wait_tcp "$port" "$pid" "$wait_s"; then
    note "$name: did not listen on $port within ${wait_s}s (log: $RUN_DIR/log/$name.log: $(tail -c 300 "$RUN_DIR/log/$name.log" | tr '\n' ' '))"
    stop "$pid"; return 1
  fi
  if [[ $name == portico* ]]; then  # listeners open before the first snapshot: wait for /readyz
    local deadline=$((SECONDS + wait_s)) t0=$SECONDS
    until curl -sf --max-time 2 "http://127.0.0.1:$P_PORTICO_ADMIN/readyz" >/dev/null; do
      ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null || { note "portico: not ready within ${wait_s}s"; stop "$pid"; return 1; }
      sleep 0.2
    done
    log "  portico ready after ~$((SECONDS - t0))s more"
  fi
  if ! why=$(check_body "http://127.0.0.1:$port"); then
    note "$name: routed sanity check failed ($why), skipped"; stop "$pid"; return 1
  fi
  if check_body "https://127.0.0.1:$tport" >/dev/null 2>&1; then PROXY_TLS=1; fi
  PROXY_PID=$pid
}

# ---------------------------------------------------------------- main
T_START=$SECONDS
log "run dir $RUN_DIR; cases=$CASES runs=$RUNS x ${DURATION}s"
# Upstream protocols (gRPC unary through Portico vs direct, HTTPS-upstream small body vs plain):
# a self-contained Node harness (bench/upstream/run.ts), not part of the wrk matrix below.
if has_case upstream; then
  mkdir -p "$RUN_DIR"
  log "case upstream: bench/upstream/run.ts (${DURATION}s per case)"
  SECONDS_PER_CASE=$DURATION timeout 300 "$NODE_BIN" "$HERE/upstream/run.ts" | tee "$RUN_DIR/upstream.md"
  CASES=$(echo ",$CASES," | sed 's/,upstream,/,/; s/^,//; s/,$//')
  if [[ -z $CASES ]]; then log "done in $((SECONDS - T_START))s; report: $RUN_DIR/upstream.md"; exit 0; fi
fi
for p in $P_BACKEND $P_WS_BACKEND; do port_busy $p && die "port $p already in use"; done
if ((HAVE_NGINX)); then
  write_backend_conf
  start backend "$HARNESS_CPUS" nginx -c "$RUN_DIR/conf/backend.conf" -g 'daemon off;'; BACKEND_PID=$LAST_PID
  start ws-backend "$HARNESS_CPUS" "$NODE_BIN" "$HERE/lib/backend.ts" --ws-port $P_WS_BACKEND; WS_PID=$LAST_PID
else
  start backend "$HARNESS_CPUS" "$NODE_BIN" "$HERE/lib/backend.ts" --ws-port $P_WS_BACKEND --http-port $P_BACKEND \
    --file "$RUN_DIR/www/64k.bin"; BACKEND_PID=$LAST_PID; WS_PID=
fi
wait_tcp $P_BACKEND "$BACKEND_PID" 10 || die "backend did not start (see $RUN_DIR/log/)"
wait_tcp $P_WS_BACKEND "${WS_PID:-$BACKEND_PID}" 10 || die "WebSocket backend did not start (see $RUN_DIR/log/)"
check_body "http://127.0.0.1:$P_BACKEND" >/dev/null || die "backend sanity check failed"

for cfg in "${CONFIGS[@]}"; do
  want "$cfg" || continue
  case $cfg in
    nginx) ((HAVE_NGINX)) || { for c in ${CASES//,/ }; do skip_row "$c" nginx "not installed"; done; continue; } ;;
    haproxy) ((HAVE_HAPROXY)) || { for c in ${CASES//,/ }; do skip_row "$c" haproxy "not installed"; done; continue; } ;;
    caddy) ((HAVE_CADDY)) || { for c in ${CASES//,/ }; do skip_row "$c" caddy "not installed"; done; continue; } ;;
    h2o) ((HAVE_H2O)) || { for c in ${CASES//,/ }; do skip_row "$c" h2o "not installed"; done; continue; } ;;
    http-proxy-3|node-http-proxy|fastify-proxy) ((HAVE_NODERIG)) || continue ;;
  esac
  pid=
  if [[ $cfg == direct ]]; then
    port=$P_BACKEND
  else
    if ! start_proxy "$cfg"; then for c in ${CASES//,/ }; do fail_row "$c" "$cfg" "did not start or failed the routed body check"; done; continue; fi
    pid=$PROXY_PID; port=${PORT[$cfg]}
  fi
  for c in ${CASES//,/ }; do
    case $c in
      hello|64k) run_case "$c" "$cfg" "http://127.0.0.1:$port" "$pid" ;;
      tls)
        if [[ $cfg == direct ]]; then continue; fi
        if ((PROXY_TLS)); then run_case tls "$cfg" "https://127.0.0.1:${TLS_PORT[$cfg]}" "$pid"
        else skip_row tls "$cfg" "no TLS listener answering on ${TLS_PORT[$cfg]}"; note "$cfg: TLS case skipped (nothing answering on 127.0.0.1:${TLS_PORT[$cfg]})"; fi ;;
      ws)
        if [[ $cfg == fastify-proxy ]]; then skip_row ws "$cfg" "WebSocket not wired in the rig's fastify setup"; continue; fi
        if [[ $cfg == direct ]]; then run_case ws direct "ws://127.0.0.1:$P_WS_BACKEND/" ""
        else run_case ws "$cfg" "ws://127.0.0.1:$port/" "$pid"; fi ;;
      *) die "unknown case $c" ;;
    esac
  done
  [[ -n $pid ]] && stop "$pid"
done
cleanup

if ((PROFILE)); then
  prof=$(ls -t "$RUN_DIR"/prof/*.cpuprofile 2>/dev/null | head -1)
  if [[ -n $prof ]]; then "$NODE_BIN" "$HERE/lib/profile-top.ts" "$prof" 30 >"$RUN_DIR/profile.md" && log "CPU profile summary: $RUN_DIR/profile.md"
  else note "PROFILE=1 but no .cpuprofile was written (did Portico exit cleanly on SIGTERM?)"; fi
fi

printf '%s\n' "${NOTES[@]}" >"$RUN_DIR/notes.txt"
{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- machine: $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/^Mem:/{print $2}') GiB RAM, kernel $(uname -r)"
  echo "- node: $("$NODE_BIN" --version) (Portico, Node proxies, ws driver); portico ${PORTICO_REV:-not started}${BASE_ROOT:+; portico-base ${PORTICO_BASE_REV:-not started}}"
  echo "- $( ((HAVE_NGINX)) && echo "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')"), $( ((HAVE_HAPROXY)) && echo "haproxy $(haproxy -v | awk 'NR==1{print $3}')"), wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null), $(openssl version | awk '{print $1, $2}')"
  ((HAVE_NODERIG)) && echo "- npm (shared rig pins): $(cd "$NODERIG" && "$NODE_BIN" -p "['http-proxy','http-proxy-3','fastify','@fastify/http-proxy'].map(p => p + ' ' + require('./node_modules/' + p + '/package.json').version).join(', ')")"
  echo "- routing table: $GEN; requests spread over $BENCH_HOSTS hosts × $BENCH_PATHS paths"
  echo "- settings: RUNS=$RUNS DURATION=${DURATION}s WARMUP=${WARMUP}s, wrk / ws-driver -t$THREADS -c$CONNS keep-alive$( ((PIPELINE > 1)) && echo ", $PIPELINE requests pipelined per write"); harness (load + backend) on CPU $HARNESS_CPUS, proxy under test on CPU $PROXY_CPUS"
} >"$RUN_DIR/machine.md"
for k in "${CONFIGS[@]}"; do echo "$k	${DESC[$k]}"; done >"$RUN_DIR/desc.tsv"
PIPELINE="$PIPELINE" "$NODE_BIN" "$HERE/lib/report.ts" "$RUN_DIR" | tee "$OUT"
log "done in $((SECONDS - T_START))s; report: $OUT; raw output: $RAW; logs: $RUN_DIR/log/"
