// Unsolicited `100 Continue` from a backend, dropped before undici's parser sees it.
//
// RFC 9110 §15.2: a client MUST be able to parse one or more 1xx responses before the final one,
// even when it did not expect them, and may ignore them. undici's HTTP/1 parser destroys the
// connection on any 100 ("bad response", client-h1.js onHeadersComplete) because it never sends
// `Expect` itself — and Portico never forwards `Expect` upstream (forwarded-headers.ts), so every
// 100 a backend sends is unsolicited. Other 1xx (102, 103) reach the handler and are skipped there.
//
// How: each upstream socket's read() is wrapped. undici writes a request head as one latin1 string
// starting with the request line ('GET /p HTTP/1.1\r\n'); body bytes are Buffers and chunk framing
// strings start with '\r\n' or a lower-case hex digit, so a string write starting with an upper-case
// method and the request line marks "the next bytes start a response" (pipelining is 1). At that
// point complete `HTTP/1.x 100 …\r\n\r\n` blocks are removed; the first other byte ends the check,
// and from then on read() is the socket's own (one boolean test).
//
// The same request-line test counts the requests written on the socket, so an error the socket
// raises says whether the connection had carried an earlier request: the kept-alive reuse race
// (RFC 9112 §9.3.1) that the forwarder retries. undici puts socket counters on the errors it makes
// itself ('other side closed'), but a kernel ECONNRESET reaches it bare.

import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

const REQUEST_LINE = /^[A-Z]+ [^ ]+ HTTP\/1\.1\r\n/;
/** 'HTTP/1.1 100 ' / 'HTTP/1.0 100 ' (or no reason phrase: 'HTTP/1.1 100\r'). */
const PREFIX = 'HTTP/1.';
const STATUS_LEN = 13;

function startsWith100(b: Buffer): boolean | null {
  const n = Math.min(b.length, STATUS_LEN);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    let ok: boolean;
    if (i < 7) ok = c === PREFIX.charCodeAt(i);
    else if (i === 7) ok = c === 48 || c === 49; // '0' | '1'
    else if (i === 8) ok = c === 32;
    else if (i === 9) ok = c === 49; // '1'
    else if (i === 10 || i === 11) ok = c === 48; // '0'
    else ok = c === 32 || c === 13;
    if (!ok) return false;
  }
  return n === STATUS_LEN ? true : null; // null: too short to tell yet
}

const kReused = Symbol('portico.reusedConnection');

/** Whether `err` came from an upstream connection that had carried an earlier request. */
export function fromReusedConnection(err: Error): boolean {
  return (err as { [kReused]?: boolean })[kReused] === true;
}

/** Wrap one upstream socket (idempotent per socket). */
export function dropUnsolicitedContinue(socket: Socket): Socket {
  // Wrapped and called back with .call(socket): the methods are never detached from their socket.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const ownRead = socket.read;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const ownWrite = socket.write;
  let atStart = true;
  let held: Buffer | null = null;
  let requests = 0;
  // Prepended: undici's own 'error' listener fails the request at once.
  socket.prependListener('error', (err: Error) => {
    if (requests > 1) (err as { [kReused]?: boolean })[kReused] = true;
  });
  socket.write = function write(this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string') {
      const c = chunk.charCodeAt(0);
      if (c >= 65 && c <= 90 && REQUEST_LINE.test(chunk)) {
        atStart = true;
        requests++;
      }
    }
    return (ownWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  socket.read = function read(this: Socket, size?: number): Buffer | null {
    if (!atStart && held === null) return ownRead.call(this, size) as Buffer | null;
    for (;;) {
      const chunk = ownRead.call(this, size) as Buffer | null;
      if (chunk === null) return null; // keep what is held until more arrives
      let buf = held === null ? chunk : Buffer.concat([held, chunk]);
      held = null;
      if (!atStart) return buf;
      for (;;) {
        const is100 = startsWith100(buf);
        if (is100 === false) {
          atStart = false;
          return buf;
        }
        const end = is100 ? buf.indexOf('\r\n\r\n') : -1;
        if (end === -1) {
          held = buf;
          break;
        }
        buf = buf.subarray(end + 4);
        if (buf.length === 0) break;
      }
    }
  } as Socket['read'];
  return socket;
}

/** undici `connect` option: the default connector, each socket wrapped. */
export function connectorDroppingContinue(opts: buildConnector.BuildOptions): buildConnector.connector {
  const base = buildConnector(opts);
  return (options, cb) => base(options, (err, socket) => {
    if (err !== null) cb(err, null);
    else cb(null, dropUnsolicitedContinue(socket));
  });
}
