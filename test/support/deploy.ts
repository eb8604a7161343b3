// What the deploy tests check of an install, whichever way it was rendered (the kustomize base in
// test/deploy/manifests.test.ts, the Helm chart in test/deploy/helm-*.test.ts): the operator's pod as
// rendered, a token of the installed ServiceAccount, what that ServiceAccount may and may not do on the
// real API server, and an operator with nothing but that token running a backup, a restore and a
// scheduled backup.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { writeTokenKubeconfig } from '../../dev/stack/operator-identity.js';
import { repoRoot } from '../../dev/stack/repo.js';
import { OVERLAP } from '../../src/temporal/schedule.js';
import { createS3Secret, startPodCluster, type PodCluster } from './cassandra-pods.js';
import { Backups, Restores, Schedules, succeeded } from './custom-resources.js';
import { startOperator, type OperatorProcess } from './operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from './stack-env.js';

export const run = promisify(execFile);

/** kubectl as a person runs it from the repository, with the stack's kubeconfig unless told another. */
export const kubectl = (args: string[], kubeconfig = process.env.KUBECONFIG ?? '') =>
  run(process.env.KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig, ...args], { cwd: repoRoot });

export interface Manifest {
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  roleRef?: Record<string, string>;
  subjects?: Record<string, string>[];
  data?: Record<string, string>;
}

export const manifests = (yaml: string): Manifest[] =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m) => m !== null);

export interface OperatorPod {
  serviceAccountName: string;
  securityContext: { runAsNonRoot: boolean };
  containers: {
    image: string;
    envFrom: { configMapRef: { name: string } }[];
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
  }[];
}

/** The pod template's spec of the operator's Deployment. */
export function operatorPod(deployment: Manifest | undefined): OperatorPod {
  assert.ok(deployment, 'a Deployment');
  return (deployment.spec as { template: { spec: OperatorPod } }).template.spec;
}

/**
 * The operator's pod as an install must render it: its ServiceAccount, the image, configured from the
 * ConfigMap, probed, with resources, non-root with a read-only root file system, as the image's user.
 */
export function assertOperatorPod(
  pod: OperatorPod,
  want: { serviceAccount: string; image: string; configMap: string },
): void {
  assert.equal(pod.serviceAccountName, want.serviceAccount);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  const container = pod.containers[0];
  assert.ok(container);
  assert.equal(container.image, want.image);
  assert.equal(container.envFrom[0]?.configMapRef.name, want.configMap, 'the ConfigMap');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.ok(container.resources.requests.memory && container.resources.limits.memory);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  // The image's user is the pod's: the Dockerfile's final stage runs as 1000, numerically.
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^USER 1000:1000$/m);
}

/** A kubeconfig for the stack's API server that holds nothing but a token of the ServiceAccount. */
export async function serviceAccountKubeconfig(name: string, namespace: string): Promise<string> {
  const token = (await kubectl(['create', 'token', name, '-n', namespace, '--duration=2h'])).stdout.trim();
  const path = join(mkdtempSync(join(tmpdir(), 'cbo-sa-')), 'kubeconfig');
  writeTokenKubeconfig(process.env.KUBECONFIG ?? '', token, path);
  return path;
}

/** The ServiceAccount of `kubeconfig` may do what the operator does, and nothing else asked of it here. */
export async function assertOperatorRights(kubeconfig: string): Promise<void> {
  const can = async (...args: string[]) =>
    kubectl(['auth', 'can-i', ...args], kubeconfig).then(
      (r) => r.stdout.trim(),
      (e: { stdout?: string }) => (e.stdout ?? '').trim(),
    );
  for (const allowed of [
    ['watch', 'cassandrabackups.db.ibm.com', '-A'],
    ['patch', 'cassandrarestores.db.ibm.com/status', '-n', 'default'],
    ['create', 'cassandrabackups.db.ibm.com', '-n', 'default'],
    ['watch', 'cassandrabackupsyncs.db.ibm.com', '-A'],
    ['patch', 'cassandrabackupsyncs.db.ibm.com/status', '-n', 'default'],
    ['get', 'secrets', '-n', 'default'],
    ['create', 'events', '-n', 'default'],
  ])
    assert.equal(await can(...allowed), 'yes', allowed.join(' '));
  for (const forbidden of [
    ['list', 'secrets', '-A'],
    ['delete', 'secrets', '-n', 'default'],
    ['create', 'pods', '-n', 'default'],
    ['delete', 'cassandrarestores.db.ibm.com', '-n', 'default'],
    ['update', 'cassandrabackups.db.ibm.com', '-n', 'default'],
    ['create', 'clusterrolebindings'],
    // A sync reads storage and creates backups: it never changes or removes a sync itself.
    ['delete', 'cassandrabackupsyncs.db.ibm.com', '-n', 'default'],
  ])
    assert.equal(await can(...forbidden), 'no', forbidden.join(' '));

  // And the API server refuses it for real: listing Secrets is not the operator's business.
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  await assert.rejects(kc.makeApiClient(CoreV1Api).listSecretForAllNamespaces(), (err: { code?: number }) => {
    assert.equal(err.code, 403);
    return true;
  });
}

