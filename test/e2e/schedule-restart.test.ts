// A CassandraBackupSchedule across failures: the operator is killed in the middle of a run and Temporal
// (its own dev server here, with a database file, so that the test can stop it) is down while a run is
// due. Every run due happens exactly once: the missed one when Temporal is back, none twice.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { startTemporal, type TemporalServer } from '../../dev/stack/temporal-server.js';
import { resourceNames, type CassandraBackup } from '../../src/kube/api/resources.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Schedules, backupsPerNode, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const EVERY_S = 15;
let kc: KubeConfig;
let custom: CustomObjectsApi;
let namespace: string;
let workDir: string;
let server: TemporalServer;
let connection: Connection;
let schedules: Schedules;
let backups: Backups;
let cluster: PodCluster;
const operators: OperatorProcess[] = [];
let env: Record<string, string>;

before(async () => {
  kc = kubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  namespace = await createNamespace(kc, 'e2e-schedule-restart');
  workDir = mkdtempSync(join(tmpdir(), 'cbo-schedule-restart-'));
  // A server of its own: restarting the shared one would disturb the other test files.
  const shared = process.env.TEMPORAL_ADDRESS;
  delete process.env.TEMPORAL_ADDRESS;
  try {
    server = await startTemporal({ workDir, dbFile: join(workDir, 'temporal.db') });
  } finally {
    process.env.TEMPORAL_ADDRESS = shared;
  }
  connection = await Connection.connect({ address: server.address });
  const logs = () => operators.at(-1)?.logs.slice(-30).join('\n') ?? '';
  schedules = new Schedules(kc, namespace, logs);
  backups = new Backups(kc, namespace, logs);
  await createS3Secret(kc, namespace, 'creds');
  cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 3 },
    timing: { durationMs: 1000, pendingMs: 50 },
    buckets: ['s3://restart'],
  });
  env = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-schedule-restart'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    RESYNC_SECONDS: '5',
    HEARTBEAT_TIMEOUT_SECONDS: '10',
  };
  operators.push(startOperator(env));
  await operators[0]?.waitForLog(/Worker running/);
});

after(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await cluster?.stop();
  await connection?.close();
  await server?.stop();
  if (workDir && process.env.STACK_KEEP !== 'true') rmSync(workDir, { recursive: true, force: true });
});

/** The time a backup's run was due, read back from its name (<schedule>-<yyyymmdd>-<hhmmss>). */
function dueTime(b: CassandraBackup): number {
  const m = /-(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)$/.exec(b.metadata.name ?? '');
  assert.ok(m, `not a scheduled backup name: ${b.metadata.name}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

test('operator killed mid-run, Temporal down while a run is due: no run missed, none doubled', async () => {
  const name = uniqueName('every');
  await schedules.create(name, {
    schedules: [`@every ${EVERY_S}s`],
    concurrencyPolicy: 'Allow',
    catchupWindow: '10m',
    backupTemplate: {
      spec: {
        cassandraCluster: cluster.cluster.opts.name,
        storageLocation: 's3://restart',
        secretName: 'creds',
      },
    },
  });
  // A run in progress when the operator dies.
  const running = await eventually(
    'a scheduled backup running',
    async () => (await backups.ofSchedule(name)).find((b) => b.status?.state === 'RUNNING'),
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  await operators[0]?.kill();
  const downFrom = Date.now();
  await server.restart((EVERY_S + 5) * 1000);
  const downUntil = Date.now();
  operators.push(startOperator(env));
  await operators[1]?.waitForLog(/Worker running/);

  // Runs go on after the restart: wait for one that was due once everything was back.
  await eventually(
    'a run due after the restart to succeed',
    async () =>
      (await backups.ofSchedule(name)).some(
        (b) => dueTime(b) > downUntil + 1000 && succeeded(b) === 'True',
      ) || undefined,
    { timeoutMs: 120_000 },
  );
  await custom.patchNamespacedCustomObject(
    { ...resourceNames.CassandraBackupSchedule, namespace, name, body: { spec: { suspend: true } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const client = new Client({ connection, namespace: server.namespace });
  const scheduleId = (await schedules.get(name)).status?.scheduleId ?? '';
  await eventually(
    'the schedule to pause',
    async () => (await client.schedule.getHandle(scheduleId).describe()).state.paused || undefined,
  );
  const all = await eventually('every backup to end', async () => {
    const list = await backups.ofSchedule(name);
    return list.every((b) => succeeded(b) === 'True' || succeeded(b) === 'False') ? list : undefined;
  });

  const due = all.map(dueTime).sort((a, b) => a - b);
  assert.ok(
    due.some((t) => t > downFrom && t < downUntil),
    'a run was due while Temporal was down',
  );
  assert.equal(new Set(due).size, due.length, 'no run twice');
  for (let i = 1; i < due.length; i++)
    assert.equal(
      due[i]! - due[i - 1]!,
      EVERY_S * 1000,
      `no run missed between ${new Date(due[i - 1]!).toISOString()} and ${new Date(due[i]!).toISOString()}`,
    );
  for (const b of all)
    assert.equal(succeeded(b), 'True', `${b.metadata.name} failed: ${JSON.stringify(b.status?.conditions)}`);
  assert.ok(
    all.some((b) => b.metadata.name === running.metadata.name),
    'the interrupted run finished its backup',
  );
  for (const perNode of backupsPerNode(cluster))
    assert.equal(perNode.data, all.length, 'each node got one backup operation per run, none repeated');
});
