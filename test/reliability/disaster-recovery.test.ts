// The disaster-recovery paths under faults, on the real stack (the operator processes, the real
// kube-apiserver and Temporal dev server, simulated Icarus nodes behind Pods), with the bucket a real
// Icarus global backup left (test/fixtures/icarus-global-backup) as a file:// location:
//   - a CassandraBackupSync whose worker is SIGKILLed as it lists, then whose watcher restarts: every
//     backup imported once, none twice;
//   - a restore into a rebuilt cluster (another name, new host ids) whose worker is SIGKILLed while its
//     DOWNLOADs are half-way: another worker re-attaches, no operation sent twice, one TRUNCATE;
//   - the same restore when a sidecar restarts and forgets its DOWNLOAD: submitted again to the same
//     backup node's folder, the rows of every node back, one TRUNCATE;
//   - a verify of that backup in the rebuilt cluster whose worker is SIGKILLed half-way through
//     DOWNLOAD: BackupVerified, each DOWNLOAD and CLEANUP once, never TRUNCATE or IMPORT, no row touched;
//   - such a verify cancelled half-way whose worker is SIGKILLed while its CLEANUP runs: each CLEANUP
//     sent once, CANCELLED saying what it deleted;
//   - an operator restart (both processes SIGTERM) with such a restore and such a verify half-way.
// The watcher and the worker run as separate processes (OPERATOR_RUN), as the fault matrix does.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup } from '../../src/kube/api/resources.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Restores, Syncs, succeeded } from '../support/custom-resources.js';
import { FIXTURE_BUCKET, fixture, fixtureRows, NEWER } from '../support/e2e/global-backup-fixture.js';
import { ORDERS, rowsOf } from '../support/e2e/restore.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';
import { kubectlAnnotate } from '../support/kubectl.js';
import { everyNodeHolding, everyStopRequested } from '../support/simulated-holds.js';
import { CANCEL_ANNOTATION } from '../../src/operator/annotation-requests.js';

let kc: KubeConfig;
let namespace: string;
let folder: string;
let location: string;
let syncs: Syncs;
let backups: Backups;
let restores: Restores;
const clusters: PodCluster[] = [];
const operators: OperatorProcess[] = [];
const taskQueue = uniqueName('dr-faults');

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'dr-faults');
  await createS3Secret(kc, namespace, 'creds');
  folder = mkdtempSync(join(tmpdir(), 'cbo-dr-faults-'));
  cpSync(FIXTURE_BUCKET, join(folder, 'bucket'), { recursive: true });
  location = `file://${folder}/bucket`;
  const logs = () => operators.flatMap((o) => o.logs.slice(-15)).join('\n');
  syncs = new Syncs(kc, namespace, logs);
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
});
after(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await Promise.all(clusters.map((c) => c.stop()));
  rmSync(folder, { recursive: true, force: true });
});

async function start(run: 'watcher' | 'worker'): Promise<OperatorProcess> {
  const operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    HEARTBEAT_TIMEOUT_SECONDS: '5',
    RESYNC_SECONDS: '5',
    OPERATOR_RUN: run,
  });
  operators.push(operator);
  await operator.waitForLog(run === 'watcher' ? /Watching CassandraBackupSyncs/ : /Worker running/);
  return operator;
}

async function kill(operator: OperatorProcess): Promise<void> {
  await operator.kill();
  operators.splice(operators.indexOf(operator), 1);
}

async function imported(sync: string): Promise<CassandraBackup[]> {
  const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
    ...resourceNames.CassandraBackup,
    namespace,
    labelSelector: `db.ibm.com/backup-sync=${sync}`,
  })) as { items: CassandraBackup[] };
  return list.items;
}

