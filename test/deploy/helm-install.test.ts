// The Helm chart (charts/cassandra-backup-operator) as a platform team installs it, with the real helm
// (built once from the Go module proxy, dev/stack/helm.ts; run as test/support/helm-cli.ts says) against
// the real kube-apiserver (RBAC on): the rendered chart passes a server-side dry run, helm install
// applies it, the CRDs and helm upgrade follow as docs/install.md says; an operator with nothing but the
// chart's ServiceAccount token runs a backup, a restore and a scheduled backup; helm uninstall removes
// the release. test/deploy/helm-render.test.ts checks what the chart renders, without a cluster. The
// operator runs from source here: test/deploy/manifests.test.ts rebuilds dist/ and runs the compiled
// one, and the files may run at the same time.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import {
  assertOperatorRights,
  backupRestoreSchedule,
  kubectl,
  manifests,
  operatorPod,
  serviceAccountKubeconfig,
  stopStarted,
  type Started,
} from '../support/deploy.js';
import { HelmCli } from '../support/helm-cli.js';
import { CHART_DIR } from '../support/helm-chart.js';
import { uniqueName } from '../support/stack-env.js';

const cli = new HelmCli();
const { helm, template, work } = cli;

// The release this file installs: its own namespace and names, beside k8s/deploy's in cassandra-backup.
const release = uniqueName('cbo');
const namespace = release;
const fullname = `${release}-cassandra-backup-operator`;
let installed = false;
let saKubeconfig = '';
const started: Started = {};

before(cli.resolve);

after(async () => {
  await stopStarted(started);
  if (installed) await helm(['uninstall', release, '-n', namespace]);
});

