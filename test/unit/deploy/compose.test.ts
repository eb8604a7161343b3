// docker-compose.yml cannot run here (no Docker engine): its wiring is checked instead. Services and
// profiles, pinned images, health checks that gate the start order, and the values that must agree
// across services (addresses, ports, the kubeconfig path, volumes, pod labels, the example backup).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config.js';
import { repoRoot } from '../../../dev/stack/repo.js';

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  network_mode?: string;
  ports?: string[];
  volumes?: string[];
  restart?: string;
  command?: string[];
}

const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const service = (name: string): Service => {
  const s = services[name];
  assert.ok(s, `service ${name}`);
  return s;
};

test('the services: Temporal + Web UI + PostgreSQL, Kubernetes, the operator; Cassandra + Icarus in a profile', () => {
  const always = Object.keys(services).filter((n) => !services[n]?.profiles);
  assert.deepEqual(always.sort(), ['crds', 'k3s', 'operator', 'postgresql', 'temporal', 'temporal-ui']);
  const cassandra = Object.keys(services).filter((n) => services[n]?.profiles?.includes('cassandra'));
  assert.deepEqual(cassandra.sort(), ['cassandra', 'cassandra-pod', 'icarus']);
});

test('every image is pinned to a version, and what is built has its Dockerfile', () => {
  for (const [name, s] of Object.entries(services)) {
    assert.ok(s.image, `${name} names its image`);
    assert.match(s.image, /^[\w./-]+:[\w.-]*\d[\w.-]*$/, `${name}: ${s.image} is pinned`);
    assert.doesNotMatch(s.image, /:latest$/);
    if (s.build) {
      const b = typeof s.build === 'string' ? { context: s.build } : s.build;
      assert.ok(existsSync(join(repoRoot, b.context, b.dockerfile ?? 'Dockerfile')), `${name}'s Dockerfile`);
    }
  }
});

test('long-running services have health checks; start order waits on them or on one-shots finishing', () => {
  for (const [name, s] of Object.entries(services)) {
    const oneShot = s.restart === 'no';
    if (!oneShot) assert.ok(s.healthcheck?.test.length, `${name} has a health check`);
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
      const target = service(dep);
      if (condition === 'service_healthy') assert.ok(target.healthcheck, `${name} waits for ${dep}'s health`);
      else if (condition === 'service_completed_successfully')
        assert.equal(target.restart, 'no', `${dep} is one-shot`);
      else assert.fail(`${name} -> ${dep}: ${condition} does not wait for readiness`);
      // A service of a profile may only wait on services that run with it.
      if (target.profiles) assert.deepEqual(s.profiles, target.profiles, `${name} -> ${dep}`);
    }
  }
});

test('the operator: a valid configuration, Temporal by service name, the kubeconfig k3s writes, probes on its port', () => {
  const op = service('operator');
  const env = { ...op.environment };
  const { KUBECONFIG: kubeconfig, ...operatorEnv } = env;
  const config = loadConfig(operatorEnv);
  const [host, port] = config.TEMPORAL_ADDRESS.split(':');
  assert.ok(services[host ?? ''], `TEMPORAL_ADDRESS names the ${host} service`);
  assert.ok(service('temporal').ports?.some((p) => p.endsWith(`:${port}`)));
  assert.deepEqual(Object.keys(op.depends_on ?? {}).sort(), ['crds', 'temporal']);

  // k3s writes its kubeconfig into a host folder; the operator mounts the same folder at the same path.
  const k3s = service('k3s');
  const output = k3s.environment?.K3S_KUBECONFIG_OUTPUT ?? '';
  const folder = output.slice(0, output.lastIndexOf('/'));
  const hostFolder = k3s.volumes?.find((v) => v.split(':')[1] === folder)?.split(':')[0];
  assert.ok(hostFolder, 'k3s mounts its output folder from the host');
  assert.equal(kubeconfig, output);
  assert.ok(op.volumes?.some((v) => v.startsWith(`${hostFolder}:${folder}`)));

  // It shares k3s's network: the API server on loopback, pod IPs routable; its port is published there.
  assert.equal(op.network_mode, 'service:k3s');
  assert.ok(k3s.ports?.includes(`${config.HTTP_PORT}:${config.HTTP_PORT}`));
  assert.match(
    op.healthcheck?.test.join(' ') ?? '',
    new RegExp(`127\\.0\\.0\\.1:${config.HTTP_PORT}/readyz`),
  );
  assert.equal(op.image, 'cassandra-backup-operator:0.1.0');
  assert.equal(op.build, '.');
});

test("the cassandra profile: Icarus shares the node's network and data; the registered Pod matches the selector and the example", () => {
  const cassandra = service('cassandra');
  const icarus = service('icarus');
  assert.equal(icarus.network_mode, 'service:cassandra');
  for (const volume of cassandra.volumes ?? [])
    assert.ok(icarus.volumes?.includes(volume), `icarus mounts ${volume}`);
  for (const v of cassandra.volumes ?? []) assert.ok((v.split(':')[0] ?? '') in compose.volumes, v);

  const pod = service('cassandra-pod');
  const script = readFileSync(join(repoRoot, 'docker', 'register-pod.sh'), 'utf8');
  const config = loadConfig({});
  const cluster = pod.environment?.CLUSTER ?? '';
  for (const pair of config.POD_SELECTOR.replace('{cluster}', '$CLUSTER').split(','))
    assert.ok(script.includes(pair.replace('=', ': ')), `the Pod carries ${pair}`);
  assert.ok(script.includes(`${config.DC_LABEL}: `) && script.includes(`${config.RACK_LABEL}: `));
  assert.equal(pod.environment?.TARGET_HOST, 'cassandra');
  assert.equal(cassandra.environment?.CASSANDRA_CLUSTER_NAME, cluster);

  const example = parse(readFileSync(join(repoRoot, 'k8s', 'examples', 'compose-backup.yaml'), 'utf8')) as {
    spec: { cassandraCluster: string; storageLocation: string };
  };
  assert.equal(example.spec.cassandraCluster, cluster);
  const backupDir = example.spec.storageLocation.replace('file://', '');
  assert.ok(
    (icarus.volumes ?? []).some((v) => backupDir.startsWith(`${v.split(':')[1]}/`)),
    'the backup folder is a volume Icarus writes',
  );
});