/** What a scenario started, for the test file's after() to stop. */
export interface Started {
  cluster?: PodCluster;
  operator?: OperatorProcess;
}

/** Stops what was started, once: a second call finds nothing left to stop. */
export async function stopStarted(started: Started): Promise<void> {
  const { operator, cluster } = started;
  started.operator = undefined;
  started.cluster = undefined;
  await operator?.stop();
  await cluster?.stop();
}

/**
 * An operator with only the token of `kubeconfig` (the compiled one with `dist`, as the image runs it;
 * `npm run build:dist` first) runs a backup, its restore and a scheduled backup on simulated nodes.
 */
export async function backupRestoreSchedule(
  kubeconfig: string,
  started: Started,
  opts: { prefix: string; dist?: boolean },
): Promise<void> {
  const kc = kubeConfig();
  const namespace = await createNamespace(kc, opts.prefix);
  await createS3Secret(kc, namespace, 'creds');
  const bucket = `s3://${opts.prefix}`;
  const cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 2 },
    timing: { durationMs: 500, pendingMs: 50 },
    buckets: [bucket],
  });
  started.cluster = cluster;
  const operator = startOperator(
    {
      KUBECONFIG: kubeconfig,
      WATCH_NAMESPACES: namespace,
      TEMPORAL_TASK_QUEUE: uniqueName(opts.prefix),
      ICARUS_POLL_INTERVAL_MS: '200',
      ICARUS_GENERATION: '3',
    },
    { dist: opts.dist },
  );
  started.operator = operator;
  const logs = () => operator.logs.slice(-40).join('\n');
  const url = await operator.httpUrl();
  await operator.waitForLog(/Worker running/);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200, await ready.text());

  const backups = new Backups(kc, namespace, logs);
  const clusterName = cluster.cluster.opts.name;
  await backups.create('daily', {
    cassandraCluster: clusterName,
    storageLocation: bucket,
    secretName: 'creds',
  });
  await backups.waitFor('daily', 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.ok((await backups.events('daily')).some((e) => e.reason === 'BackupSucceeded'));

  const restores = new Restores(kc, namespace, logs);
  await restores.create('back', { cassandraCluster: clusterName, cassandraBackup: 'daily' });
  await restores.waitFor('back', 'Succeeded=True', (r) => succeeded(r) === 'True');

  const schedules = new Schedules(kc, namespace, logs);
  await schedules.create('hourly', {
    schedules: ['@every 1h'],
    backupTemplate: {
      spec: { cassandraCluster: clusterName, storageLocation: bucket, secretName: 'creds' },
    },
    retention: { keepLast: 3 },
  });
  const ready2 = await schedules.waitFor('hourly', 'a Temporal Schedule', (s) => !!s.status?.scheduleId);
  const temporal = await temporalClient();
  try {
    await temporal.client.schedule.getHandle(ready2.status?.scheduleId ?? '').trigger(OVERLAP.Forbid);
  } finally {
    await temporal.close();
  }
  const ran = await schedules.waitFor(
    'hourly',
    'a successful run',
    (s) => s.status?.lastResult === 'Succeeded',
  );
  assert.ok(ran.status?.lastBackup);
  assert.equal(succeeded(await backups.get(ran.status.lastBackup)), 'True');
  // Nothing in the operator's log says it was refused anything.
  assert.deepEqual(
    operator.logs.filter((l) => /forbidden|\b403\b/i.test(l)),
    [],
  );
}
