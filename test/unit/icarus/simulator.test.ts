// The simulator's fault injection and life cycle, through the real client: what the reliability tests
// will lean on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IcarusClient } from '../../../src/icarus/client.js';
import { IcarusOperationLostError, IcarusUnavailableError } from '../../../src/icarus/errors.js';
import { SimulatedCluster } from '../../../dev/icarus-simulator/cluster.js';
import { finishedStates, type Operation } from '../../../src/icarus/types.js';
import { eventually } from '../../support/wait.js';

const root = mkdtempSync(join(tmpdir(), 'icarus-sim-'));
/** How far the simulator's clock is ahead of the real one: a test moves it instead of waiting. */
let clockAhead = 0;
const cluster = new SimulatedCluster({
  name: 'sim',
  datacenters: { dc1: 1 },
  storageRoot: root,
  port: 0,
  timing: { durationMs: 400, pendingMs: 10, expirationMs: 1500 },
  now: () => new Date(Date.now() + clockAhead),
});
const node = cluster.nodes[0]!;
let client: IcarusClient;

before(async () => {
  await cluster.start();
  client = new IcarusClient({ baseUrl: node.simulator.url, timeoutMs: 300 });
});
after(async () => {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
});

const backup = (extra: Record<string, unknown> = {}) => ({
  type: 'backup',
  globalRequest: false,
  storageLocation: `file://${root}/bucket/sim/dc1/${node.identity.hostId}`,
  snapshotTag: `t-${cluster.schemaVersion}-${Date.now()}`,
  dataDirs: ['/var/lib/cassandra/data'],
  ...extra,
});

/** The operation once it has ended. */
function settle(id: string): Promise<Operation> {
  return eventually(
    `operation ${id} to end`,
    async () => {
      const op = await client.getOperation(id);
      return finishedStates.has(op.state) ? op : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 20 },
  );
}

/** Until `n` operations wait at a hold. */
function untilHeld(n = 1): Promise<true> {
  return eventually(
    `${n} operation(s) at the hold`,
    () => Promise.resolve(node.simulator.heldCount() >= n || undefined),
    {
      timeoutMs: 30_000,
      intervalMs: 10,
    },
  );
}

test('a burst of 503 answers is retryable unavailability, then the sidecar answers again', async () => {
  node.simulator.faults.errorBurst = { status: 503, count: 2 };
  await assert.rejects(client.listOperations(), IcarusUnavailableError);
  await assert.rejects(client.listOperations(), IcarusUnavailableError);
  assert.ok(Array.isArray(await client.listOperations()));
});

test('slow answers and hangs become time-outs', async () => {
  node.simulator.faults.slowMs = 600;
  await assert.rejects(client.listOperations(), IcarusUnavailableError);
  node.simulator.faults.slowMs = 0;
  node.simulator.faults.hang = true;
  const abandoned = node.simulator.abandoned;
  await assert.rejects(client.listOperations(), IcarusUnavailableError);
  // The sidecar sees the caller give up (what the fault matrix waits for).
  await eventually(
    'the hung request abandoned',
    () => Promise.resolve(node.simulator.abandoned === abandoned + 1 || undefined),
    { timeoutMs: 10_000, intervalMs: 10 },
  );
  node.simulator.faults.hang = false;
  assert.ok(Array.isArray(await client.listOperations()));
});

test('an injected failure ends the operation FAILED at that progress, with progress forced to 1.0', async () => {
  node.simulator.failNext({ atProgress: 0.5, message: 'disk full', type: 'backup', times: 1 });
  const op = await settle((await client.submit(backup())).id);
  assert.equal(op.state, 'FAILED');
  assert.equal(op.progress, 1);
  assert.deepEqual(
    op.errors?.map((e) => e.message),
    ['disk full'],
  );
  assert.equal((await settle((await client.submit(backup())).id)).state, 'COMPLETED', 'the plan was used up');
});

test('a hold keeps matching operations RUNNING at its progress until released', async () => {
  node.simulator.hold({ type: 'backup', atProgress: 0.5, topologyUpload: false });
  const id = (await client.submit(backup())).id;
  await untilHeld();
  // A witness the hold does not match, started now, runs its whole course (longer than the rest of the
  // held one's): once it has ended, the held operation would have too, had the hold not kept it.
  const witness = (await client.submit(backup({ uploadClusterTopology: true }))).id;
  assert.equal((await settle(witness)).state, 'COMPLETED');
  const held = await client.getOperation(id);
  assert.equal(held.state, 'RUNNING');
  assert.equal(held.progress, 0.5);
  node.simulator.release();
  assert.equal(node.simulator.heldCount(), 0);
  const done = await settle(id);
  assert.equal(done.state, 'COMPLETED');
  assert.equal(done.progress, 1);
});

