// The fault matrix (issue 7): every fault strikes a backup and a restore in each of its phases while their
// Icarus operations are half-way (held there by the simulator), then everything is followed to its end.
// Each must end in the right state, lose nothing, send no operation twice (a resubmission of an operation
// a restarted Icarus forgot is counted apart) and never TRUNCATE again on its own; the status must say
// what happened. The suite prints one table (also `npm run test:reliability`; README, "Reliability").
//
// It runs on a stack of its own (Temporal with a database file, kube-apiserver + etcd): restarting the
// shared servers would disturb the other test files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Stack } from '../../dev/stack/index.js';
import { finishedStates } from '../../src/icarus/types.js';
import {
  formatRows,
  formatSummary,
  runFault,
  type Fault,
  type FaultContext,
  type Row,
} from '../support/fault-matrix.js';
import { startKubeFaultProxy, type KubeFaultProxy } from '../support/kube-fault-proxy.js';
import { startOwnStack, type OwnStack } from '../support/own-stack.js';
import { createS3Secret, startPodCluster } from '../support/cassandra-pods.js';
import { Backups, succeeded } from '../support/custom-resources.js';
import { startOperator } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

let own: OwnStack | undefined;
let stack: Stack;
let dbDir: string | undefined;
let kc: KubeConfig;
let proxy: KubeFaultProxy;
const rows: Row[] = [];
const started = new Date();

before(async () => {
  dbDir = mkdtempSync(join(tmpdir(), 'cbo-faults-'));
  own = await startOwnStack({ ownTemporal: true, temporalDbFile: join(dbDir, 'temporal.db') });
  stack = own.stack;
  kc = kubeConfig();
  proxy = await startKubeFaultProxy(
    own.operatorKubeconfig ?? stack.kube.kubeconfigPath,
    join(stack.workDir, 'proxied-kubeconfig'),
  );
});

after(async () => {
  if (rows.length > 0) {
    const date = started.toISOString().slice(0, 10);
    console.log(`\nFault matrix, ${date}:\n\n${formatRows(rows)}\n\nBy fault:\n\n${formatSummary(rows)}\n`);
  }
  await proxy?.stop();
  await own?.stop();
  if (dbDir) rmSync(dbDir, { recursive: true, force: true });
});

/** Every cluster a fault strikes: the one of each subject, once. */
const clustersOf = (ctx: FaultContext) => [...new Set(ctx.subjects.map((s) => s.cluster))];
/** The nodes whose operations are held half-way: those the operator is watching now. */
const busyNodes = (ctx: FaultContext) =>
  clustersOf(ctx)
    .flatMap((c) => c.cluster.nodes)
    .filter((n) => n.simulator.heldCount() > 0);

async function check(fault: Fault): Promise<void> {
  const result = await runFault(kc, fault);
  rows.push(...result);
  const problems = result.flatMap((r) => r.problems);
  assert.deepEqual(problems, [], problems.join('\n'));
  for (const r of result) {
    assert.equal(r.lost, 0, `${r.target}: operations lost`);
    assert.equal(r.duplicated, 0, `${r.target}: operations duplicated`);
    if (r.target.startsWith('restore')) {
      const expected = fault.expect?.[r.target.slice('restore '.length) as 'TRUNCATE'] ? 2 : 1;
      assert.equal(r.truncates, expected, `${r.target}: TRUNCATEs sent`);
    }
  }
}

test('worker SIGKILL: another worker re-attaches to the running operations', async () => {
  await check({
    scenario: 'worker SIGKILL',
    splitOperator: true,
    async apply(ctx) {
      const worker = ctx.operators.find((o) => o.logs.some((l) => l.includes('Worker running')));
      assert.ok(worker, 'a worker runs');
      await worker.kill();
      ctx.operators.splice(ctx.operators.indexOf(worker), 1);
      await ctx.startOperator('worker');
    },
  });
});

test('operator restart (SIGTERM) with 20 resources in flight: the new one finishes them all', async () => {
  await check({
    scenario: 'operator restart, 20 in flight',
    extraBackups: 15,
    async apply(ctx) {
      const old = ctx.operators.splice(0);
      const codes = await Promise.all(old.map((o) => o.stop()));
      assert.deepEqual(codes, [0], 'the operator drained and exited 0');
      await ctx.startOperator('all');
    },
  });
});

test('Temporal server restart (state in its database file)', async () => {
  await check({
    scenario: 'Temporal server restart',
    async apply() {
      await stack.temporal.restart(3000);
    },
  });
});

test('kube-apiserver restart', async () => {
  await check({
    scenario: 'kube-apiserver restart',
    async apply() {
      await stack.kube.restartApiserver();
    },
  });
});

test('one Icarus restarts and forgets its operations: lost ones are submitted again, TRUNCATE never', async () => {
  await check({
    scenario: 'Icarus restart (operations lost)',
    expect: { TRUNCATE: { failsWith: 'TruncateLost' } },
    async apply(ctx) {
      // The first node of each cluster: the one that runs the TRUNCATE.
      const first = clustersOf(ctx).flatMap((c) => c.cluster.nodes.slice(0, 1));
      await Promise.all(first.map((n) => n.simulator.restart(1000)));
    },
  });
});

test('Icarus answers 500 for a while', async () => {
  await check({
    scenario: 'Icarus 500s',
    async apply(ctx) {
      const nodes = busyNodes(ctx);
      for (const n of nodes) n.simulator.faults.errorBurst = { status: 500, count: 8 };
      await eventually('every 500 answered', () =>
        Promise.resolve(nodes.every((n) => n.simulator.faults.errorBurst?.count === 0) || undefined),
      );
    },
  });
});

