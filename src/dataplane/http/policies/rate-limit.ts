// Local rate limits per client address and per replica (ingress-nginx ratelimit: nginx
// `limit_req zone=… burst=<limit × limit-burst-multiplier> nodelay` for limit-rps / limit-rpm and
// `limit_conn` for limit-connections, https://nginx.org/en/docs/http/ngx_http_limit_req_module.html).
// The leaky bucket is nginx's: each accepted request adds one to the client's excess, which drains
// at the rate; a request that would take the excess over the burst is refused (503, or
// --limit-req-status-code) with Retry-After, and leaves the state as it was. limit-connections
// counts the client's requests in progress on the route. The per-client table has a fixed size
// with least-recently-used eviction: a flood of new addresses evicts, it never grows the table.

import { BlockList, isIPv6 } from 'node:net';
import type { RateLimitPolicy } from '../../../model/access.ts';
import { Lru } from './lru.ts';
import { denial, type Denial, type PolicyRequest } from './policy.ts';

export interface RateLimitDeps {
  readonly reqStatus: number;
  readonly connStatus: number;
  readonly maxClients: number;
}

interface ClientState {
  rpsExcess: number;
  rpsLast: number;
  rpmExcess: number;
  rpmLast: number;
  inflight: number;
}

export class RateLimitCheck {
  readonly step = 'rate-limit' as const;
  private readonly p: RateLimitPolicy;
  private readonly deps: RateLimitDeps;
  private readonly exempt: BlockList | null;
  private readonly clients: Lru<ClientState>;
  private readonly busy: Denial;

  constructor(p: RateLimitPolicy, deps: RateLimitDeps) {
    this.p = p;
    this.deps = deps;
    this.clients = new Lru(deps.maxClients);
    if (p.exempt.length === 0) this.exempt = null;
    else {
      const b = new BlockList();
      for (const c of p.exempt) {
        const [addr, bits] = c.split('/');
        b.addSubnet(addr, Number(bits), isIPv6(addr) ? 'ipv6' : 'ipv4');
      }
      this.exempt = b;
    }
    this.busy = denial(deps.connStatus, 'RATE_LIMITED', 'too many requests in progress\n', { 'retry-after': '1' });
  }

  /** Clients currently tracked (bounded by maxClients). */
  get size(): number {
    return this.clients.size;
  }

  describe(): string {
    const p = this.p;
    const parts: string[] = [];
    if (p.rps !== null) parts.push(`${p.rps} r/s burst ${p.rps * p.burstMultiplier}`);
    if (p.rpm !== null) parts.push(`${p.rpm} r/min burst ${p.rpm * p.burstMultiplier}`);
    if (p.connections !== null) parts.push(`${p.connections} in progress`);
    if (p.exempt.length > 0) parts.push(`exempt ${p.exempt.join(', ')}`);
    return `${parts.join(', ')} per client; ${this.clients.size}/${this.deps.maxClients} clients tracked; excess → ${this.deps.reqStatus}`;
  }

  check(r: PolicyRequest): Denial | null {
    const ip = r.clientIp;
    if (this.exempt !== null && ip !== '' && this.exempt.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4')) return null;
    const p = this.p;
    const now = Date.now();
    let s = this.clients.get(ip);
    const fresh = s === undefined;
    if (s === undefined) s = { rpsExcess: -1, rpsLast: now, rpmExcess: -1, rpmLast: now, inflight: 0 };
    let rps = 0;
    let rpm = 0;
    if (p.rps !== null) {
      rps = excess(s.rpsExcess, p.rps, now - s.rpsLast);
      if (rps > p.rps * p.burstMultiplier) return this.limited((rps - p.rps * p.burstMultiplier) / p.rps);
    }
    if (p.rpm !== null) {
      rpm = excess(s.rpmExcess, p.rpm / 60, now - s.rpmLast);
      if (rpm > p.rpm * p.burstMultiplier) return this.limited((rpm - p.rpm * p.burstMultiplier) / (p.rpm / 60));
    }
    if (p.connections !== null && s.inflight >= p.connections) return this.busy;
    if (p.rps !== null) {
      s.rpsExcess = rps;
      s.rpsLast = now;
    }
    if (p.rpm !== null) {
      s.rpmExcess = rpm;
      s.rpmLast = now;
    }
    if (fresh) this.clients.set(ip, s);
    if (p.connections !== null) {
      s.inflight++;
      const state = s;
      r.onClose(() => {
        state.inflight--;
      });
    }
    return null;
  }

  private limited(seconds: number): Denial {
    return denial(this.deps.reqStatus, 'RATE_LIMITED', 'too many requests\n', { 'retry-after': String(Math.max(1, Math.ceil(seconds))) });
  }
}

/**
 * nginx ngx_http_limit_req_lookup: excess = max(0, previous − rate × elapsed) + 1, where a client
 * seen for the first time starts at 0 (its first request never counts against the burst).
 */
function excess(previous: number, perSecond: number, elapsedMs: number): number {
  if (previous < 0) return 0;
  return Math.max(0, previous - (perSecond * elapsedMs) / 1000) + 1;
}