test('a hold can single out the topology upload of a backup', async () => {
  node.simulator.hold({ type: 'backup', atProgress: 0.5, topologyUpload: true });
  const data = (await client.submit(backup())).id;
  const topology = (await client.submit(backup({ uploadClusterTopology: true }))).id;
  assert.equal((await settle(data)).state, 'COMPLETED', 'a backup of data is not held');
  await untilHeld();
  assert.equal((await client.getOperation(topology)).state, 'RUNNING');
  node.simulator.release();
  assert.equal((await settle(topology)).state, 'COMPLETED');
});

test('DELETE fails a rate-limited upload in flight, as esop does', async () => {
  const op = await client.submit(backup({ bandwidth: { value: 1, unit: 'MBPS' } }));
  await eventually(
    'the upload to be in flight',
    async () => ((await client.getOperation(op.id)).state === 'RUNNING' ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 10 },
  );
  await client.cancelOperation(op.id);
  const done = await settle(op.id);
  assert.equal(done.state, 'FAILED');
  assert.match(done.errors?.[0]?.message ?? '', /Unable to upload some files successfully/);
});

test('one node-local restore at a time', async () => {
  const restore = {
    type: 'restore',
    globalRequest: false,
    storageLocation: `file://${root}/bucket/sim/dc1/${node.identity.hostId}`,
    snapshotTag: 'nothing',
    restorationStrategyType: 'HARDLINKS',
    restorationPhase: 'CLUSTER_HEALTHCHECK',
    import: { type: 'import', sourceDir: 'file:///tmp/x' },
  };
  const [a, b] = await Promise.all([client.submit(restore), client.submit(restore)]);
  const ends = await Promise.all([settle(a.id), settle(b.id)]);
  assert.ok(
    ends.some((o) =>
      o.errors?.some((e) => e.message === 'We can not run two normal restoration requests simultaneously.'),
    ),
  );
});

test('a restarted sidecar has lost every operation; finished operations also expire', async () => {
  const done = await settle((await client.submit(backup())).id);
  assert.equal((await client.getOperation(done.id)).id, done.id, 'known while younger than expirationMs');
  clockAhead += 1600; // past expirationMs (1500)
  await assert.rejects(client.getOperation(done.id), IcarusOperationLostError, 'expired after expirationMs');

  const running = await client.submit(backup());
  const counted = node.simulator.requests;
  await client.getOperation(running.id);
  assert.equal(node.simulator.requests, counted + 1, 'every request is counted (the benchmark reads it)');
  await node.simulator.restart(100);
  await assert.rejects(client.getOperation(running.id), IcarusOperationLostError);
  assert.deepEqual(await client.listOperations(), []);
  assert.equal(
    node.simulator.received.filter((r) => r.operationId === running.id).length,
    1,
    'what was received is kept for the tests',
  );
});

test('a test reads back what became of an operation, after a restart too', async () => {
  const done = await settle((await client.submit(backup({ bandwidth: { value: 1, unit: 'MBPS' } }))).id);
  const record = node.simulator.operation(done.id);
  assert.equal(record?.state, 'COMPLETED');
  assert.equal(record?.creationTime, done.creationTime);
  assert.ok(record?.completionTime, 'completion time is kept');
  assert.equal(record?.cancelRequested, false);

  const cancelled = await client.submit(backup({ bandwidth: { value: 1, unit: 'MBPS' } }));
  await client.cancelOperation(cancelled.id);
  await settle(cancelled.id);
  const stopped = node.simulator.operation(cancelled.id);
  assert.equal(stopped?.state, 'FAILED');
  assert.equal(stopped?.cancelRequested, true);
  assert.match(stopped?.errors.join() ?? '', /cancelled/);

  const lost = await client.submit(backup());
  await node.simulator.restart(0);
  const forgotten = node.simulator.operation(lost.id);
  assert.ok(forgotten, 'still known to the test after the restart');
  assert.equal(forgotten.completionTime, null, 'it never ended');
  assert.equal(node.simulator.operation('no-such-id'), undefined);
});
