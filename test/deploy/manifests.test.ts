// k8s/deploy as a platform team installs it, against the real kube-apiserver (RBAC on): the kustomize
// base renders what the Deployment needs, passes a server-side dry run, then is applied; the operator
// compiled as the image runs it (dist/, `npm run build:dist`) with nothing but the ServiceAccount's
// token, and runs a backup, a restore and a scheduled backup. What the role does not grant stays
// forbidden.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { writeTokenKubeconfig } from '../../dev/stack/operator-identity.js';
import { repoRoot } from '../../dev/stack/repo.js';
import { OVERLAP } from '../../src/temporal/schedule.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Restores, Schedules, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';

const run = promisify(execFile);
const kubectlPath = process.env.KUBECTL ?? 'kubectl';
const kubectl = (args: string[], kubeconfig = process.env.KUBECONFIG ?? '') =>
  run(kubectlPath, ['--kubeconfig', kubeconfig, ...args], { cwd: repoRoot });

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  data?: Record<string, string>;
}

let rendered: Manifest[] = [];
let saKubeconfig = '';
let cluster: PodCluster | undefined;
let operator: OperatorProcess | undefined;

before(async () => {
  const { stdout } = await kubectl(['kustomize', 'k8s/deploy']);
  rendered = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest);
});

after(async () => {
  await operator?.stop();
  await cluster?.stop();
});

const find = (kind: string) => rendered.filter((m) => m.kind === kind);

test('the kustomize base: namespace, CRDs, RBAC, configuration, a probed non-root Deployment, metrics Service', () => {
  assert.deepEqual(
    find('CustomResourceDefinition')
      .map((c) => c.metadata.name)
      .sort(),
    ['cassandrabackups.db.ibm.com', 'cassandrabackupschedules.db.ibm.com', 'cassandrarestores.db.ibm.com'],
  );
  for (const kind of [
    'Namespace',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'ConfigMap',
    'Service',
  ])
    assert.equal(find(kind).length, 1, kind);
  const config = find('ConfigMap')[0];
  assert.match(config?.data?.TEMPORAL_ADDRESS ?? '', /:7233$/);
  assert.equal(config?.data?.HTTP_PORT, '8081');

  const deployment = find('Deployment')[0] as unknown as {
    metadata: { namespace: string };
    spec: { template: { spec: Record<string, unknown> } };
  };
  assert.equal(deployment.metadata.namespace, 'cassandra-backup');
  const pod = deployment.spec.template.spec as {
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
  };
  assert.equal(pod.serviceAccountName, 'cassandra-backup-operator');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  const container = pod.containers[0];
  assert.ok(container);
  assert.equal(container.image, 'cassandra-backup-operator:0.1.0');
  assert.equal(
    container.envFrom[0]?.configMapRef.name,
    config?.metadata.name,
    'the generated ConfigMap name',
  );
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.ok(container.resources.requests.memory && container.resources.limits.memory);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  // The image's user is the pod's: the Dockerfile's final stage runs as 1000, numerically.
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^USER 1000:1000$/m);
});