test('a sync whose worker is SIGKILLed as it lists, then whose watcher restarts: every backup imported once', async () => {
  const watcher = await start('watcher');
  const name = uniqueName('sync');
  await syncs.create(name, { storageLocation: location, secretName: 'creds' });
  await watcher.waitForLog(/Handed the CassandraBackupSync to its workflow/);
  const worker = await start('worker');
  // Killed as soon as it takes the listing (wherever in the listing that lands).
  await worker.waitForLog(/"activityType":"syncLocation".*"msg":"Activity started"/);
  await kill(worker);
  await start('worker');
  const synced = await syncs.waitFor(name, 'Synced=True, 2 imported', (s) => s.status?.importedCount === 2);
  assert.equal(synced.status?.backupCount, 2);

  await watcher.stop();
  operators.splice(operators.indexOf(watcher), 1);
  const restarted = await start('watcher');
  // The new watcher hands the sync over again, which lists at once: nothing new, nothing twice.
  await restarted.waitForLog(/Handed the CassandraBackupSync to its workflow/);
  await syncs.waitFor(name, 'listed again after the restart', (s) =>
    (s.status?.conditions ?? []).some(
      (c) => c.type === 'Synced' && c.message.endsWith('nothing new to import') && c.status === 'True',
    ),
  );
  const made = await imported(name);
  assert.deepEqual(
    made.map((b) => b.spec.snapshotTag).sort(),
    [NEWER, `nightly-${fixture.schemaVersion}-1795500000000`].sort(),
    'each backup of the location imported exactly once',
  );
  for (const b of made) {
    await backups.waitFor(b.metadata.name ?? '', 'Succeeded=True', (x) => succeeded(x) === 'True');
  }
});

/** A cluster of another name, new host ids, the fixture's tokens by ordinal, held half-way through DOWNLOAD. */
async function rebuiltHeld(): Promise<PodCluster> {
  const c = await startPodCluster(kc, namespace, {
    name: uniqueName('rebuilt'),
    datacenters: { [fixture.dc]: fixture.nodes.length },
    identities: fixture.nodes.map((n) => ({ hostId: randomUUID(), tokens: n.tokens })),
    timing: { durationMs: 1500, pendingMs: 30 },
  });
  clusters.push(c);
  c.cluster.nodes.forEach((n) => {
    n.data.set(ORDERS, [{ id: 99, item: 'written in the new cluster' }]);
    n.simulator.hold({ type: 'restore', phase: 'DOWNLOAD', atProgress: 0.5 });
  });
  return c;
}

/** The restore (or verify) of the newer fixture backup into `c`, once every node's DOWNLOAD is held half-way. */
async function restoreHeld(c: PodCluster, mode: 'Restore' | 'Verify' = 'Restore'): Promise<string> {
  const name = uniqueName(mode.toLowerCase());
  await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    snapshotTag: NEWER,
    secretName: 'creds',
    mode,
  });
  await restores.waitFor(
    name,
    'every DOWNLOAD held half-way',
    (r) => c.cluster.nodes.every((n) => n.simulator.heldCount() > 0) && r.status?.phase === 'DOWNLOAD',
  );
  return name;
}

const sent = (c: PodCluster, phase: string) =>
  c.cluster.nodes.map(
    (n) =>
      n.simulator.received.filter((r) => r.type === 'restore' && r.request.restorationPhase === phase).length,
  );

