// Bad input, all at once, against one operator: every case ends in a condition with its own reason
// (docs/troubleshooting.md) and a message that names the culprit, plus a Warning Event with that reason,
// while good backups and a good restore created at the same time complete and the process lives on.
// Transient reasons are checked while they wait (PENDING, Succeeded=Unknown), not after the retry window.
//
// The resources live on an API server of this file's own (test/support/loose-crds.ts) whose CRDs have no
// schema for spec, as an older CRD without today's rules: what the real CRDs refuse at the API server
// (unknown protocols, unicode, names that are no label values, wrong types) reaches the operator here, and
// the operator's own checks are what is proven. That server also has the IBM CassandraCluster CRD, so
// every cluster here has a CassandraCluster object (ready unless a case says otherwise). Temporal is the
// test runner's; this file's task queue keeps its workflows apart.
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup, type CassandraRestore } from '../../src/kube/api/resources.js';
import { searchAttributes } from '../../src/temporal/search-attributes.js';
import { cancelSignal } from '../../workflows/signals.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Restores, succeeded } from '../support/custom-resources.js';
import { startLooseStack } from '../support/loose-crds.js';
import type { OwnStack } from '../support/own-stack.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

type Kind = 'CassandraBackup' | 'CassandraRestore';
type Resource = CassandraBackup | CassandraRestore;

interface Case {
  /** What is wrong, as the summary shows it. */
  name: string;
  kind: Kind;
  /** metadata.name; a unique one by default. */
  resource?: string;
  /** Runs before the resource is created (other resources it needs, faults to inject). */
  setup?: () => Promise<void>;
  spec: () => Record<string, unknown>;
  /** Runs once the resource exists (a fault in the middle of its work). */
  whileRunning?: (resource: string) => Promise<void>;
  reason: string;
  /** Unknown: waiting (PENDING, checked again); False: failed. */
  succeeded: 'Unknown' | 'False';
  /** In the condition's message; the first one also in the Event's. */
  messageIncludes: string[];
}

interface Outcome {
  c: Case;
  resource: string;
  reason?: string;
  message?: string;
  event?: string;
  problems: string[];
}

const SKIP =
  process.env.USE_EXISTING_CLUSTER === 'true'
    ? 'needs an API server of its own (USE_EXISTING_CLUSTER=true points the stack at a shared cluster)'
    : false;

let loose: OwnStack | undefined;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let namespace: string;
let backups: Backups;
let restores: Restores;
let operator: OperatorProcess | undefined;
let temporal: Awaited<ReturnType<typeof temporalClient>> | undefined;
const clusters: PodCluster[] = [];
const servers: Server[] = [];

/** The 3-node cluster of the good backup and restore (and of the bad ones that need healthy nodes). */
let main: PodCluster;
let mainName: string;

before(async () => {
  if (SKIP) return;
  loose = await startLooseStack({ cassandraCluster: true });
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  namespace = await createNamespace(kc, 'bad-input');
  temporal = await temporalClient();
  const logs = () => operator?.logs.slice(-30).join('\n') ?? '';
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);

  await Promise.all([
    createS3Secret(kc, namespace, 'creds'),
    secret('aws-half', ['awsaccesskeyid', 'awsregion']),
    secret('azure-half', ['azurestorageaccount']),
  ]);
  mainName = uniqueName('main');
  main = await simulated(mainName, { dc1: 3 }, 1500);
  main.cluster.nodes.forEach((n, i) => n.data.set('shop.orders', [{ id: i, item: `book-${i}` }]));

  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('bad-input'),
    ICARUS_GENERATION: '3',
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_UNREACHABLE_SECONDS: '3',
    STATUS_WRITES_PER_SECOND: '4',
    RESYNC_SECONDS: '5',
  });
  await operator.waitForLog(/Watching CassandraRestores/);
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await Promise.all(clusters.map((c) => c.stop()));
  await Promise.all(
    servers.map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
  await temporal?.close();
  await loose?.stop();
});

