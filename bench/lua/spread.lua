-- wrk script for bench/run.sh (docs/benchmarks/http.md): spreads requests over every host and path of the
-- generated configuration (hosts h<n>.bench.test, paths /api/s<j>/<suffix>, see
-- bench/lib/fixture.ts), so a router cannot look fast by answering one cached key.
-- Env: BENCH_HOSTS (1000), BENCH_PATHS (10), BENCH_SUFFIX (/hello), BENCH_PIPELINE (1): with N > 1 each
-- write carries N consecutive requests (HTTP/1.1 pipelining, RFC 9112 §9.3.2), which makes the load
-- generator several times cheaper per request (docs/benchmarks/workers.md "Lighter load generator").
-- The requests are formatted once in init(); request() only returns the next one.
-- done() prints one machine-readable line, the same as the shared rig's report.lua:
--   RESULT <req/s> <p50 µs> <p99 µs> <socket errors> <non-2xx/3xx> <requests> <duration µs>

local hosts = tonumber(os.getenv("BENCH_HOSTS") or "1000")
local paths = tonumber(os.getenv("BENCH_PATHS") or "10")
local suffix = os.getenv("BENCH_SUFFIX") or "/hello"
local depth = tonumber(os.getenv("BENCH_PIPELINE") or "1")
local reqs, n, i = {}, 0, 0

init = function(args)
  -- Consecutive requests go to consecutive hosts; every (host, path) pair once per cycle.
  for k = 0, hosts * paths - 1 do
    local h = k % hosts
    local p = math.floor(k / hosts) % paths
    n = n + 1
    reqs[n] = wrk.format("GET", "/api/s" .. p .. suffix, { Host = "h" .. h .. ".bench.test" })
  end
  if depth > 1 then
    -- Batches of `depth` consecutive requests, built once; wrk counts each response.
    local batches = {}
    for k = 1, n, depth do
      local parts = {}
      for j = 0, depth - 1 do parts[#parts + 1] = reqs[(k + j - 1) % n + 1] end
      batches[#batches + 1] = table.concat(parts)
    end
    reqs, n = batches, #batches
  end
  i = math.random(n) - 1
end

request = function()
  i = i % n + 1
  return reqs[i]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.2f %d %d %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status,
    summary.requests, summary.duration))
end