async function assertRestored(c: PodCluster, name: string): Promise<void> {
  await restores.waitFor(name, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(rowsOf(c), fixtureRows(c, 'new'), 'every node has its backup node’s rows');
  assert.equal(
    sent(c, 'TRUNCATE').reduce((a, b) => a + b, 0),
    1,
    'one TRUNCATE',
  );
  c.cluster.nodes.forEach((n, i) => {
    for (const r of n.simulator.received.filter((x) => x.type === 'restore')) {
      assert.equal(
        r.request.storageLocation,
        `${location}/${fixture.clusterName}/${fixture.dc}/${fixture.nodes[i]?.hostId}`,
      );
    }
  });
}

test('a restore into a rebuilt cluster whose worker is SIGKILLed half-way through DOWNLOAD: re-attached, nothing sent twice', async () => {
  const c = await rebuiltHeld();
  const name = await restoreHeld(c);
  const worker = operators.find((o) => o.logs.some((l) => l.includes('Worker running')));
  assert.ok(worker, 'a worker runs');
  await kill(worker);
  await start('worker');
  c.cluster.nodes.forEach((n) => n.simulator.release());
  await assertRestored(c, name);
  assert.deepEqual(sent(c, 'DOWNLOAD'), [1, 1, 1], 'each DOWNLOAD sent once');
});

test('a restore into a rebuilt cluster whose sidecar restarts and forgets its DOWNLOAD: sent again to the same backup node, restored', async () => {
  const c = await rebuiltHeld();
  const name = await restoreHeld(c);
  const first = c.cluster.nodes[0];
  assert.ok(first);
  await first.simulator.restart(1000);
  c.cluster.nodes.forEach((n) => n.simulator.release());
  await assertRestored(c, name);
  assert.deepEqual(sent(c, 'DOWNLOAD'), [2, 1, 1], 'the forgotten DOWNLOAD sent again, the others once');
  await restores.waitForEvent(name, 'OperationLost');
});

test('a verify in a rebuilt cluster whose worker is SIGKILLed half-way through DOWNLOAD: re-attached, verified, nothing touched', async () => {
  const c = await rebuiltHeld();
  const before = rowsOf(c);
  const name = await restoreHeld(c, 'Verify');
  const worker = operators.find((o) => o.logs.some((l) => l.includes('Worker running')));
  assert.ok(worker, 'a worker runs');
  await kill(worker);
  await start('worker');
  c.cluster.nodes.forEach((n) => n.simulator.release());
  const done = await restores.waitFor(name, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.equal(done.status?.conditions?.find((x) => x.type === 'Succeeded')?.reason, 'BackupVerified');
  assert.deepEqual(sent(c, 'DOWNLOAD'), [1, 1, 1], 'each DOWNLOAD sent once');
  assert.deepEqual(sent(c, 'CLEANUP'), [1, 1, 1], 'each CLEANUP sent once');
  assert.deepEqual(
    [...sent(c, 'TRUNCATE'), ...sent(c, 'IMPORT')],
    [0, 0, 0, 0, 0, 0],
    'never TRUNCATE or IMPORT',
  );
  assert.deepEqual(rowsOf(c), before, 'no row touched');
});

test('a verify cancelled half-way whose worker is SIGKILLed while its CLEANUP runs: each CLEANUP sent once, CANCELLED saying so', async () => {
  const c = await rebuiltHeld();
  const before = rowsOf(c);
  const name = await restoreHeld(c, 'Verify');
  await kubectlAnnotate(namespace, `cassandrarestore/${name}`, `${CANCEL_ANNOTATION}=true`);
  await everyStopRequested(c, 'DOWNLOAD');
  // The DOWNLOADs go on to their cancelled end; the CLEANUP that follows waits half-way.
  c.cluster.nodes.forEach((n) => {
    n.simulator.release();
    n.simulator.hold({ type: 'restore', phase: 'CLEANUP', atProgress: 0.5 });
  });
  await everyNodeHolding(c, 'every CLEANUP held half-way');
  const worker = operators.find((o) => o.logs.some((l) => l.includes('Worker running')));
  assert.ok(worker, 'a worker runs');
  await kill(worker);
  await start('worker');
  c.cluster.nodes.forEach((n) => n.simulator.release());
  const done = await restores.waitFor(name, 'CANCELLED', (r) => r.status?.state === 'CANCELLED');
  assert.match(
    done.status?.conditions?.find((x) => x.type === 'Succeeded')?.message ?? '',
    /No table was touched; CLEANUP deleted what the 3 node\(s\) downloaded$/,
  );
  assert.deepEqual(sent(c, 'CLEANUP'), [1, 1, 1], 'each CLEANUP sent once');
  assert.deepEqual([...sent(c, 'TRUNCATE'), ...sent(c, 'IMPORT')], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(rowsOf(c), before, 'no row touched');
});

test('an operator restart (watcher and worker SIGTERM) with a restore and a verify half-way through DOWNLOAD in rebuilt clusters: both finish, nothing sent twice', async () => {
  const restoring = await rebuiltHeld();
  const verifying = await rebuiltHeld();
  const restore = await restoreHeld(restoring);
  const verify = await restoreHeld(verifying, 'Verify');
  const old = operators.splice(0);
  assert.deepEqual(
    await Promise.all(old.map((o) => o.stop())),
    old.map(() => 0),
    'each drained and exited 0',
  );
  await start('watcher');
  await start('worker');
  [restoring, verifying].forEach((c) => c.cluster.nodes.forEach((n) => n.simulator.release()));
  await assertRestored(restoring, restore);
  assert.deepEqual(sent(restoring, 'DOWNLOAD'), [1, 1, 1], 'each DOWNLOAD sent once');
  const verified = await restores.waitFor(verify, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.equal(verified.status?.conditions?.find((x) => x.type === 'Succeeded')?.reason, 'BackupVerified');
  assert.deepEqual(sent(verifying, 'DOWNLOAD'), [1, 1, 1], 'each verify DOWNLOAD sent once');
  assert.deepEqual(sent(verifying, 'TRUNCATE'), [0, 0, 0], 'a verify never truncates');
});
