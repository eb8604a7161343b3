// One simulated Icarus sidecar: the REST API of the real one (same paths, status codes and JSON
// shapes; see docs/icarus.md for what is pinned against the real Icarus), operations in memory, and
// fault injection for the reliability tests. Used by the tests and by the local sandbox.
//
// The cluster it answers for is in ./topology.ts, the defaults it fills into a request in
// ./request-defaults.ts, its plain HTTP in ./http.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  OperationStore,
  toJson,
  type Execution,
  type FailurePlan,
  type HoldPlan,
  type SimOperation,
  type Timing,
} from './operations.js';
import type { OperationState } from '../../src/icarus/types.js';
import { readBody, send, sendJson } from './http.js';
import { REQUEST_DEFAULTS } from './request-defaults.js';
import { topologyAnswer, type ClusterView, type NodeIdentity } from './topology.js';

/** Turns a submitted request into what the operation does, or the validation message Icarus would give. */
export type Executor = (request: Record<string, unknown>) => Execution | { invalid: string };

export interface SimulatorOptions {
  /** Loopback address to listen on, one per node (127.0.0.2, 127.0.0.3, ...). */
  host: string;
  /** Port; 0 picks a free one. Icarus's is 4567. */
  port?: number;
  node: NodeIdentity;
  /** The cluster as this node sees it (all nodes, the schema version). */
  topology: () => ClusterView;
  executors: Record<string, Executor>;
  timing?: Partial<Timing>;
  /** The clock of the operations' times and of their expiry: the real one unless a test moves its own. */
  now?: () => Date;
}

export interface Faults {
  /** Answer the next `count` requests with `status` (500 or 503: a struggling sidecar). */
  errorBurst?: { status: number; count: number };
  /** Delay every answer. */
  slowMs?: number;
  /** Accept connections but never answer, until cleared. */
  hang?: boolean;
  /**
   * Answer the next `count` POSTs of this kind of operation (a restore's `phase`) with `status`, accepting
   * nothing: a sidecar struggling just as that request came.
   */
  refuse?: { type: string; phase?: string; status: number; count: number };
}

export interface ReceivedRequest {
  at: string;
  type: string;
  request: Record<string, unknown>;
  operationId: string;
}

/** An accepted operation as a test reads it back (see IcarusSimulator.operation). */
export interface OperationRecord {
  state: OperationState;
  creationTime: string;
  completionTime: string | null;
  cancelRequested: boolean;
  errors: string[];
}

export class IcarusSimulator {
  private server: Server | undefined;
  private readonly store: OperationStore;
  private port: number;
  readonly faults: Faults = {};
  /** Every accepted POST, in order: lets a test prove no node got a second backup or truncate. */
  readonly received: ReceivedRequest[] = [];
  private readonly submitted = new Map<string, SimOperation>();
  /** When each restart happened (its operations were lost then). */
  readonly restarts: string[] = [];
  /** Every request that reached this sidecar, any method or path: the load the operator puts on it. */
  requests = 0;
  /**
   * Requests that arrived while the sidecar hung (`faults.hang`) and that the caller gave up on (closed the
   * connection unanswered, as a client whose time-out passed does): how a test knows a hang lasted longer
   * than the caller's request time-out.
   */
  abandoned = 0;

  constructor(private readonly opts: SimulatorOptions) {
    this.port = opts.port ?? 0;
    this.store = new OperationStore(
      { durationMs: 2000, pendingMs: 50, expirationMs: 3600_000, ...opts.timing },
      opts.node.hostname ?? opts.node.address,
      opts.now,
    );
  }

  get url(): string {
    return `http://${this.opts.host}:${this.port}`;
  }

  /** The state an accepted operation ended in, or was in when a restart lost it (restarts do not forget it here). */
  stateOf(operationId: string): OperationState | undefined {
    return this.submitted.get(operationId)?.state;
  }

  /**
   * What became of an accepted operation, kept after a restart forgot it (tests: was the first operation
   * still running when a second came; did a cancel stop it).
   */
  operation(operationId: string): OperationRecord | undefined {
    const op = this.submitted.get(operationId);
    if (!op) return undefined;
    return {
      state: op.state,
      creationTime: op.creationTime,
      completionTime: op.completionTime,
      cancelRequested: op.cancelRequested,
      errors: op.errors.map((e) => e.message),
    };
  }

  runningCount(type: string): number {
    return this.store.running(type).length;
  }

