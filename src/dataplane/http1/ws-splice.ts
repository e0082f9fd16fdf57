// WebSocket upgrades on the lean engine (README "Lean HTTP/1.1 engine"): the client's handshake
// was framed by the engine's own parser (client-conn.ts); here it is sent on a fresh upstream
// connection (an upgraded connection is never pooled), the upstream's answer is read with the
// strict ResponseParser, and after a 101 the two sockets are spliced: bytes flow both ways as
// they arrive (stream pipe, backpressure included) until either side closes (RFC 9110 §7.8:
// after 101 the connection speaks the new protocol; RFC 6455 §4.1/§4.2 the handshake).
// An upstream that answers with anything else gets that response relayed, then the close
// (RFC 6455 §4.1: the client fails the connection on a status other than 101).
// One closure set per upgrade, not per request: upgrades are long-lived and rare.
import net, { type Socket } from 'node:net';
import { PorticoError } from '../../util/errors.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { PickRequest } from '../http/route-balancing.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { LeanEngine } from './engine.ts';
import { errorResponse } from './error-text.ts';
import { ResponseParser } from './parser.ts';
import { clientResponseHead } from './response-head.ts';
import type { MessageHead, ParseFailure, ResponseSink } from './types.ts';
import { UPSTREAM_LIMITS } from './upstream-conn.ts';

export interface UpgradeJob {
  engine: LeanEngine;
  client: Socket;
  /** Client bytes after the handshake head (sent upstream behind it). */
  rest: Buffer;
  ctx: RequestContext;
  cluster: ClusterRuntime;
  pick: PickRequest | null;
  /** The upstream request head, forwarded fields and `Connection: upgrade` / `Upgrade` included. */
  head: string;
}

const S_CONNECTING = 0, S_WAITING = 1, S_SPLICED = 2, S_RELAYING = 3, S_DONE = 4;

