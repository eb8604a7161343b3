// No credential value leaves its Secret. Secrets are seeded with values found nowhere else; a backup, its
// restore and two backups that fail on their credentials run end to end; then every place a value could
// leak to is read back and searched: each workflow's history (through the Temporal client, payloads
// decoded), the operator's log, the resources' status, the namespace's Events, and the requests Icarus
// received. Values are searched as they are and base64-encoded (the form a Secret's `data` takes).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Restores, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';

let kc: KubeConfig;
let namespace: string;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
let operator: OperatorProcess;
let cluster: PodCluster;

const seeded = {
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretKey: `seeded-secret-${randomBytes(16).toString('hex')}`,
  loneKeyId: `AKIALONE${randomBytes(6).toString('hex').toUpperCase()}`,
};

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'e2e-secrets');
  temporal = await temporalClient();
  const core = kc.makeApiClient(CoreV1Api);
  const secret = (name: string, stringData: Record<string, string>) =>
    core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
  await secret('creds', {
    awsaccesskeyid: seeded.accessKeyId,
    awssecretaccesskey: seeded.secretKey,
    awsregion: 'us-east-1',
  });
  // An access key id without its secret key: refused by the credentials check, naming the keys.
  await secret('half', { awsaccesskeyid: seeded.loneKeyId });
  cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 3 },
    timing: { durationMs: 600, pendingMs: 30 },
    buckets: ['s3://secrets-bucket'],
  });
  cluster.cluster.nodes.forEach((n, i) => n.data.set('shop.orders', [{ id: i, item: `row-${i}` }]));
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-secrets'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    RETRY_WINDOW_SECONDS: '5',
  });
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await cluster?.stop();
  await temporal?.close();
});

/** JSON of anything, with byte arrays (payload data) decoded as UTF-8 text. */
function text(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : (v as object),
  );
}

test('no seeded credential value appears in histories, logs, status, Events or Icarus requests', async () => {
  const context = () => operator.logs.slice(-30).join('\n');
  const backups = new Backups(kc, namespace, context);
  const restores = new Restores(kc, namespace, context);
  const location = 's3://secrets-bucket';

  await backups.create('good', {
    cassandraCluster: cluster.cluster.opts.name,
    storageLocation: location,
    secretName: 'creds',
  });
  await backups.create('half-keys', {
    cassandraCluster: cluster.cluster.opts.name,
    storageLocation: location,
    secretName: 'half',
  });
  // The S3 Secret used for Google Cloud Storage: the gcp key is missing.
  await backups.create('other-provider', {
    cassandraCluster: cluster.cluster.opts.name,
    storageLocation: 'gcp://secrets-bucket',
    secretName: 'creds',
  });
  await backups.waitFor('good', 'Succeeded=True', (b) => succeeded(b) === 'True');
  const half = await backups.waitFor('half-keys', 'Succeeded=False', (b) => succeeded(b) === 'False');
  const other = await backups.waitFor('other-provider', 'Succeeded=False', (b) => succeeded(b) === 'False');
  await restores.create('undo', {
    cassandraCluster: cluster.cluster.opts.name,
    cassandraBackup: 'good',
    entities: 'shop',
  });
  await restores.waitFor('undo', 'Succeeded=True', (r) => succeeded(r) === 'True');
  // The refusals name the Secret and its keys, so a user can act, and nothing more.
  const reason = (b: typeof half) => b.status?.conditions?.find((c) => c.type === 'Succeeded');
  assert.match(reason(half)?.message ?? '', /half/);
  assert.match(reason(half)?.message ?? '', /awssecretaccesskey/);
  assert.match(reason(other)?.message ?? '', /gcp/);
  await backups.waitForEvent('half-keys', reason(half)?.reason ?? '');

  const resources = [
    await backups.get('good'),
    await backups.get('half-keys'),
    await backups.get('other-provider'),
    await restores.get('undo'),
  ];
  const histories = await Promise.all(
    resources.map(async (r) => {
      const id = r.status?.workflowId;
      assert.ok(id, `${r.metadata.name} has its workflow id`);
      return text(await temporal.client.workflow.getHandle(id).fetchHistory());
    }),
  );
  const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  const places: Record<string, string> = {
    'workflow histories': histories.join('\n'),
    'operator log': operator.logs.join('\n'),
    'resource status': text(resources.map((r) => r.status)),
    Events: text(events.items.map((e) => ({ reason: e.reason, message: e.message }))),
    'Icarus requests': text(cluster.cluster.nodes.map((n) => n.simulator.received)),
  };
  // The search reads real content: every place names the Secret or the backup it is about.
  for (const [place, haystack] of Object.entries(places))
    assert.match(haystack, /creds|good|half/, `${place} were read (${haystack.length} characters)`);
  assert.ok(events.items.length >= 4, 'Events were recorded');

  const forms = Object.values(seeded).flatMap((v) => [v, Buffer.from(v).toString('base64')]);
  const leaks = Object.entries(places).map(([place, haystack]) => ({
    place,
    characters: haystack.length,
    found: forms.filter((form) => haystack.includes(form)),
  }));
  console.log(
    [
      '',
      `| place searched for ${forms.length} seeded values (plain and base64) | characters read | values found |`,
      '|---|---|---|',
      ...leaks.map((l) => `| ${l.place} | ${l.characters} | ${l.found.length} |`),
      '',
    ].join('\n'),
  );
  for (const l of leaks)
    assert.deepEqual(
      l.found.map((form) => `${form.slice(0, 6)}…`),
      [],
      `seeded credential values leaked into the ${l.place}`,
    );
});