// ---------------------------------------------------------------------------------------------------
// The world the cases need

async function secret(name: string, keys: string[]): Promise<void> {
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name }, stringData: Object.fromEntries(keys.map((k) => [k, `test-only-${k}`])) },
  });
}

/** The IBM CassandraCluster object the operator checks before it looks for pods. */
async function cassandraCluster(name: string, ready = true): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: 'db.ibm.com',
    version: 'v1alpha1',
    plural: 'cassandraclusters',
    namespace,
    body: {
      apiVersion: 'db.ibm.com/v1alpha1',
      kind: 'CassandraCluster',
      metadata: { name },
      spec: {},
      status: { ready },
    },
  });
}

const ibmLabels = (cluster: string, dc = 'dc1') => ({
  'cassandra-cluster-instance': cluster,
  'cassandra-cluster-component': 'cassandra',
  'cassandra-cluster-dc': dc,
  'cassandra-cluster-rack': 'rack1',
});

/** A Cassandra pod object; with an IP, its status says the pod runs there. */
async function pod(name: string, cluster: string, ip?: string): Promise<void> {
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: ibmLabels(cluster) },
      spec: { containers: [{ name: 'cassandra', image: 'cassandra:5.0' }] },
    },
  });
  if (ip) {
    await core.patchNamespacedPodStatus(
      { namespace, name, body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

/** A loopback address nothing listens on (simulated nodes use 127.1-254.x.y, picked at random). */
const deadAddress = () => `127.255.${randomInt(0, 255)}.${randomInt(2, 254)}`;

/** Simulated nodes behind Pods, and a ready CassandraCluster of that name. */
async function simulated(
  name: string,
  datacenters: Record<string, number>,
  durationMs = 800,
): Promise<PodCluster> {
  const c = await startPodCluster(kc, namespace, {
    name,
    datacenters,
    timing: { durationMs, pendingMs: 30 },
    buckets: ['s3://bad-input', 's3://good-bucket'],
  });
  clusters.push(c);
  await cassandraCluster(name);
  return c;
}

/** A ready cluster whose pods have IPs where no Icarus listens. */
async function deadCluster(name: string, pods = 1): Promise<void> {
  await cassandraCluster(name);
  for (let i = 0; i < pods; i++) await pod(`${name}-cassandra-dc1-${i}`, name, deadAddress());
}

/**
 * A sidecar that knows its ring but answers 400 to every submitted operation, with its own words: the
 * way an Icarus refuses a request it cannot take.
 */
/** A sidecar that answers every POST with `answer` (by default a 400 with Icarus's `words`). */
async function refusingSidecar(
  cluster: string,
  words: string,
  answer: { status: number; contentType: string } = { status: 400, contentType: 'text/plain' },
): Promise<void> {
  const address = `127.255.${randomInt(0, 255)}.1`;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && req.url === '/topology') {
        return json(200, {
          clusterName: cluster,
          schemaVersion: randomUUID(),
          topology: [
            {
              hostname: address,
              cluster,
              dc: 'dc1',
              rack: 'rack1',
              nodeId: randomUUID(),
              ipAddress: address,
            },
          ],
        });
      }
      if (req.method === 'GET' && req.url?.startsWith('/operations')) return json(200, []);
      if (req.method === 'POST') {
        res.writeHead(answer.status, { 'Content-Type': answer.contentType });
        return res.end(words);
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(4567, address, resolve);
  });
  servers.push(server);
  await cassandraCluster(cluster);
  await pod(`${cluster}-cassandra-dc1-0`, cluster, address);
}

async function waitForState(kind: Kind, name: string, what: string, check: (r: Resource) => boolean) {
  return kind === 'CassandraBackup'
    ? backups.waitFor(name, what, check)
    : restores.waitFor(name, what, check);
}

// ---------------------------------------------------------------------------------------------------
// The cases

/** A DNS subdomain of exactly 253 characters (labels of at most 63, joined by dots). */
function longName(prefix: string): string {
  const label = 'n'.repeat(63);
  return `${`${prefix}-${randomInt(1000, 9999)}-`.padEnd(61, 'a')}.${label}.${label}.${label}`;
}

function cases(): Case[] {
  const s3 = (over: Record<string, unknown> = {}) => ({
    cassandraCluster: mainName,
    storageLocation: 's3://bad-input',
    secretName: 'creds',
    ...over,
  });
  const backup = (c: Omit<Case, 'kind'>): Case => ({ ...c, kind: 'CassandraBackup' });
  const restore = (c: Omit<Case, 'kind'>): Case => ({ ...c, kind: 'CassandraRestore' });
  const name = (prefix: string) => uniqueName(prefix);

  const notReady = name('not-ready');
  const empty = name('empty');
  const noIp = name('no-ip');
  const dead = name('dead');
  const hung = name('hung');
  const stray = name('stray');
  const fading = name('fading');
  const refusing = name('refusing');
  const garbled = name('garbled');
  const twoDc = name('two-dc');
  const deadA = name('dead-a');
  const deadB = name('dead-b');
  const failedBackup = name('doomed');
  const cancelledBackup = name('stopped');
  let fadingCluster: PodCluster | undefined;

  return [
    // The Cassandra cluster and its pods
    backup({
      name: 'cluster unknown (no CassandraCluster)',
      spec: () => s3({ cassandraCluster: 'no-such-ring' }),
      reason: 'CassandraClusterNotFound',
      succeeded: 'Unknown',
      messageIncludes: ['CassandraCluster no-such-ring not found'],
    }),
    backup({
      name: 'cluster not ready',
      setup: () => cassandraCluster(notReady, false),
      spec: () => s3({ cassandraCluster: notReady }),
      reason: 'CassandraClusterNotReady',
      succeeded: 'Unknown',
      messageIncludes: [`CassandraCluster ${notReady} is not ready`],
    }),
    backup({
      name: 'cluster without pods',
      setup: () => cassandraCluster(empty),
      spec: () => s3({ cassandraCluster: empty }),
      reason: 'NoCassandraPods',
      succeeded: 'Unknown',
      messageIncludes: [`no pods of Cassandra cluster ${empty}`],
    }),
    backup({
      name: 'pods without an IP',
      setup: async () => {
        await cassandraCluster(noIp);
        await pod(`${noIp}-cassandra-dc1-0`, noIp);
        await pod(`${noIp}-cassandra-dc1-1`, noIp);
      },
      spec: () => s3({ cassandraCluster: noIp }),
      reason: 'NodesWithoutAddress',
      succeeded: 'Unknown',
      messageIncludes: [`${noIp}-cassandra-dc1-0, ${noIp}-cassandra-dc1-1 have no IP yet`],
    }),
    backup({
      name: 'dc the cluster does not have',
      spec: () => s3({ dc: 'dc9' }),
      reason: 'UnknownDatacenter',
      succeeded: 'False',
      messageIncludes: [`dc9 not found in cluster ${mainName}; it has dc1`],
    }),
    backup({
      name: 'pod not in the ring Icarus reports',
      setup: async () => {
        await simulated(stray, { dc1: 1 });
        await pod(`${stray}-cassandra-dc1-7`, stray, deadAddress());
      },
      spec: () => s3({ cassandraCluster: stray }),
      reason: 'NodeNotInTopology',
      succeeded: 'Unknown',
      messageIncludes: [`pod ${stray}-cassandra-dc1-7`, 'is not in the ring'],
    }),
    // Icarus
    backup({
      name: 'Icarus not listening',
      setup: () => deadCluster(dead, 2),
      spec: () => s3({ cassandraCluster: dead }),
      reason: 'IcarusUnreachable',
      succeeded: 'Unknown',
      messageIncludes: [`${dead}-cassandra-dc1-0`, 'ECONNREFUSED'],
    }),
    backup({
      name: 'Icarus hangs (accepts, never answers)',
      setup: async () => {
        const c = await simulated(hung, { dc1: 1 });
        if (c.cluster.nodes[0]) c.cluster.nodes[0].simulator.faults.hang = true;
      },
      spec: () => s3({ cassandraCluster: hung }),
      reason: 'IcarusUnreachable',
      succeeded: 'Unknown',
      messageIncludes: [`${hung}-cassandra-dc1-0`, 'did not answer GET /topology'],
    }),
    backup({
      name: 'Icarus gone in the middle of the backup',
      setup: async () => {
        fadingCluster = await simulated(fading, { dc1: 1 }, 60_000);
      },
      spec: () => s3({ cassandraCluster: fading }),
      whileRunning: async (resource) => {
        await waitForState('CassandraBackup', resource, 'its node running', (b) =>
          Boolean(b.status?.nodes?.[0]?.operationId),
        );
        await fadingCluster?.stop();
      },
      reason: 'IcarusUnavailable',
      succeeded: 'False',
      messageIncludes: [`${fading}-cassandra-dc1-0`, 'did not answer GET /operations/', 'ECONNREFUSED'],
    }),
    backup({
      name: 'Icarus answers 400 to the request',
      setup: () => refusingSidecar(refusing, 'Unrecognized field "skipRefreshing": not known to this Icarus'),
      spec: () => s3({ cassandraCluster: refusing }),
      reason: 'IcarusRejected',
      succeeded: 'False',
      messageIncludes: [`${refusing}-cassandra-dc1-0`, 'answered 400', 'Unrecognized field "skipRefreshing"'],
    }),
    backup({
      name: 'Icarus answers a page that is not its API (a proxy in the way)',
      setup: () =>
        refusingSidecar(garbled, '<html><body>502 Bad Gateway</body></html>', {
          status: 201,
          contentType: 'text/html',
        }),
      spec: () => s3({ cassandraCluster: garbled }),
      reason: 'IcarusProtocolError',
      succeeded: 'False',
      messageIncludes: [`${garbled}-cassandra-dc1-0`],
    }),
    backup({
      name: 'Icarus fails the operation (minio:// unknown to its esop)',
      spec: () => s3({ storageLocation: 'minio://bad-input' }),
      reason: 'NodeFailed',
      succeeded: 'False',
      messageIncludes: [`${mainName}-cassandra-dc1-0`, 'Available storage providers: [azure, gcp, file, s3]'],
    }),
    // Storage and credentials
    backup({
      name: 'Secret missing',
      spec: () => s3({ secretName: 'no-such-secret' }),
      reason: 'SecretNotFound',
      succeeded: 'Unknown',
      messageIncludes: ['Secret no-such-secret not found'],
    }),
    backup({
      name: 'Secret lacks a key of its provider',
      spec: () => s3({ secretName: 'aws-half' }),
      reason: 'SecretMissingKeys',
      succeeded: 'False',
      messageIncludes: ['Secret aws-half lacks awssecretaccesskey needed for s3'],
    }),
    backup({
      name: 'S3 Secret for a gcp:// location',
      spec: () => s3({ storageLocation: 'gcp://bad-input' }),
      reason: 'SecretMissingKeys',
      succeeded: 'False',
      messageIncludes: ['Secret creds lacks gcp needed for gcp', 'holds keys of another provider'],
    }),
    backup({
      name: 'azure Secret without its key',
      spec: () => s3({ storageLocation: 'azure://bad-input', secretName: 'azure-half' }),
      reason: 'SecretMissingKeys',
      succeeded: 'False',
      messageIncludes: ['Secret azure-half lacks azurestoragekey needed for azure'],
    }),
    backup({
      name: 'unknown protocol ftp://',
      spec: () => s3({ storageLocation: 'ftp://bucket' }),
      reason: 'UnsupportedStorageProtocol',
      succeeded: 'False',
      messageIncludes: ['storageLocation ftp://bucket has no supported protocol'],
    }),
    backup({
      name: 'path Icarus cannot parse',
      spec: () => s3({ storageLocation: 's3://bucket/a/b' }),
      reason: 'InvalidStorageLocation',
      succeeded: 'False',
      messageIncludes: ['storageLocation s3://bucket/a/b', 'use s3://bucket'],
    }),
    backup({
      name: 'file:// without a folder',
      spec: () => s3({ storageLocation: 'file://bucket' }),
      reason: 'InvalidStorageLocation',
      succeeded: 'False',
      messageIncludes: ['storageLocation file://bucket', 'needs a folder and a bucket'],
    }),
    backup({
      name: 'bucket name of 300 characters',
      spec: () => s3({ storageLocation: `s3://${'b'.repeat(300)}` }),
      reason: 'InvalidStorageLocation',
      succeeded: 'False',
      messageIncludes: [`bucket ${'b'.repeat(300)} is not a valid s3 bucket name`],
    }),
    backup({
      name: 'unicode bucket name',
      spec: () => s3({ storageLocation: 's3://sauvegardes-été' }),
      reason: 'InvalidStorageLocation',
      succeeded: 'False',
      messageIncludes: ['bucket sauvegardes-été is not a valid s3 bucket name'],
    }),
    backup({
      name: 'storageLocation over 1024 characters',
      spec: () => s3({ storageLocation: `s3://bucket/${'x'.repeat(1100)}` }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.storageLocation'],
    }),
    // Durations and numbers
    backup({
      name: 'duration not "<amount> <unit>"',
      spec: () => s3({ duration: '2 fortnights' }),
      reason: 'InvalidDuration',
      succeeded: 'False',
      messageIncludes: ['duration "2 fortnights"'],
    }),
    backup({
      name: 'bandwidth in an unknown unit',
      spec: () => s3({ bandwidth: { value: 10, unit: 'TBPS' } }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.bandwidth.unit'],
    }),
    backup({
      name: 'timeout as text ("5h")',
      spec: () => s3({ timeout: '5h' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.timeout'],
    }),
    // Names
    backup({
      name: 'no cassandraCluster at all',
      spec: () => ({ storageLocation: 's3://bad-input', secretName: 'creds' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.cassandraCluster'],
    }),
    backup({
      name: 'cluster name not a label value',
      spec: () => s3({ cassandraCluster: 'Ring With Spaces' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: [
        'spec.cassandraCluster: cassandraCluster must be a label value',
        'got "Ring With Spaces"',
      ],
    }),
    backup({
      name: 'cluster name that extends the pod selector',
      spec: () => s3({ cassandraCluster: 'x,cassandra-cluster-component=cassandra' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: [
        'spec.cassandraCluster: cassandraCluster must be a label value',
        'got "x,cassandra-cluster-component=cassandra"',
      ],
    }),
    backup({
      name: 'unicode cluster name',
      spec: () => s3({ cassandraCluster: 'кластер' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.cassandraCluster: cassandraCluster must be a label value', 'got "кластер"'],
    }),
    backup({
      name: 'cluster name of 300 characters',
      spec: () => s3({ cassandraCluster: 'c'.repeat(300) }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.cassandraCluster: Too big'],
    }),
    backup({
      name: 'unicode snapshotTag',
      spec: () => s3({ snapshotTag: 'ночной' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.snapshotTag: snapshotTag may hold letters', 'got "ночной"'],
    }),
    backup({
      name: 'unicode keyspace in entities',
      spec: () => s3({ entities: 'магазин' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.entities: entities must list keyspaces', 'got "магазин"'],
    }),
    backup({
      name: 'resource name of 253 characters (Secret missing)',
      resource: longName('bad'),
      spec: () => s3({ secretName: 'no-such-secret-either' }),
      reason: 'SecretNotFound',
      succeeded: 'Unknown',
      messageIncludes: ['Secret no-such-secret-either not found'],
    }),
    backup({
      name: 'resource name with dots (ftp://)',
      resource: `nightly.${randomInt(1000, 9999)}.2026.01.02`,
      spec: () => s3({ storageLocation: 'ftp://dots' }),
      reason: 'UnsupportedStorageProtocol',
      succeeded: 'False',
      messageIncludes: ['storageLocation ftp://dots has no supported protocol'],
    }),
    // Restores
    restore({
      name: 'neither a backup nor a location',
      spec: () => ({ cassandraCluster: name('ghost') }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['set spec.cassandraBackup, or all three of spec.storageLocation'],
    }),
    restore({
      name: 'backup that does not exist',
      spec: () => ({ cassandraCluster: name('ghost'), cassandraBackup: 'no-such-backup' }),
      reason: 'CassandraBackupNotFound',
      succeeded: 'Unknown',
      messageIncludes: ['CassandraBackup no-such-backup does not exist'],
    }),
    restore({
      name: 'backup that failed',
      setup: async () => {
        await backups.create(failedBackup, s3({ storageLocation: 's3://bucket/one/two' }));
        await waitForState('CassandraBackup', failedBackup, 'FAILED', (b) => succeeded(b) === 'False');
      },
      spec: () => ({ cassandraCluster: name('ghost'), cassandraBackup: failedBackup }),
      reason: 'CassandraBackupFailed',
      succeeded: 'Unknown',
      messageIncludes: [`CassandraBackup ${failedBackup} failed`, 'storageLocation s3://bucket/one/two'],
    }),
    restore({
      name: 'backup that was cancelled',
      setup: async () => {
        await backups.create(cancelledBackup, s3({ secretName: 'never-created' }));
        const waiting = await waitForState(
          'CassandraBackup',
          cancelledBackup,
          'waiting for its Secret',
          (b) =>
            Boolean(b.status?.workflowId && b.status.conditions?.some((c) => c.reason === 'SecretNotFound')),
        );
        await temporal?.client.workflow
          .getHandle(waiting.status?.workflowId ?? '')
          .signal(cancelSignal, { reason: 'test' });
        await waitForState(
          'CassandraBackup',
          cancelledBackup,
          'CANCELLED',
          (b) => b.status?.state === 'CANCELLED',
        );
      },
      spec: () => ({ cassandraCluster: name('ghost'), cassandraBackup: cancelledBackup }),
      reason: 'CassandraBackupCancelled',
      succeeded: 'Unknown',
      messageIncludes: [`CassandraBackup ${cancelledBackup} was cancelled`],
    }),
    restore({
      name: 'unknown protocol ftp:// (restore)',
      setup: () => deadCluster(deadA),
      spec: () => ({
        cassandraCluster: deadA,
        storageLocation: 'ftp://bucket',
        snapshotTag: 'nightly',
        secretName: 'creds',
      }),
      reason: 'UnsupportedStorageProtocol',
      succeeded: 'False',
      messageIncludes: ['storageLocation ftp://bucket has no supported protocol'],
    }),
    restore({
      name: 'dc list naming a dc the cluster lacks',
      setup: () => deadCluster(deadB),
      spec: () => ({
        cassandraCluster: deadB,
        storageLocation: 's3://bad-input',
        snapshotTag: 'nightly',
        secretName: 'creds',
        dc: 'dc1,dc7',
      }),
      reason: 'UnknownDatacenter',
      succeeded: 'False',
      messageIncludes: [`dc7 not found in cluster ${deadB}; it has dc1`],
    }),
    restore({
      name: 'one dc of two (TRUNCATE is cluster-wide)',
      setup: () => simulated(twoDc, { dc1: 1, dc2: 1 }).then(() => undefined),
      spec: () => ({
        cassandraCluster: twoDc,
        storageLocation: 's3://bad-input',
        snapshotTag: 'nightly',
        secretName: 'creds',
        dc: 'dc1',
      }),
      reason: 'TruncateAffectsOtherDatacenters',
      succeeded: 'False',
      messageIncludes: ['spec.dc restores only dc1', 'dc2 would lose their rows'],
    }),
    restore({
      name: 'timeout 0 (restore)',
      spec: () => ({ cassandraCluster: name('ghost'), cassandraBackup: 'any', timeout: 0 }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.timeout'],
    }),
    restore({
      name: 'rename to something not a table',
      spec: () => ({
        cassandraCluster: name('ghost'),
        cassandraBackup: 'any',
        rename: { 'shop.orders': 'orders' },
      }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ["spec.rename: rename maps 'keyspace.table' to 'keyspace.table'"],
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Running them

/** One list of both kinds for every waiting case, at most every 400 ms: one poller, not one per case. */
let snapshot: { at: number; items: Promise<Map<string, Resource>> } | undefined;
function current(): Promise<Map<string, Resource>> {
  if (!snapshot || Date.now() - snapshot.at > 400) {
    const list = async (kind: Kind) =>
      (
        (await custom.listNamespacedCustomObject({ ...resourceNames[kind], namespace })) as {
          items: Resource[];
        }
      ).items.map((r): [string, Resource] => [`${kind}/${r.metadata.name ?? ''}`, r]);
    snapshot = {
      at: Date.now(),
      items: Promise.all([list('CassandraBackup'), list('CassandraRestore')]).then((l) => new Map(l.flat())),
    };
  }
  return snapshot.items;
}

const condition = (r: Resource | undefined) => r?.status?.conditions?.find((x) => x.type === 'Succeeded');

async function settle(c: Case, resource: string, until: number): Promise<Outcome> {
  const outcome: Outcome = { c, resource, problems: [] };
  let seen: Resource | undefined;
  for (;;) {
    seen = (await current().catch(() => undefined))?.get(`${c.kind}/${resource}`) ?? seen;
    const cond = condition(seen);
    const finalOther =
      cond && cond.reason !== c.reason && (cond.status === 'True' || cond.status === 'False');
    if ((cond?.reason === c.reason && cond.status === c.succeeded) || finalOther || Date.now() > until) break;
    await sleep(500);
  }
  const cond = condition(seen);
  outcome.reason = cond?.reason;
  outcome.message = cond?.message;
  if (cond?.reason !== c.reason || cond.status !== c.succeeded) {
    outcome.problems.push(
      `expected ${c.reason} (Succeeded=${c.succeeded}), got ${cond ? `${cond.reason} (Succeeded=${cond.status})` : 'no condition'}`,
    );
    return outcome;
  }
  const state = seen?.status?.state;
  const expectedState = c.succeeded === 'Unknown' ? 'PENDING' : 'FAILED';
  if (state !== expectedState) outcome.problems.push(`state ${state}, expected ${expectedState}`);
  for (const part of c.messageIncludes) {
    if (!cond.message.includes(part)) outcome.problems.push(`message lacks "${part}"`);
  }
  const resources = c.kind === 'CassandraBackup' ? backups : restores;
  // Several nodes may have failed, each with its own Event: the one that names the culprit.
  const event = await eventually(
    `${resource}: a Warning Event ${c.reason}`,
    async () => {
      const warnings = (await resources.events(resource)).filter(
        (e) => e.type === 'Warning' && e.reason === c.reason,
      );
      return warnings.find((e) => e.message.includes(c.messageIncludes[0] ?? '')) ?? warnings[0];
    },
    { timeoutMs: 15_000 },
  ).catch(() => undefined);
  if (!event) outcome.problems.push(`no Warning Event ${c.reason}`);
  else {
    outcome.event = `Warning ${event.reason}`;
    if (!event.message.includes(c.messageIncludes[0] ?? ''))
      outcome.problems.push(`Event message lacks "${c.messageIncludes[0]}": ${event.message}`);
  }
  return outcome;
}

function summary(outcomes: Outcome[]): string {
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const excerpt = (s = '') => (s.length > 90 ? `${s.slice(0, 87)}...` : s);
  return [
    '| case | kind | reason | message excerpt | Event |',
    '| --- | --- | --- | --- | --- |',
    ...outcomes.map(
      (o) =>
        `| ${cell(o.c.name)}${o.problems.length ? ' **(FAILED)**' : ''} | ${o.c.kind.replace('Cassandra', '')} | ${o.reason ?? '-'} | ${cell(excerpt(o.message))} | ${o.event ?? 'none'} |`,
    ),
  ].join('\n');
}

test(
  'bad input: each case ends in its own reason, message and Warning Event; good work goes on',
  { skip: SKIP },
  async () => {
    const started = Date.now();
    const all = cases();
    assert.ok(all.length >= 30, `${all.length} cases`);
    const names = all.map(
      (c) => c.resource ?? uniqueName(c.kind === 'CassandraBackup' ? 'bad-backup' : 'bad-restore'),
    );

    // Good work, created with the bad: a backup, a restore of it, and a backup whose name is 253 characters.
    const goodBackup = uniqueName('good-backup');
    const goodLong = longName('good');
    const goodRestore = `good.restore.${randomInt(1000, 9999)}`;
    const good = { cassandraCluster: mainName, storageLocation: 's3://good-bucket', secretName: 'creds' };
    await Promise.all([
      backups.create(goodBackup, good),
      backups.create(goodLong, good),
      restores.create(goodRestore, { cassandraCluster: mainName, cassandraBackup: goodBackup }),
      ...all.map(async (c, i) => {
        const resource = names[i] ?? '';
        await c.setup?.();
        await (c.kind === 'CassandraBackup' ? backups : restores).create(resource, c.spec());
        await c.whileRunning?.(resource);
      }),
    ]);

    const until = Date.now() + 90_000;
    const outcomes = await Promise.all(all.map((c, i) => settle(c, names[i] ?? '', until)));
    console.log(`\n${summary(outcomes)}\n`);

    // The good work completed meanwhile.
    for (const name of [goodBackup, goodLong]) {
      const b = await backups.waitFor(name, 'its end', (x) => succeeded(x) !== 'Unknown');
      assert.equal(b.status?.state, 'COMPLETED', `${name}: ${JSON.stringify(b.status?.conditions)}`);
    }
    const r = await restores.waitFor(
      goodRestore,
      'its end',
      (x) => succeeded(x) === 'True' || succeeded(x) === 'False',
    );
    assert.equal(r.status?.state, 'COMPLETED', JSON.stringify(r.status?.conditions));
    // No bad resource turned the search attributes off for the others.
    const described = await temporal?.client.workflow
      .getHandle((await backups.get(goodBackup)).status?.workflowId ?? '')
      .describe();
    assert.equal(described?.typedSearchAttributes.get(searchAttributes.cassandraCluster), mainName);

    // The operator is still the same process, and said nothing of a crash.
    const exited = await Promise.race([operator?.exited.then(() => true), sleep(10).then(() => false)]);
    assert.equal(exited, false, 'the operator exited');
    const alarming = (operator?.logs ?? []).filter((l) =>
      /uncaught|unhandled|nondetermin|"level":60|Worker failed|search attributes .* are not registered/i.test(
        l,
      ),
    );
    assert.deepEqual(alarming, []);

    const failed = outcomes.filter((o) => o.problems.length > 0);
    assert.deepEqual(
      failed.map((o) => `${o.c.name} (${o.resource}): ${o.problems.join('; ')}`),
      [],
      `${failed.length} of ${outcomes.length} case(s) not handled as expected`,
    );
    console.log(
      `${outcomes.length} bad inputs and 3 good resources in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  },
);
