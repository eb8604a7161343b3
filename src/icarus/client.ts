// Typed HTTP client of one Icarus sidecar. Every call has a time-out and takes the caller's
// AbortSignal (an activity's cancellation signal), and every failure becomes one of ./errors.ts.
import axios, { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import {
  IcarusOperationLostError,
  IcarusProtocolError,
  IcarusRejectedError,
  IcarusUnavailableError,
  IcarusError,
} from './errors.js';
import {
  operationSchema,
  topologySchema,
  type Operation,
  type OperationState,
  type Topology,
} from './types.js';

export interface IcarusClientOptions {
  /** http://host:port of the sidecar. */
  baseUrl: string;
  /** Per-request time-out; default 10 s. */
  timeoutMs?: number;
  /** Told of every failed call (for metrics); the error is thrown to the caller all the same. */
  onError?: (error: IcarusError) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** Icarus's catch-all exception mapper turns an unknown operation id into this 500 body. */
const NOT_FOUND_BODY = /HTTP 404 Not Found/;

export class IcarusClient {
  private readonly http: AxiosInstance;
  readonly endpoint: string;
  private readonly onError: ((error: IcarusError) => void) | undefined;

  constructor(opts: IcarusClientOptions) {
    this.onError = opts.onError;
    this.endpoint = opts.baseUrl.replace(/\/+$/, '');
    this.http = axios.create({
      baseURL: this.endpoint,
      timeout: opts.timeoutMs ?? 10_000,
      headers: { Accept: 'application/json' },
      // Every status is an answer to interpret here, not an exception thrown by axios.
      validateStatus: () => true,
      // Keep bodies as text: Icarus answers errors in plain text.
      transformResponse: (data: unknown) => data,
      responseType: 'text',
    });
  }

  /** POST /operations: 201 with the operation. An invalid request may still be 201, then FAILED. */
  async submit(request: Record<string, unknown>, opts: CallOptions = {}): Promise<Operation> {
    return this.reported(async () => {
      const res = await this.call('POST /operations', () =>
        this.http.post('/operations', request, { signal: opts.signal }),
      );
      this.expect(res, [200, 201], `submitting a ${String(request.type)} operation`);
      return this.parse(res, operationSchema, 'operation');
    });
  }

  /** GET /operations/{id}; an id Icarus does not know is IcarusOperationLostError. */
  async getOperation(id: string, opts: CallOptions = {}): Promise<Operation> {
    return this.reported(async () => {
      const res = await this.call(`GET /operations/${id}`, () =>
        this.http.get(`/operations/${encodeURIComponent(id)}`, { signal: opts.signal }),
      );
      if (this.isUnknownOperation(res)) throw new IcarusOperationLostError(id, this.endpoint, res.status);
      this.expect(res, [200], `reading operation ${id}`);
      return this.parse(res, operationSchema, 'operation');
    });
  }

  /** GET /operations?type=&state=: newest first. */
  async listOperations(
    filter: { type?: string; state?: OperationState } = {},
    opts: CallOptions = {},
  ): Promise<Operation[]> {
    return this.reported(async () => {
      const res = await this.call('GET /operations', () =>
        this.http.get('/operations', { params: filter, signal: opts.signal }),
      );
      this.expect(res, [200], 'listing operations');
      return this.parse(res, operationSchema.array(), 'operation list');
    });
  }

  /** DELETE /operations/{id}: flags the operation cancelled (202). */
  async cancelOperation(id: string, opts: CallOptions = {}): Promise<void> {
    return this.reported(async () => {
      const res = await this.call(`DELETE /operations/${id}`, () =>
        this.http.delete(`/operations/${encodeURIComponent(id)}`, { signal: opts.signal }),
      );
      if (this.isUnknownOperation(res)) throw new IcarusOperationLostError(id, this.endpoint, res.status);
      this.expect(res, [200, 202, 204], `cancelling operation ${id}`);
    });
  }

  /** GET /topology[/{dc}]: the cluster as this node sees it over JMX. */
  async topology(dc?: string, opts: CallOptions = {}): Promise<Topology> {
    return this.reported(async () => {
      const path = dc ? `/topology/${encodeURIComponent(dc)}` : '/topology';
      const res = await this.call(`GET ${path}`, () => this.http.get(path, { signal: opts.signal }));
      this.expect(res, [200], 'reading the topology');
      return this.parse(res, topologySchema, 'topology');
    });
  }

  /** GET /version/{what} (sidecar, cassandra, schema) or /version: raw JSON, for version detection. */
  async version(what?: 'sidecar' | 'cassandra' | 'schema', opts: CallOptions = {}): Promise<unknown> {
    return this.reported(async () => {
      const path = what ? `/version/${what}` : '/version';
      const res = await this.call(`GET ${path}`, () => this.http.get(path, { signal: opts.signal }));
      this.expect(res, [200], `reading ${path}`);
      return this.json(res, path);
    });
  }

  private async reported<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      if (err instanceof IcarusError) this.onError?.(err);
      throw err;
    }
  }

  private async call(
    what: string,
    send: () => Promise<AxiosResponse<string>>,
  ): Promise<AxiosResponse<string>> {
    try {
      return await send();
    } catch (err) {
      if (isAxiosError(err) && err.code === 'ERR_CANCELED') throw aborted(what, this.endpoint);
      const reason = isAxiosError(err) ? (err.code ?? err.message) : String(err);
      throw new IcarusUnavailableError(
        `Icarus at ${this.endpoint} did not answer ${what}: ${reason}`,
        this.endpoint,
      );
    }
  }

  private isUnknownOperation(res: AxiosResponse<string>): boolean {
    return res.status === 404 || (res.status === 500 && NOT_FOUND_BODY.test(res.data ?? ''));
  }

  private expect(res: AxiosResponse<string>, ok: number[], doing: string): void {
    if (ok.includes(res.status)) return;
    const detail = `Icarus at ${this.endpoint} answered ${res.status} ${doing}: ${excerpt(res.data)}`;
    const error: IcarusError =
      res.status >= 500 || res.status === 429 || res.status === 408
        ? new IcarusUnavailableError(detail, this.endpoint, res.status)
        : new IcarusRejectedError(detail, this.endpoint, res.status);
    throw error;
  }

  private json(res: AxiosResponse<string>, what: string): unknown {
    try {
      return JSON.parse(res.data);
    } catch {
      throw new IcarusProtocolError(
        `Icarus at ${this.endpoint} sent ${what} that is not JSON: ${excerpt(res.data)}`,
        this.endpoint,
        res.status,
      );
    }
  }

  private parse<T>(res: AxiosResponse<string>, schema: z.ZodType<T>, what: string): T {
    const parsed = schema.safeParse(this.json(res, what));
    if (!parsed.success) {
      throw new IcarusProtocolError(
        `Icarus at ${this.endpoint} sent an unexpected ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        this.endpoint,
        res.status,
      );
    }
    return parsed.data;
  }
}

function excerpt(body: string | undefined): string {
  const text = (body ?? '').trim().replace(/\s+/g, ' ');
  return text.length > 500 ? `${text.slice(0, 500)}…` : text || '(empty body)';
}

/**
 * A call stopped by the caller's AbortSignal: an error named AbortError, which is how Temporal's worker
 * knows a cancelled activity from a failed one (axios names its own CanceledError). A watch cancelled
 * mid-poll then ends as cancelled, and its workflow goes on with the clean-up, instead of failing.
 */
function aborted(what: string, endpoint: string): Error {
  const err = new Error(`${what} to Icarus at ${endpoint} was aborted: the caller was cancelled`);
  err.name = 'AbortError';
  return err;
}
