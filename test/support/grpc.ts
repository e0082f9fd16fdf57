// A real gRPC service for tests (@grpc/grpc-js, JSON messages instead of protobuf so no .proto is
// needed): unary, server-, client- and bidi-streaming, a slow call for deadlines and a failing one.
import * as grpc from '@grpc/grpc-js';

type Msg = Record<string, unknown>;
const ser = (v: Msg): Buffer => Buffer.from(JSON.stringify(v));
const de = (b: Buffer): Msg => JSON.parse(b.toString('utf8')) as Msg;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/portico.test.Echo/${name}`, requestStream, responseStream,
  requestSerialize: ser, requestDeserialize: de, responseSerialize: ser, responseDeserialize: de,
});

export const ECHO_SERVICE = {
  unary: method('Unary', false, false),
  serverStream: method('ServerStream', false, true),
  clientStream: method('ClientStream', true, false),
  bidi: method('Bidi', true, true),
  slow: method('Slow', false, false),
  fail: method('Fail', false, false),
} as const;

export const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
export type Client = InstanceType<typeof EchoClient> & Record<string, any>;

export interface GrpcServer {
  port: number;
  readonly name: string;
  /** Calls the server saw cancelled (client RST_STREAM or deadline). */
  cancelled: number;
  /** grpc-timeout-derived deadlines the server saw, in ms from the call's start (Infinity: none). */
  deadlines: number[];
  close(): Promise<void>;
}

export async function startGrpcServer(name: string, creds: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure()): Promise<GrpcServer> {
  const server = new grpc.Server();
  const state: GrpcServer = { port: 0, name, cancelled: 0, deadlines: [], close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
  const watch = (call: { on(e: 'cancelled', f: () => void): unknown; getDeadline(): grpc.Deadline }) => {
    call.on('cancelled', () => { state.cancelled++; });
    const d = call.getDeadline();
    state.deadlines.push(d instanceof Date ? d.getTime() - Date.now() : d === Infinity ? Infinity : Number(d) - Date.now());
  };
  server.addService(ECHO_SERVICE, {
    unary: (call: any, cb: any) => { watch(call); cb(null, { name, echo: call.request, md: call.metadata.get('x-test')[0] ?? null }); },
    serverStream: (call: any) => {
      watch(call);
      const n = Number(call.request.n ?? 3);
      const every = Number(call.request.every ?? 0);
      let i = 0;
      const next = (): void => {
        if (call.cancelled) return;
        if (i === n) { call.end(); return; }
        call.write({ i: i++ });
        if (every > 0) setTimeout(next, every); else next();
      };
      next();
    },
    clientStream: (call: any, cb: any) => {
      watch(call);
      let sum = 0;
      call.on('data', (m: Msg) => { sum += Number(m.v); });
      call.on('end', () => cb(null, { sum }));
    },
    bidi: (call: any) => {
      watch(call);
      call.on('data', (m: Msg) => call.write({ back: m.v }));
      call.on('end', () => call.end());
    },
    slow: (call: any, cb: any) => {
      watch(call);
      const t = setTimeout(() => cb(null, { late: true }), Number(call.request.ms ?? 2000));
      call.on('cancelled', () => clearTimeout(t));
    },
    fail: (call: any, cb: any) => {
      watch(call);
      const md = new grpc.Metadata();
      md.set('x-detail', 'from-backend');
      cb({ code: grpc.status.NOT_FOUND, details: 'no such thing', metadata: md });
    },
  });
  state.port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, port) => (err ? reject(err) : resolve(port))));
  return state;
}

/** Promise form of a unary call. */
export function unary(client: Client, m: string, req: Msg, opts: { deadlineMs?: number; md?: grpc.Metadata } = {}): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const callOpts = opts.deadlineMs !== undefined ? { deadline: Date.now() + opts.deadlineMs } : {};
    client[m](req, opts.md ?? new grpc.Metadata(), callOpts, (err: grpc.ServiceError | null, res: Msg) => (err ? reject(err) : resolve(res)));
  });
}