test('the base passes a server-side dry run, then applies', async () => {
  // As docs/install.md says: the namespace first (a dry run creates nothing, so the namespaced objects
  // of a first install would find no namespace), then the dry run, then the apply. Server-side apply:
  // the stack installed the CRDs with another field manager, hence --force-conflicts.
  await kubectl(['apply', '--server-side', '-f', 'k8s/deploy/namespace.yaml']);
  const apply = ['apply', '--server-side', '--force-conflicts', '-k', 'k8s/deploy'];
  const dry = await kubectl([...apply, '--dry-run=server']);
  assert.match(
    dry.stdout,
    /deployment\.apps\/cassandra-backup-operator serverside-applied \(server dry run\)/,
  );
  assert.match(
    dry.stdout,
    /clusterrole\.rbac\.authorization\.k8s\.io\/cassandra-backup-operator serverside-applied \(server dry run\)/,
  );
  assert.equal(
    (await kubectl(['get', '-n', 'cassandra-backup', 'deployment', '--ignore-not-found', '-o', 'name']))
      .stdout,
    '',
    'the dry run created nothing',
  );
  await kubectl(apply);
  const { stdout } = await kubectl([
    'get',
    '-n',
    'cassandra-backup',
    'serviceaccount,deployment,configmap',
    '-o',
    'name',
  ]);
  assert.match(stdout, /serviceaccount\/cassandra-backup-operator/);
  assert.match(stdout, /deployment\.apps\/cassandra-backup-operator/);
  assert.match(stdout, /configmap\/cassandra-backup-operator-/);

  // The operator's own credentials from now on: a token of its ServiceAccount.
  const token = (
    await kubectl(['create', 'token', 'cassandra-backup-operator', '-n', 'cassandra-backup', '--duration=2h'])
  ).stdout.trim();
  saKubeconfig = join(mkdtempSync(join(tmpdir(), 'cbo-sa-')), 'kubeconfig');
  writeTokenKubeconfig(process.env.KUBECONFIG ?? '', token, saKubeconfig);
});

test('the ServiceAccount may do what the operator does, and nothing else asked of it here', async () => {
  assert.ok(saKubeconfig, 'the base was applied');
  const can = async (...args: string[]) =>
    kubectl(['auth', 'can-i', ...args], saKubeconfig).then(
      (r) => r.stdout.trim(),
      (e: { stdout?: string }) => (e.stdout ?? '').trim(),
    );
  for (const allowed of [
    ['watch', 'cassandrabackups.db.ibm.com', '-A'],
    ['patch', 'cassandrarestores.db.ibm.com/status', '-n', 'default'],
    ['create', 'cassandrabackups.db.ibm.com', '-n', 'default'],
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
  ])
    assert.equal(await can(...forbidden), 'no', forbidden.join(' '));

  // And the API server refuses it for real: listing Secrets is not the operator's business.
  const kc = new KubeConfig();
  kc.loadFromFile(saKubeconfig);
  await assert.rejects(kc.makeApiClient(CoreV1Api).listSecretForAllNamespaces(), (err: { code?: number }) => {
    assert.equal(err.code, 403);
    return true;
  });
});

test('the compiled operator, with only the ServiceAccount token: a backup, its restore and a scheduled run', async () => {
  assert.ok(saKubeconfig, 'the base was applied');
  await run('npm', ['run', 'build:dist'], { cwd: repoRoot });
  const kc = kubeConfig();
  const namespace = await createNamespace(kc, 'deploy');
  await createS3Secret(kc, namespace, 'creds');
  cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 2 },
    timing: { durationMs: 500, pendingMs: 50 },
    buckets: ['s3://deploy'],
  });
  operator = startOperator(
    {
      KUBECONFIG: saKubeconfig,
      WATCH_NAMESPACES: namespace,
      TEMPORAL_TASK_QUEUE: uniqueName('deploy'),
      ICARUS_POLL_INTERVAL_MS: '200',
      ICARUS_GENERATION: '3',
    },
    { dist: true },
  );
  const logs = () => operator?.logs.slice(-40).join('\n') ?? '';
  const url = await operator.httpUrl();
  await operator.waitForLog(/Worker running/);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200, await ready.text());

  const backups = new Backups(kc, namespace, logs);
  const clusterName = cluster.cluster.opts.name;
  await backups.create('daily', {
    cassandraCluster: clusterName,
    storageLocation: 's3://deploy',
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
      spec: { cassandraCluster: clusterName, storageLocation: 's3://deploy', secretName: 'creds' },
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
  // The image's worker loads the prebuilt workflow bundle: it does not bundle at start-up.
  assert.ok(!operator.logs.some((l) => l.includes('Workflow bundle created')));
  // Nothing in the operator's log says it was refused anything.
  assert.deepEqual(
    operator.logs.filter((l) => /forbidden|\b403\b/i.test(l)),
    [],
  );
});