  /** Failures to inject into the next operations (fail at a given progress, with a message). */
  failNext(plan: FailurePlan): void {
    this.store.failures.push(plan);
  }

  /** Operations that reach the plan's progress stay RUNNING there until `release()`. */
  hold(plan: HoldPlan): void {
    this.store.hold(plan);
  }

  release(): void {
    this.store.release();
  }

  heldCount(): number {
    return this.store.heldCount();
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.opts.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    this.store.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Like a restarted sidecar: down for `downMs`, then back on the same port with no operations. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    this.restarts.push(new Date().toISOString());
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const body = await readBody(req);
    if (this.faults.hang) {
      // The connection stays open, unanswered, until the caller closes it.
      res.once('close', () => (this.abandoned += 1));
      return;
    }
    if (this.faults.slowMs) await new Promise((r) => setTimeout(r, this.faults.slowMs));
    const burst = this.faults.errorBurst;
    if (burst && burst.count > 0) {
      burst.count -= 1;
      send(res, burst.status, burst.status === 503 ? 'Service Unavailable' : 'Internal Server Error');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const opMatch = /^\/operations\/([^/]+)$/.exec(path);

    if (method === 'POST' && path === '/operations') return this.submit(res, body);
    if (method === 'GET' && path === '/operations') {
      const filter = {
        type: url.searchParams.get('type') ?? undefined,
        state: url.searchParams.get('state') ?? undefined,
      };
      return sendJson(res, 200, this.store.list(filter).map(toJson));
    }
    if (opMatch?.[1] && (method === 'GET' || method === 'DELETE')) {
      const id = decodeURIComponent(opMatch[1]);
      if (method === 'DELETE') return send(res, this.store.cancel(id) ? 202 : 404, '');
      const op = this.store.get(id);
      // sidecar-common's catch-all exception mapper turns the NotFoundException of an unknown (or
      // malformed) id into a 500 whose body is the exception's message.
      if (!op) return send(res, 500, 'HTTP 404 Not Found');
      return sendJson(res, 200, toJson(op));
    }
    if (method === 'GET' && (path === '/topology' || path.startsWith('/topology/'))) {
      const dc = path.startsWith('/topology/')
        ? decodeURIComponent(path.slice('/topology/'.length))
        : undefined;
      return sendJson(res, 200, topologyAnswer(this.opts.topology(), dc));
    }
    if (method === 'GET' && path === '/version/schema')
      return sendJson(res, 200, { schemaVersion: this.opts.topology().schemaVersion });
    if (
      method === 'GET' &&
      (path === '/version' || path === '/version/sidecar' || path === '/version/cassandra')
    ) {
      return sendJson(res, 200, { version: path === '/version/cassandra' ? '5.0.8' : '3.0.0-simulated' });
    }
    send(res, 500, 'HTTP 404 Not Found');
  }

  private submit(res: ServerResponse, body: string): void {
    // A body Jackson cannot map to a request is a 500 with Jackson's message (sidecar-common maps
    // every exception to 500); semantic validation happens later, inside the operation.
    let request: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      request = parsed as Record<string, unknown>;
    } catch (err) {
      return send(res, 500, `Unexpected character: ${err instanceof Error ? err.message : String(err)}`);
    }
    const type = typeof request.type === 'string' ? request.type : undefined;
    const executor = type ? this.opts.executors[type] : undefined;
    if (!type) {
      return send(
        res,
        500,
        "Could not resolve subtype of [simple type, class com.instaclustr.operations.OperationRequest]: missing type id property 'type'",
      );
    }
    if (!executor)
      return send(
        res,
        500,
        `Could not resolve type id '${type}' as a subtype of \`com.instaclustr.operations.OperationRequest\``,
      );
    const refuse = this.faults.refuse;
    if (
      refuse &&
      refuse.count > 0 &&
      refuse.type === type &&
      (refuse.phase === undefined || refuse.phase === request.restorationPhase)
    ) {
      refuse.count -= 1;
      return send(
        res,
        refuse.status,
        refuse.status === 503 ? 'Service Unavailable' : 'Internal Server Error',
      );
    }
    const op = this.store.submit(type, { ...(REQUEST_DEFAULTS[type] ?? {}), ...request }, executor(request));
    this.received.push({ at: op.creationTime, type, request, operationId: op.id });
    this.submitted.set(op.id, op);
    res.setHeader('Location', `${this.url}/operations/${op.id}`);
    sendJson(res, 201, toJson(op));
  }
}
