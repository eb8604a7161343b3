// Every example in k8s/examples, as a user applies it: with the real kubectl, unchanged, to a simulated
// 3-node cluster "my-cluster" (and a 1-node "compose" for the compose example) whose buckets exist.
// Each backup and restore ends COMPLETED, the schedule Ready, the sync Synced. The examples are consistent with each
// other: the restores read what the backups wrote. Only the file:// examples' folders (paths of the
// Cassandra nodes' machines) are moved under a temporary folder of this machine.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../dev/stack/repo.js';
import { startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Restores, Schedules, Syncs, decided, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

const run = promisify(execFile);
const dir = join(repoRoot, 'k8s', 'examples');
const scratch = mkdtempSync(join(tmpdir(), 'cbo-examples-'));

interface Example {
  file: string;
  kind: string;
  name: string;
  spec: Record<string, unknown>;
  /** The manifest as applied: the file, with a file:// folder moved under `scratch`. */
  text: string;
}

/** Every object of every example file. */
const examples: Example[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) => {
    const text = readFileSync(join(dir, file), 'utf8').replaceAll('file:///', `file://${scratch}/`);
    return parseAllDocuments(text).map((d) => {
      const o = d.toJS() as { kind: string; metadata: { name: string }; spec?: Record<string, unknown> };
      return { file, kind: o.kind, name: o.metadata.name, spec: o.spec ?? {}, text };
    });
  });

const locations = (cluster: string) =>
  examples
    .filter((e) => e.kind === 'CassandraBackup' && e.spec.cassandraCluster === cluster)
    .map((e) => String(e.spec.storageLocation));

let kc: KubeConfig;
let namespace: string;
let operator: OperatorProcess | undefined;
const clusters: PodCluster[] = [];

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'e2e-examples');
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-examples'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
  });
  for (const [name, nodes] of [
    ['my-cluster', 3],
    ['compose', 1],
  ] as const) {
    const c = await startPodCluster(kc, namespace, {
      name,
      datacenters: { dc1: nodes },
      timing: { durationMs: 300, pendingMs: 20 },
      buckets: locations(name),
    });
    clusters.push(c);
    c.cluster.nodes.forEach((n, i) => {
      n.data.set('shop.orders', [{ id: i, item: `book-${i}` }]);
      n.data.set('shop.order_items', [{ id: i, item: `line-${i}` }]);
      n.data.set('shop.orders_restored', []);
      n.data.set('inventory.stock', [{ id: i, item: `shelf-${i}` }]);
    });
  }
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await Promise.all(clusters.map((c) => c.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

async function apply(kind: string): Promise<Example[]> {
  const chosen = examples.filter((e) => e.kind === kind);
  for (const file of new Set(chosen.map((e) => e.file))) {
    const text = chosen.find((e) => e.file === file)?.text ?? '';
    const path = join(scratch, file);
    writeFileSync(path, text);
    await run(process.env.KUBECTL ?? 'kubectl', [
      '--kubeconfig',
      process.env.KUBECONFIG ?? '',
      '-n',
      namespace,
      'apply',
      '-f',
      path,
    ]);
  }
  return chosen;
}

test('every example backup and restore ends COMPLETED, and the schedule is Ready, applied with kubectl as written', async () => {
  const logs = () => operator?.logs.slice(-30).join('\n') ?? '';
  const backups = new Backups(kc, namespace, logs);
  const restores = new Restores(kc, namespace, logs);
  const schedules = new Schedules(kc, namespace, logs);
  const syncs = new Syncs(kc, namespace, logs);
  assert.ok((await apply('Secret')).length >= 4, 'a Secret per provider');

  const applied = await apply('CassandraBackup');
  assert.ok(applied.length >= 5, `${applied.length} backups`);
  for (const b of applied) {
    const done = await backups.waitFor(b.name, 'decided', decided);
    assert.equal(succeeded(done), 'True', `${b.file}: ${JSON.stringify(done.status?.conditions)}`);
    assert.equal(done.status?.state, 'COMPLETED', b.file);
  }

  const restoring = await apply('CassandraRestore');
  assert.ok(restoring.length >= 2, `${restoring.length} restores`);
  for (const r of restoring) {
    const done = await restores.waitFor(r.name, 'decided', decided);
    assert.equal(succeeded(done), 'True', `${r.file}: ${JSON.stringify(done.status?.conditions)}`);
    if (r.spec.mode === 'Verify') {
      const reason = done.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason;
      assert.equal(reason, 'BackupVerified', `${r.file}: a verify, not a restore`);
    }
  }
  assert.ok(
    restoring.some((r) => r.spec.mode === 'Verify'),
    'restore-verify.yaml is among them',
  );
  const myCluster = clusters[0];
  assert.deepEqual(
    myCluster?.cluster.nodes.map((n) => n.data.get('shop.orders_restored')),
    [0, 1, 2].map((i) => [{ id: i, item: `book-${i}` }]),
    'restore-from-location.yaml brought the orders of backup-gcp.yaml’s tag back into the renamed table',
  );

  for (const s of await apply('CassandraBackupSchedule')) {
    const ready = await schedules.waitFor(
      s.name,
      'Ready',
      (x) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    );
    assert.ok(ready, s.file);
  }
  // The sync lists the file:// location the backups wrote to: local-file's backup is there, held by
  // local-file itself, so nothing is imported.
  for (const s of await apply('CassandraBackupSync')) {
    const listed = await syncs.waitFor(
      s.name,
      'Synced',
      (x) => x.status?.conditions?.some((c) => c.type === 'Synced' && c.status === 'True') === true,
    );
    assert.ok((listed.status?.backupCount ?? 0) >= 1, `${s.file}: ${JSON.stringify(listed.status)}`);
    assert.ok(
      listed.status?.backups?.some((b) => b.backup === 'local-file'),
      `${s.file}: local-file's backup listed as held by local-file`,
    );
    assert.equal(listed.status?.importedCount, 0, s.file);
  }
  const kinds = new Set(examples.map((e) => e.kind));
  assert.deepEqual(
    [...kinds].sort(),
    ['CassandraBackup', 'CassandraBackupSchedule', 'CassandraBackupSync', 'CassandraRestore', 'Secret'],
    'every kind of example was applied',
  );
});