export function spliceUpgrade(job: UpgradeJob): void {
  const { engine, client, ctx, cluster } = job;
  const view = engine.view;
  client.pause();
  client.on('error', noop);
  const ep = job.pick === null ? cluster.pick(ctx.clientIp, null, Date.now()) : job.pick.pick(cluster, null, Date.now());
  let recorded = false;
  const state = ep === null ? null : cluster.states.get(ep.id) ?? null;
  const record = (): void => {
    if (recorded) return;
    recorded = true;
    engine.untrack(client);
    if (state !== null) cluster.end(state);
    view.record(ctx);
  };
  const answer = (err: PorticoError): void => {
    ctx.status = err.status;
    ctx.error = err.code;
    if (client.writable) client.end(errorResponse(err, ctx, engine.wheel.date, false), 'latin1');
    else client.destroy();
    record();
  };
  if (ep === null) {
    answer(new PorticoError('PORTICO_ERR_NO_HEALTHY_ENDPOINT', `no endpoint available for ${cluster.id}`));
    return;
  }
  ctx.endpointId = ep.id;
  ctx.attempts = 1;
  if (state !== null) cluster.begin(state);
  engine.track(client);
  let phase = S_CONNECTING;
  const up = net.connect({ host: ep.hostname ?? ep.address, port: ep.port, noDelay: true });
  const headOut = { chunked: false, close: false };
  let bodyless = false;

  const upstreamFailed = (kind: 'connect' | 'timeout' | 'reset', detail: string): void => {
    if (phase === S_DONE) return;
    const wasWaiting = phase <= S_WAITING;
    phase = S_DONE;
    up.destroy();
    if (!wasWaiting) { client.destroy(); record(); return; }
    const err = kind === 'timeout'
      ? new PorticoError('PORTICO_ERR_UPSTREAM_TIMEOUT', `upstream ${ep.id} did not answer the upgrade within ${view.upstreamTimeoutMs} ms`)
      : new PorticoError(kind === 'connect' ? 'PORTICO_ERR_UPSTREAM_CONNECT' : 'PORTICO_ERR_UPSTREAM_RESET', `upgrade to ${ep.id} failed: ${detail}`);
    view.metrics.upstreamErrors.labels(cluster.cluster.service, err.code).inc();
    if (state !== null && kind !== 'reset') cluster.report(state, kind, Date.now());
    answer(err);
  };

  const sink: ResponseSink = {
    onHead(h: MessageHead): void {
      ctx.status = h.statusCode;
      if (h.upgrade) {
        // 101: the handshake answer as the upstream sent it (Sec-WebSocket-Accept, subprotocol,
        // extensions are end to end between client and server, RFC 6455 §4.2.2).
        let s = `HTTP/1.1 101 ${h.reason}\r\n`;
        const f = h.headers;
        for (let i = 0; i < f.length; i += 2) s += `${f[i]}: ${f[i + 1]}\r\n`;
        client.write(s + '\r\n', 'latin1');
        phase = S_SPLICED;
        return;
      }
      phase = S_RELAYING;
      bodyless = h.statusCode === 204 || h.statusCode === 304;
      client.write(clientResponseHead(h, bodyless, {
        hsts: engine.scheme === 'https' ? view.hsts : null, date: engine.wheel.date, keepAlive: false,
        keepAliveSeconds: engine.keepAliveSeconds, extra: null, http10: false,
      }, headOut), 'latin1');
    },
    onBody(chunk: Buffer): void {
      if (bodyless) return;
      if (headOut.chunked) {
        client.write(`${chunk.length.toString(16)}\r\n`);
        client.write(chunk);
        client.write('\r\n');
      } else {
        client.write(chunk);
      }
    },
    onComplete(): void {
      if (phase !== S_RELAYING) return;
      phase = S_DONE;
      if (headOut.chunked && !bodyless) client.write('0\r\n\r\n');
      client.end();
      up.destroy();
      record();
    },
    onError(f: ParseFailure): void {
      upstreamFailed('reset', `invalid response: ${f.code}`);
    },
  };
  const parser = new ResponseParser(UPSTREAM_LIMITS, sink);
  parser.expect('GET');

  const onUpData = (chunk: Buffer): void => {
    parser.execute(chunk);
    if (phase !== S_SPLICED) return;
    // Splice: what the upstream sent after its 101 first, then both directions as they arrive.
    up.off('data', onUpData);
    up.setTimeout(0);
    const after = parser.detach();
    if (after.length > 0) client.write(after);
    up.pipe(client);
    client.pipe(up);
    client.resume();
  };
  up.setTimeout(view.connectTimeoutMs > 0 ? view.connectTimeoutMs : view.upstreamTimeoutMs, () => {
    upstreamFailed(phase === S_CONNECTING ? 'connect' : 'timeout', 'timed out');
  });
  up.on('connect', () => {
    phase = S_WAITING;
    up.setTimeout(view.upstreamTimeoutMs);
    up.write(job.head, 'latin1');
    if (job.rest.length > 0) up.write(job.rest);
  });
  up.on('data', onUpData);
  up.on('error', (err: NodeJS.ErrnoException) => upstreamFailed(phase === S_CONNECTING ? 'connect' : 'reset', err.code ?? err.message));
  up.on('end', () => {
    if (phase === S_WAITING || phase === S_RELAYING) parser.finish();
    if (phase === S_WAITING || phase === S_RELAYING) upstreamFailed('reset', 'closed the connection');
  });
  up.on('close', () => {
    if (phase === S_SPLICED) { phase = S_DONE; client.destroy(); record(); return; }
    if (phase !== S_DONE) upstreamFailed(phase === S_CONNECTING ? 'connect' : 'reset', 'closed the connection');
  });
  client.on('close', () => {
    if (phase === S_DONE) return;
    const spliced = phase === S_SPLICED;
    phase = S_DONE;
    up.destroy();
    if (!spliced) {
      ctx.error ??= 'CLIENT_ABORTED';
      if (ctx.status === 0) ctx.status = 499;
    }
    record();
  });
}

function noop(): void {}
