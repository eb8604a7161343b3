// k8s/deploy as a platform team installs it, against the real kube-apiserver (RBAC on): the kustomize
// base renders what the Deployment needs, passes a server-side dry run, then is applied; the operator
// compiled as the image runs it (dist/, `npm run build:dist`) with nothing but the ServiceAccount's
// token, and runs a backup, a restore and a scheduled backup. What the role does not grant stays
// forbidden. test/deploy/helm-install.test.ts does the same with the Helm chart (test/support/deploy.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../dev/stack/repo.js';
import {
  assertOperatorPod,
  assertOperatorRights,
  backupRestoreSchedule,
  kubectl,
  manifests,
  operatorPod,
  run,
  serviceAccountKubeconfig,
  stopStarted,
  type Manifest,
  type Started,
} from '../support/deploy.js';

let rendered: Manifest[] = [];
let saKubeconfig = '';
const started: Started = {};

before(async () => {
  rendered = manifests((await kubectl(['kustomize', 'k8s/deploy'])).stdout);
});

after(() => stopStarted(started));

const find = (kind: string) => rendered.filter((m) => m.kind === kind);

test('the kustomize base: namespace, CRDs, RBAC, configuration, a probed non-root Deployment, metrics Service', () => {
  assert.deepEqual(
    find('CustomResourceDefinition')
      .map((c) => c.metadata.name)
      .sort(),
    [
      'cassandrabackups.db.ibm.com',
      'cassandrabackupschedules.db.ibm.com',
      'cassandrabackupsyncs.db.ibm.com',
      'cassandrarestores.db.ibm.com',
    ],
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

  const deployment = find('Deployment')[0];
  assert.equal(deployment?.metadata.namespace, 'cassandra-backup');
  assertOperatorPod(operatorPod(deployment), {
    serviceAccount: 'cassandra-backup-operator',
    image: 'cassandra-backup-operator:0.1.0',
    configMap: config?.metadata.name ?? '', // the generated ConfigMap name
  });
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
  saKubeconfig = await serviceAccountKubeconfig('cassandra-backup-operator', 'cassandra-backup');
});

test('the ServiceAccount may do what the operator does, and nothing else asked of it here', async () => {
  assert.ok(saKubeconfig, 'the base was applied');
  await assertOperatorRights(saKubeconfig);
});

test('the compiled operator, with only the ServiceAccount token: a backup, its restore and a scheduled run', async () => {
  assert.ok(saKubeconfig, 'the base was applied');
  await run('npm', ['run', 'build:dist'], { cwd: repoRoot });
  await backupRestoreSchedule(saKubeconfig, started, { prefix: 'deploy', dist: true });
  // The image's worker loads the prebuilt workflow bundle: it does not bundle at start-up.
  assert.ok(!started.operator?.logs.some((l) => l.includes('Workflow bundle created')));
});