test('Icarus hangs (accepts, never answers) longer than the request time-out', async () => {
  await check({
    scenario: 'Icarus hangs past the time-out',
    async apply(ctx) {
      const nodes = busyNodes(ctx);
      const before = nodes.map((n) => n.simulator.abandoned);
      nodes.forEach((n) => (n.simulator.faults.hang = true));
      // Until the operator has given up on a request to every node: the hang outlasted its time-out.
      await eventually('a request to every hung node timed out', () =>
        Promise.resolve(nodes.every((n, i) => n.simulator.abandoned > (before[i] ?? 0)) || undefined),
      );
      nodes.forEach((n) => (n.simulator.faults.hang = false));
    },
  });
});

test('status writes answered 409 Conflict for a while', async () => {
  await check({
    scenario: 'status writes 409',
    kubeconfig: () => proxy.kubeconfigPath,
    async apply(ctx) {
      const before = proxy.conflicts;
      proxy.openConflicts(ctx.subjects.map((s) => s.name));
      // The held operations: they end while the conflicts last, so their ends must be written through them.
      const held = busyNodes(ctx).flatMap((n) =>
        n.simulator.received
          .filter((r) => n.simulator.stateOf(r.operationId) === 'RUNNING')
          .map((r) => () => finishedStates.has(n.simulator.stateOf(r.operationId) ?? 'RUNNING')),
      );
      assert.ok(held.length > 0, 'operations were held');
      // The operations move on meanwhile, so there is progress to write.
      ctx.release();
      await eventually(
        'the held operations to end, and more than five status writes refused',
        () => Promise.resolve((held.every((ended) => ended()) && proxy.conflicts > before + 5) || undefined),
        { describe: () => `${proxy.conflicts - before} refused` },
      );
      // And a write made after they ended refused too: the operator knew of the ends and could not write them.
      const atEnd = proxy.conflicts;
      await eventually('a status write after the ends refused', () =>
        Promise.resolve(proxy.conflicts > atEnd || undefined),
      );
      proxy.closeConflicts();
    },
  });
});

test('an Icarus that keeps forgetting: submitted again twice, then IcarusOperationLost; retry completes it', async () => {
  const namespace = await createNamespace(kc, 'faults-forgetful');
  await createS3Secret(kc, namespace, 'creds');
  const cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('forgetful'),
    datacenters: { dc1: 1 },
    timing: { durationMs: 2000, pendingMs: 50 },
    addressPrefix: '127.229.0',
    buckets: ['s3://faults'],
  });
  const operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('faults-forgetful'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
  });
  const { client, close } = await temporalClient();
  try {
    await operator.waitForLog(/Worker running/);
    const node = cluster.cluster.nodes[0];
    assert.ok(node);
    const sim = node.simulator;
    sim.hold({ type: 'backup', atProgress: 0.5 });
    const backups = new Backups(kc, namespace, () => operator.logs.slice(-30).join('\n'));
    const spec = {
      cassandraCluster: cluster.cluster.opts.name,
      storageLocation: 's3://faults',
      secretName: 'creds',
    };
    await backups.create('forgotten', spec);
    const struck = Date.now();
    // Each operation the operator submits is forgotten half-way: the first, and both resubmissions.
    for (let i = 1; i <= 3; i++) {
      await eventually(`operation ${i} half-way`, () =>
        Promise.resolve((sim.heldCount() === 1 && sim.received.length === i) || undefined),
      );
      await sim.restart(200);
    }
    const over = Date.now();
    const failed = await backups.waitFor('forgotten', 'Succeeded=False', (b) => succeeded(b) === 'False');
    const recovered = Date.now();
    const condition = failed.status?.conditions?.find((c) => c.type === 'Succeeded');
    assert.equal(condition?.reason, 'IcarusOperationLost', condition?.message);
    assert.match(condition?.message ?? '', new RegExp(cluster.pods[0] ?? 'pod'));
    await backups.waitForEvent('forgotten', 'IcarusOperationLost');
    const lostEvents = (await backups.events('forgotten')).filter((e) => e.reason === 'OperationLost');
    assert.equal(lostEvents.length, 2, 'an OperationLost Event per resubmission');
    assert.equal(sim.received.length, 3, 'no fourth submission on its own');

    sim.release();
    await client.workflow.getHandle(failed.status?.workflowId ?? '').signal('retry');
    const done = await backups.waitFor('forgotten', 'COMPLETED after retry', (b) => succeeded(b) === 'True');
    const data = sim.received.filter((r) => r.request.uploadClusterTopology !== true);
    const last = data.at(-1);
    assert.equal(data.length, 4, 'the retry submitted it once more');
    assert.equal(sim.stateOf(last?.operationId ?? ''), 'COMPLETED');
    assert.equal(done.status?.nodes?.[0]?.operationId, last?.operationId);
    rows.push({
      scenario: 'Icarus forgets the same operation 3×',
      target: 'backup (1 node)',
      outcome: 'FAILED IcarusOperationLost → retry → COMPLETED',
      lost: 0,
      duplicated: 0,
      resubmitted: 2,
      truncates: 0,
      faultSeconds: (over - struck) / 1000,
      recoverySeconds: (recovered - over) / 1000,
      problems: [],
    });
  } finally {
    await close();
    await operator.stop();
    await cluster.stop();
  }
});