test('the rendered chart passes a server-side dry run, then helm install applies it', async () => {
  // As docs/install.md says: the namespace first, labelled for Pod Security; the dry run; the install.
  await kubectl(['create', 'namespace', namespace]);
  await kubectl(['label', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=restricted']);
  const rendered = join(work, 'rendered.yaml');
  writeFileSync(rendered, (await template(release, namespace)).map((m) => stringify(m)).join('---\n'));
  const dry = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', rendered]);
  assert.match(
    dry.stdout,
    new RegExp(`deployment\\.apps/${fullname} serverside-applied \\(server dry run\\)`),
  );
  assert.match(
    dry.stdout,
    new RegExp(
      `clusterrole\\.rbac\\.authorization\\.k8s\\.io/${fullname} serverside-applied \\(server dry run\\)`,
    ),
  );
  assert.match(
    dry.stdout,
    /customresourcedefinition\.apiextensions\.k8s\.io\/cassandrabackups\.db\.ibm\.com/,
  );
  assert.equal(
    (await kubectl(['get', '-n', namespace, 'deployment', '--ignore-not-found', '-o', 'name'])).stdout,
    '',
    'the dry run created nothing',
  );

  const install = await helm(['install', release, CHART_DIR, '-n', namespace]);
  installed = true;
  assert.match(install.stdout, /STATUS: deployed/);
  // The notes say what to run next and what the operator watches.
  assert.ok(install.stdout.includes(`kubectl -n ${namespace} rollout status deployment/${fullname}`));
  assert.match(
    install.stdout,
    /It watches every namespace and runs its workflows on the Temporal at temporal-frontend/,
  );
  const { stdout } = await kubectl([
    'get',
    '-n',
    namespace,
    'serviceaccount,deployment,configmap,service',
    '-o',
    'name',
  ]);
  for (const name of [
    `serviceaccount/${fullname}`,
    `deployment.apps/${fullname}`,
    `configmap/${fullname}`,
    `service/${fullname}-metrics`,
  ])
    assert.ok(stdout.split('\n').includes(name), `${name} in:\n${stdout}`);
  assert.match(
    (await kubectl(['get', 'clusterrolebinding', fullname, '-o', 'name'])).stdout,
    /clusterrolebinding/,
  );

  // The pod the Deployment asks for is admitted in a namespace that enforces Pod Security `restricted`
  // (the stack has no controller to create it: a server-side dry run of the same pod stands in), and a
  // pod that may run as root is not: the admission is really there.
  const deployment = manifests(
    (await kubectl(['get', '-n', namespace, 'deployment', fullname, '-o', 'yaml'])).stdout,
  )[0];
  const pod = operatorPod(deployment);
  const podFile = (name: string, spec: unknown) => {
    const path = join(work, `${name}.yaml`);
    writeFileSync(path, stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec }));
    return path;
  };
  await kubectl(['apply', '--dry-run=server', '-f', podFile('operator', pod)]);
  await assert.rejects(
    kubectl([
      'apply',
      '--dry-run=server',
      '-f',
      podFile('as-root', { ...pod, securityContext: { ...pod.securityContext, runAsNonRoot: false } }),
    ]),
    (err: { stderr?: string }) => {
      assert.match(err.stderr ?? '', /violates PodSecurity "restricted/);
      return true;
    },
  );

  saKubeconfig = await serviceAccountKubeconfig(fullname, namespace);
});

test('an upgrade: the CRDs applied first, then helm upgrade, and a changed value rolls the pods', async () => {
  assert.ok(installed, 'the chart was installed');
  const annotation = async () =>
    (
      await kubectl([
        'get',
        '-n',
        namespace,
        'deployment',
        fullname,
        '-o',
        "jsonpath={.spec.template.metadata.annotations['checksum/config']}",
      ])
    ).stdout;
  const before = await annotation();
  // Helm never upgrades crds/: docs/install.md has them applied before `helm upgrade`.
  const crds = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', `${CHART_DIR}/crds/`]);
  assert.match(
    crds.stdout,
    /customresourcedefinition\.apiextensions\.k8s\.io\/cassandrarestores\.db\.ibm\.com serverside-applied/,
  );
  const upgrade = await helm([
    'upgrade',
    release,
    CHART_DIR,
    '-n',
    namespace,
    '--set',
    'config.LOG_LEVEL=debug',
  ]);
  assert.match(upgrade.stdout, /REVISION: 2/);
  assert.equal(
    (await kubectl(['get', '-n', namespace, 'configmap', fullname, '-o', 'jsonpath={.data.LOG_LEVEL}']))
      .stdout,
    'debug',
  );
  assert.notEqual(await annotation(), before, 'the pod template changed: the Deployment rolls its pods');
});

test("the chart's ServiceAccount may do what the operator does, and nothing else asked of it here", async () => {
  assert.ok(saKubeconfig, 'the chart was installed');
  await assertOperatorRights(saKubeconfig);
});

test("the operator, with only the chart's ServiceAccount token: a backup, its restore and a scheduled run", async () => {
  assert.ok(saKubeconfig, 'the chart was installed');
  await backupRestoreSchedule(saKubeconfig, started, { prefix: 'helm' });
});

test('helm uninstall removes the release; the CRDs stay', async () => {
  assert.ok(installed, 'the chart was installed');
  await stopStarted(started);
  await helm(['uninstall', release, '-n', namespace]);
  installed = false;
  const left = await kubectl([
    'get',
    'clusterrole,clusterrolebinding',
    fullname,
    '--ignore-not-found',
    '-o',
    'name',
  ]);
  assert.equal(left.stdout, '');
  const names = ['deployment', 'configmap', 'serviceaccount'].map((kind) => `${kind}/${fullname}`);
  assert.equal(
    (await kubectl(['get', '-n', namespace, ...names, '--ignore-not-found', '-o', 'name'])).stdout,
    '',
  );
  assert.match(
    (await kubectl(['get', 'crd', 'cassandrabackups.db.ibm.com', '-o', 'name'])).stdout,
    /cassandrabackups\.db\.ibm\.com/,
  );
});
