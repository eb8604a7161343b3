// The Helm chart (charts/cassandra-backup-operator) as helm renders it, with the real helm (built once
// from the Go module proxy, dev/stack/helm.ts; run as test/support/helm-cli.ts says): helm lint; helm
// template with default values renders what the kustomize base k8s/deploy renders; values reach the
// objects; bad values are refused. Nothing here reaches the cluster: test/deploy/helm-install.test.ts
// installs, upgrades and uninstalls the chart on the real kube-apiserver.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { stringify } from 'yaml';
import { HELM_VERSION } from '../../dev/stack/helm.js';
import { kubeVersions } from '../../dev/stack/kube-tools.js';
import { loadConfig } from '../../src/config.js';
import { assertOperatorPod, kubectl, manifests, operatorPod, type Manifest } from '../support/deploy.js';
import { HelmCli } from '../support/helm-cli.js';
import { CHART_DIR } from '../support/helm-chart.js';

const cli = new HelmCli();
const { helm, template, work } = cli;
const valuesFile = (name: string, values: unknown) => {
  const path = join(work, name);
  writeFileSync(path, stringify(values));
  return path;
};
const only = (rendered: Manifest[], kind: string): Manifest => {
  const found = rendered.filter((m) => m.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as Manifest;
};
const withoutConfigMapName = (pod: ReturnType<typeof operatorPod>) => ({
  ...pod,
  containers: pod.containers.map((c) => ({ ...c, envFrom: [] })),
});

before(cli.resolve);

test('helm lint --strict finds nothing in the chart', async () => {
  if (cli.source !== 'HELM_PATH') {
    // The build stamps its version as a release build does (without it: v3.21).
    assert.equal((await helm(['version', '--short'])).stdout.trim().split('+')[0], HELM_VERSION);
  }
  const { stdout } = await helm(['lint', '--strict', CHART_DIR, '--kube-version', kubeVersions().kubernetes]);
  assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test("with its default values the chart renders k8s/deploy's objects", async () => {
  const chart = await template('cassandra-backup-operator', 'cassandra-backup', [
    '--set',
    'namespace.create=true',
  ]);
  const base = manifests((await kubectl(['kustomize', 'k8s/deploy'])).stdout);
  const kinds = (ms: Manifest[]) => ms.map((m) => m.kind).sort();
  assert.deepEqual(kinds(chart), kinds(base));

  // The CRDs: crds/ holds k8s/crds' files (test/unit/api/codegen.test.ts); here as helm renders them.
  const crds = (ms: Manifest[]) =>
    Object.fromEntries(
      ms.filter((m) => m.kind === 'CustomResourceDefinition').map((m) => [m.metadata.name, m.spec]),
    );
  assert.deepEqual(crds(chart), crds(base));
  assert.equal(Object.keys(crds(chart)).length, 4);

  const namespaceOf = (ms: Manifest[]) => only(ms, 'Namespace').metadata;
  assert.equal(namespaceOf(chart).name, namespaceOf(base).name);
  assert.equal(namespaceOf(chart).labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  assert.equal(
    namespaceOf(base).labels?.['pod-security.kubernetes.io/enforce'],
    namespaceOf(chart).labels?.['pod-security.kubernetes.io/enforce'],
  );

  // The same identity and rights.
  for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment'])
    assert.deepEqual(
      [only(chart, kind).metadata.name, only(chart, kind).metadata.namespace],
      [only(base, kind).metadata.name, only(base, kind).metadata.namespace],
      kind,
    );
  assert.deepEqual(only(chart, 'ClusterRole').rules, only(base, 'ClusterRole').rules);
  assert.deepEqual(only(chart, 'ClusterRoleBinding').roleRef, only(base, 'ClusterRoleBinding').roleRef);
  assert.deepEqual(only(chart, 'ClusterRoleBinding').subjects, only(base, 'ClusterRoleBinding').subjects);

  // The same configuration, as the operator parses it (the chart writes out the operator's defaults
  // that operator.env leaves to it).
  const config = (ms: Manifest[]) => loadConfig(only(ms, 'ConfigMap').data ?? {});
  assert.deepEqual(config(chart), config(base));

  // The same pod, but for the ConfigMap's name (kustomize appends a hash of its content).
  const pod = operatorPod(only(chart, 'Deployment'));
  assertOperatorPod(pod, {
    serviceAccount: 'cassandra-backup-operator',
    image: 'cassandra-backup-operator:0.1.0',
    configMap: only(chart, 'ConfigMap').metadata.name,
  });
  assert.deepEqual(withoutConfigMapName(pod), withoutConfigMapName(operatorPod(only(base, 'Deployment'))));
  assert.equal(only(chart, 'Deployment').spec?.replicas, only(base, 'Deployment').spec?.replicas);

  // The metrics Service: same name, port and scrape annotations, selecting the operator's pods.
  const service = (ms: Manifest[]) => only(ms, 'Service');
  assert.equal(service(chart).metadata.name, service(base).metadata.name);
  assert.deepEqual(service(chart).metadata.annotations, service(base).metadata.annotations);
  assert.deepEqual(service(chart).spec?.ports, service(base).spec?.ports);
  const podLabels = (
    only(chart, 'Deployment').spec as { template: { metadata: { labels: Record<string, string> } } }
  ).template.metadata.labels;
  for (const [k, v] of Object.entries(service(chart).spec?.selector as Record<string, string>))
    assert.equal(podLabels[k], v, `the Service selects the pods by ${k}`);
});

test('values reach the objects: variables as the operator reads them, names, image digest, rolling on change', async () => {
  const values = valuesFile('values.yaml', {
    image: { repository: 'registry.example.com/cbo', digest: 'sha256:0123abcd' },
    serviceAccount: { create: false, name: 'platform-operator' },
    config: {
      WATCH_NAMESPACES: ['cassandra', 'cassandra-dr'],
      // YAML numbers reach Helm as floats: a million must not become 1e+06.
      RETRY_WINDOW_SECONDS: 1000000,
      STATUS_WRITES_PER_SECOND: 0.5,
      TEMPORAL_TLS: true,
    },
    extraEnv: [{ name: 'MALLOC_ARENA_MAX', value: '2' }],
  });
  const rendered = await template('ops', 'platform', ['-f', values]);
  const data = only(rendered, 'ConfigMap').data ?? {};
  assert.equal(data.WATCH_NAMESPACES, 'cassandra,cassandra-dr');
  assert.equal(data.RETRY_WINDOW_SECONDS, '1000000');
  assert.equal(data.STATUS_WRITES_PER_SECOND, '0.5');
  assert.equal(data.TEMPORAL_TLS, 'true');
  assert.ok(!('TEMPORAL_API_KEY_FILE' in data), 'an empty value is left out');
  const config = loadConfig(data);
  assert.deepEqual(config.WATCH_NAMESPACES, ['cassandra', 'cassandra-dr']);
  assert.equal(config.RETRY_WINDOW_SECONDS, 1_000_000);

  assert.equal(only(rendered, 'Deployment').metadata.name, 'ops-cassandra-backup-operator');
  assert.ok(
    rendered.every((m) => m.kind !== 'ServiceAccount'),
    'no ServiceAccount is created',
  );
  assert.ok(rendered.every((m) => m.kind !== 'Namespace'));
  assert.deepEqual(only(rendered, 'ClusterRoleBinding').subjects, [
    { kind: 'ServiceAccount', name: 'platform-operator', namespace: 'platform' },
  ]);
  for (const m of rendered.filter(
    (m) => !['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition'].includes(m.kind),
  ))
    assert.equal(m.metadata.namespace, 'platform', `${m.kind} in the release's namespace`);
  const pod = operatorPod(only(rendered, 'Deployment'));
  assert.equal(pod.serviceAccountName, 'platform-operator');
  assert.equal(pod.containers[0]?.image, 'registry.example.com/cbo@sha256:0123abcd');
  assert.deepEqual((pod.containers[0] as { env?: unknown }).env, [{ name: 'MALLOC_ARENA_MAX', value: '2' }]);

  // A changed configuration changes the pod template, so the Deployment rolls the pods.
  const checksum = (ms: Manifest[]) =>
    (only(ms, 'Deployment').spec as { template: { metadata: { annotations: Record<string, string> } } })
      .template.metadata.annotations['checksum/config'];
  const debug = await template('ops', 'platform', ['-f', values, '--set', 'config.LOG_LEVEL=debug']);
  assert.equal(only(debug, 'ConfigMap').data?.LOG_LEVEL, 'debug');
  assert.match(checksum(rendered) ?? '', /^[0-9a-f]{64}$/);
  assert.notEqual(checksum(debug), checksum(rendered));
});

test('bad values are refused before anything reaches the cluster, naming the value', async () => {
  const refused = async (args: string[], message: RegExp) =>
    assert.rejects(template('bad', 'bad', args), (err: { stderr?: string }) => {
      assert.match(err.stderr ?? '', message);
      return true;
    });
  // A mistyped variable, a level the operator does not know (values.schema.json).
  await refused(['--set', 'config.LOGLEVEL=debug'], /LOGLEVEL/);
  await refused(['--set', 'config.LOG_LEVEL=loud'], /LOG_LEVEL/);
  // What only the chart can see: the probes need a fixed port, the drain must end before the kill.
  await refused(['--set', 'config.HTTP_PORT=0'], /config\.HTTP_PORT is "0": in a cluster it must be a port/);
  await refused(
    ['--set', 'config.SHUTDOWN_GRACE_SECONDS=30'],
    /config\.SHUTDOWN_GRACE_SECONDS \(30\) must stay below terminationGracePeriodSeconds \(30\)/,
  );
  await refused(
    ['--set', 'serviceAccount.create=false'],
    /serviceAccount\.name must name an existing ServiceAccount/,
  );
});
