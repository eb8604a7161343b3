// Error mapping of the Icarus client, one test per error class, against a local HTTP server that
// answers exactly what each case needs (the contract suite checks the real answers of Icarus).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { IcarusClient } from '../../../src/icarus/client.js';
import {
  IcarusOperationLostError,
  IcarusProtocolError,
  IcarusRejectedError,
  IcarusUnavailableError,
} from '../../../src/icarus/errors.js';
import { freePort } from '../../../src/net/free-port.js';

const OP_ID = '0c7f8b47-6a44-4b3e-9c1e-3d0f5a2b9e11';
const operation = {
  id: OP_ID,
  type: 'backup',
  state: 'RUNNING',
  progress: 0.25,
  errors: [],
  snapshotTag: 't',
};
let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void = () => {};
const received: { method?: string; url?: string; body: string }[] = [];
let server: Server;
let client: IcarusClient;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new IcarusClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    timeoutMs: 500,
  });
});
after(() => new Promise<void>((r) => server.close(() => r())));

const reply = (status: number, body: unknown, type = 'application/json') => {
  handler = (_req, res) => {
    res.writeHead(status, { 'Content-Type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
};

test('submit posts the request as JSON and returns the validated operation', async () => {
  reply(201, operation);
  const op = await client.submit({ type: 'backup', snapshotTag: 't' });
  assert.equal(op.id, OP_ID);
  assert.equal(op.state, 'RUNNING');
  assert.equal(op.snapshotTag, 't', 'request fields unwrapped into the operation are kept');
  const last = received.at(-1);
  assert.equal(last?.method, 'POST');
  assert.equal(last?.url, '/operations');
  assert.deepEqual(JSON.parse(last?.body ?? ''), { type: 'backup', snapshotTag: 't' });
});

test('a 4xx answer is a non-retryable rejection carrying Icarus’s message', async () => {
  reply(400, 'storageLocation is not valid: nope://x', 'text/plain');
  const err = await client.submit({ type: 'backup' }).catch((e: unknown) => e);
  assert.ok(err instanceof IcarusRejectedError);
  assert.equal(err.retryable, false);
  assert.equal(err.status, 400);
  assert.match(
    err.message,
    /answered 400 submitting a backup operation: storageLocation is not valid: nope:\/\/x/,
  );
});

test('5xx answers are retryable unavailability', async () => {
  reply(503, 'Service Unavailable', 'text/plain');
  const err = await client.listOperations({ type: 'backup' }).catch((e: unknown) => e);
  assert.ok(err instanceof IcarusUnavailableError);
  assert.equal(err.retryable, true);
  assert.equal(received.at(-1)?.url, '/operations?type=backup');
});

test('a refused connection is retryable unavailability', async () => {
  const closed = new IcarusClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, timeoutMs: 500 });
  const err = await closed.getOperation(OP_ID).catch((e: unknown) => e);
  assert.ok(err instanceof IcarusUnavailableError);
  assert.match(err.message, /did not answer GET \/operations\/.*ECONNREFUSED/);
});

test('a time-out is retryable unavailability', async () => {
  handler = () => {}; // never answers
  const err = await client.getOperation(OP_ID).catch((e: unknown) => e);
  assert.ok(err instanceof IcarusUnavailableError);
  assert.match(err.message, /ECONNABORTED|timeout/i);
});

test('an unknown operation id is its own error, whether Icarus says 404 or 500 "HTTP 404 Not Found"', async () => {
  reply(500, 'HTTP 404 Not Found', 'text/plain');
  const lost = await client.getOperation(OP_ID).catch((e: unknown) => e);
  assert.ok(lost instanceof IcarusOperationLostError);
  assert.equal(lost.operationId, OP_ID);
  reply(404, '');
  assert.ok(
    (await client.cancelOperation(OP_ID).catch((e: unknown) => e)) instanceof IcarusOperationLostError,
  );
  reply(500, 'java.lang.NullPointerException', 'text/plain');
  assert.ok(
    (await client.getOperation(OP_ID).catch((e: unknown) => e)) instanceof IcarusUnavailableError,
    'other 500s stay retryable',
  );
});

test('an answer that is not the promised JSON is a protocol error', async () => {
  reply(200, '<html>proxy error</html>', 'text/html');
  assert.ok((await client.getOperation(OP_ID).catch((e: unknown) => e)) instanceof IcarusProtocolError);
  reply(200, { ...operation, state: 'EXPLODED' });
  const err = await client.getOperation(OP_ID).catch((e: unknown) => e);
  assert.ok(err instanceof IcarusProtocolError);
  assert.match(err.message, /state/);
});

test("the caller's AbortSignal cancels a call in flight", async () => {
  handler = () => {};
  const controller = new AbortController();
  const pending = client.listOperations({}, { signal: controller.signal }).catch((e: unknown) => e);
  controller.abort();
  const err = await pending;
  // Named AbortError: Temporal's worker reports the activity cancelled, not failed (isAbortError).
  assert.ok(err instanceof Error && err.name === 'AbortError', String(err));
  assert.match(err.message, /^GET \/operations to Icarus at http:\/\/\S+ was aborted/);
});

test('DELETE answers 202 and resolves', async () => {
  reply(202, '');
  await client.cancelOperation(OP_ID);
  assert.equal(received.at(-1)?.method, 'DELETE');
});
