// The CassandraBackup / CassandraRestore API on the real kube-apiserver: examples and the IBM operator's
// manifests are accepted, invalid manifests are rejected with a message a user understands,
// immutability rules hold, defaults are filled, and kubectl shows the printer columns. Every refusal is
// also run through the operator's own checks of the CEL rules (src/kube/api/generated-rules.ts), which
// must find the same failures with the same messages; the last test requires every rule to have been
// compared so.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  loadAllYaml,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { RuleKind } from '../../src/kube/api/generated-rules.js';
import { disagreement, mergePatch, refusal, rulesNeverCompared } from '../support/cel-agreement.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

const group = 'db.ibm.com';
const version = 'v1alpha1';
const repo = join(import.meta.dirname, '..', '..');
type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const kc = kubeConfig();
const objects = kc.makeApiClient(KubernetesObjectApi);
const custom = kc.makeApiClient(CustomObjectsApi);
let namespace: string;

before(async () => {
  namespace = await createNamespace(kc, 'api');
});

const plural = (kind: string) => `${kind.toLowerCase()}s`;

function manifest(
  kind: 'CassandraBackup' | 'CassandraRestore' | 'CassandraBackupSchedule',
  spec: Record<string, unknown>,
  name = uniqueName('r'),
): Obj {
  return { apiVersion: `${group}/${version}`, kind, metadata: { name, namespace }, spec };
}

async function create(obj: Obj, dryRun = false): Promise<Obj> {
  return custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: plural(obj.kind ?? ''),
    body: obj,
    ...(dryRun ? { dryRun: 'All' } : {}),
  }) as Promise<Obj>;
}

/** The message the API server gave for a rejected request (what kubectl prints). */
async function rejection(request: Promise<unknown>): Promise<string> {
  return (await refusal(request)).message;
}

/** The message of a refused create, after checking that the generated CEL checks refuse it alike. */
async function refusedCreate(obj: Obj): Promise<string> {
  const refused = await refusal(create(obj, true));
  assert.equal(disagreement(obj.kind as RuleKind, refused, obj), '', 'the generated CEL checks disagree');
  return refused.message;
}

function loadFile(path: string): Obj[] {
  return (loadAllYaml(readFileSync(path, 'utf8')) as Obj[]).filter(Boolean);
}

async function createAny(obj: Obj): Promise<void> {
  obj.metadata = { ...obj.metadata, namespace };
  await objects.create(obj, undefined, 'All');
}

describe('accepted manifests', () => {
  test('every example in k8s/examples is accepted', async () => {
    const dir = join(repo, 'k8s', 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 10, `expected the examples, found ${files.join(', ')}`);
    const kinds = new Set<string>();
    for (const file of files) {
      for (const obj of loadFile(join(dir, file))) {
        const source = obj.spec?.cassandraBackup
          ? 'backup-ref'
          : ((obj.spec?.storageLocation as string | undefined) ?? '').split(':')[0];
        kinds.add(`${obj.kind}:${source}`);
        await createAny(obj).catch((err: unknown) =>
          assert.fail(`${file} was rejected: ${String((err as { body?: unknown }).body ?? err)}`),
        );
      }
    }
    for (const expected of [
      'CassandraBackup:s3',
      'CassandraBackup:azure',
      'CassandraBackup:gcp',
      'CassandraBackup:file',
      'CassandraRestore:backup-ref',
      'CassandraRestore:gcp',
      'CassandraBackupSchedule:',
    ]) {
      assert.ok(kinds.has(expected), `no example of ${expected}; have ${[...kinds].join(', ')}`);
    }
  });

  test("the IBM operator's documented examples, copied as they are, are accepted but for the backup's location, which Icarus never parsed", async () => {
    for (const obj of loadFile(join(repo, 'test', 'api', 'fixtures', 'ibm-docs-examples.yaml'))) {
      if (obj.kind !== 'CassandraBackup') {
        await createAny(obj);
        continue;
      }
      // s3://bucket-name/backup/location: Icarus takes a bucket, or a bucket and cluster/dc/node; with
      // the IBM operator this backup failed on the nodes, here kubectl apply says why.
      obj.metadata = { ...obj.metadata, namespace };
      assert.match(
        await refusedCreate(obj),
        /storageLocation "s3:\/\/bucket-name\/backup\/location": Icarus takes protocol:\/\/bucket or protocol:\/\/bucket\/cluster\/dc\/node, never one or two folders after the bucket; write protocol:\/\/bucket/,
      );
      await createAny({ ...obj, spec: { ...(obj.spec as object), storageLocation: 's3://bucket-name' } });
    }
  });

  test('the storage locations Icarus parses are accepted: a bucket (with a trailing slash), bucket/cluster/dc/node, deeper, and file folders', async () => {
    for (const storageLocation of [
      's3://bucket',
      'gcp://bucket/',
      'azure://container/prod/dc1/4f6c2a9e',
      's3://bucket/prefix/prod/dc1/node',
      'file:///var/backups/bucket',
    ]) {
      await createAny(manifest('CassandraBackup', { ...backup, storageLocation }, uniqueName('loc')));
    }
  });

  test("a manifest using every field of the IBM operator's reference is accepted and keeps its values", async () => {
    const [backup, restore] = loadFile(join(repo, 'test', 'api', 'fixtures', 'ibm-all-fields.yaml'));
    assert.ok(backup && restore);
    backup.metadata = { ...backup.metadata, namespace };
    restore.metadata = { ...restore.metadata, namespace };
    const createdBackup = await create(backup);
    const createdRestore = await create(restore);
    // Our added fields get their defaults; every IBM field is kept as written.
    assert.deepEqual(
      createdBackup.spec,
      { ...backup.spec, deletionPolicy: 'Retain' },
      'no IBM backup field may be pruned or changed',
    );
    assert.deepEqual(createdRestore.spec, {
      ...restore.spec,
      restorationStrategyType: 'HARDLINKS',
      allowClusterWideTruncate: false,
    });
  });

  test('the documented defaults are filled in by the API server', async () => {
    const created = await create(
      manifest('CassandraBackup', {
        cassandraCluster: 'c1',
        storageLocation: 's3://b',
        secretName: 's',
        retry: { enabled: true },
      }),
    );
    assert.equal(created.spec?.concurrentConnections, 10);
    assert.equal(created.spec?.timeout, 5);
    assert.equal(created.spec?.metadataDirective, 'COPY');
    assert.equal(
      created.spec?.deletionPolicy,
      'Retain',
      "deleting it leaves its data, as the IBM operator's did",
    );
    assert.deepEqual(created.spec?.retry, {
      enabled: true,
      interval: 10,
      strategy: 'LINEAR',
      maxAttempts: 3,
    });
    assert.equal(
      created.spec?.snapshotTag,
      undefined,
      'the tag defaults to the name in the operator, not in the stored spec',
    );
  });
});

const backup = { cassandraCluster: 'c1', storageLocation: 's3://bucket', secretName: 'creds' };
const restore = { cassandraCluster: 'c1', cassandraBackup: 'b1' };
const manual = {
  cassandraCluster: 'c1',
  storageLocation: 's3://bucket',
  snapshotTag: 't1',
  secretName: 'creds',
};
const without = (o: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

// [what, kind, spec, fragment of the message the user sees]
const schedule = { schedules: ['0 2 * * *'], backupTemplate: { spec: backup } };
type Kind = 'CassandraBackup' | 'CassandraRestore' | 'CassandraBackupSchedule';
const invalid: [string, Kind, Record<string, unknown>, string][] = [
  [
    'backup without cassandraCluster',
    'CassandraBackup',
    without(backup, 'cassandraCluster'),
    'spec.cassandraCluster: Required value',
  ],
  [
    'backup without storageLocation',
    'CassandraBackup',
    without(backup, 'storageLocation'),
    'spec.storageLocation: Required value',
  ],
  [
    'backup without secretName',
    'CassandraBackup',
    without(backup, 'secretName'),
    'spec.secretName: Required value',
  ],
  [
    'unknown protocol',
    'CassandraBackup',
    { ...backup, storageLocation: 'http://bucket' },
    'storageLocation must start with one of s3://, gcp://, azure://, oracle://, minio://, ceph://, file://; got "http://bucket"',
  ],
  [
    'location without protocol',
    'CassandraBackup',
    { ...backup, storageLocation: 'bucket' },
    'storageLocation must start with one of',
  ],
  [
    'location without bucket',
    'CassandraBackup',
    { ...backup, storageLocation: 's3://' },
    'storageLocation must be protocol://bucket[/path]',
  ],
  [
    'location with a space',
    'CassandraBackup',
    { ...backup, storageLocation: 's3://my bucket' },
    'storageLocation must be protocol://bucket[/path]',
  ],
  [
    'location with one folder after the bucket',
    'CassandraBackup',
    { ...backup, storageLocation: 's3://bucket/backups' },
    'never one or two folders after the bucket',
  ],
  [
    'restore location with two folders after the bucket',
    'CassandraRestore',
    { ...restore, storageLocation: 'azure://container/a/b/', snapshotTag: 't', secretName: 's' },
    'Icarus takes protocol://bucket or protocol://bucket/cluster/dc/node',
  ],
  [
    'relative file location',
    'CassandraBackup',
    { ...backup, storageLocation: 'file://relative/dir' },
    'file:///absolute/path for file',
  ],
  [
    'entities mixing keyspaces and tables',
    'CassandraBackup',
    { ...backup, entities: 'ks1,ks2.t1' },
    'not a mix of both; got "ks1,ks2.t1"',
  ],
  [
    'entities with a semicolon',
    'CassandraBackup',
    { ...backup, entities: 'ks1;ks2' },
    "entities must list keyspaces ('ks1,ks2') or tables",
  ],
  [
    'duration without unit',
    'CassandraBackup',
    { ...backup, duration: '2' },
    'duration must be "<amount> <unit>"',
  ],
  [
    'duration in weeks',
    'CassandraBackup',
    { ...backup, duration: '2 weeks' },
    'unit one of days, hours, minutes, seconds',
  ],
  [
    'negative duration',
    'CassandraBackup',
    { ...backup, duration: '-1 hours' },
    'with a positive whole amount',
  ],
  [
    'bandwidth unit',
    'CassandraBackup',
    { ...backup, bandwidth: { value: 1, unit: 'TBPS' } },
    'spec.bandwidth.unit: Unsupported value: "TBPS": supported values: "BPS", "KBPS", "MBPS", "GBPS"',
  ],
  [
    'zero bandwidth',
    'CassandraBackup',
    { ...backup, bandwidth: { value: 0, unit: 'MBPS' } },
    'spec.bandwidth.value: Invalid value: 0: spec.bandwidth.value in body should be greater than or equal to 1',
  ],
  [
    'bandwidth without unit',
    'CassandraBackup',
    { ...backup, bandwidth: { value: 5 } },
    'spec.bandwidth.unit: Required value',
  ],
  [
    'zero connections',
    'CassandraBackup',
    { ...backup, concurrentConnections: 0 },
    'spec.concurrentConnections in body should be greater than or equal to 1',
  ],
  [
    'connections as text',
    'CassandraBackup',
    { ...backup, concurrentConnections: 'ten' },
    'spec.concurrentConnections in body must be of type integer',
  ],
  [
    'zero timeout',
    'CassandraBackup',
    { ...backup, timeout: 0 },
    'spec.timeout in body should be greater than or equal to 1',
  ],
  [
    'negative timeout',
    'CassandraBackup',
    { ...backup, timeout: -3 },
    'spec.timeout in body should be greater than or equal to 1',
  ],
  [
    'metadata directive',
    'CassandraBackup',
    { ...backup, metadataDirective: 'MOVE' },
    'spec.metadataDirective: Unsupported value: "MOVE"',
  ],
  [
    'deletion policy',
    'CassandraBackup',
    { ...backup, deletionPolicy: 'Orphan' },
    'spec.deletionPolicy: Unsupported value: "Orphan": supported values: "Retain", "Delete"',
  ],
  [
    'deletion policy in lower case',
    'CassandraBackup',
    { ...backup, deletionPolicy: 'delete' },
    'spec.deletionPolicy: Unsupported value: "delete"',
  ],
  [
    'retry strategy',
    'CassandraBackup',
    { ...backup, retry: { strategy: 'RANDOM' } },
    'spec.retry.strategy: Unsupported value: "RANDOM"',
  ],
  [
    'zero retry attempts',
    'CassandraBackup',
    { ...backup, retry: { maxAttempts: 0 } },
    'spec.retry.maxAttempts in body should be greater than or equal to 1',
  ],
  [
    'backup of two DCs',
    'CassandraBackup',
    { ...backup, dc: 'dc1,dc2' },
    'dc names one datacenter (a backup takes one',
  ],
  [
    'secret name with capitals',
    'CassandraBackup',
    { ...backup, secretName: 'My_Secret' },
    'secretName must be a Kubernetes object name',
  ],
  [
    'empty secret name',
    'CassandraBackup',
    { ...backup, secretName: '' },
    'secretName must be a Kubernetes object name',
  ],
  [
    'cluster name with a space',
    'CassandraBackup',
    { ...backup, cassandraCluster: 'my cluster' },
    'cassandraCluster must be a label value',
  ],
  [
    'cluster name too long',
    'CassandraBackup',
    { ...backup, cassandraCluster: 'c'.repeat(64) },
    'spec.cassandraCluster: Too long: may not be more than 63',
  ],
  [
    'tag with a slash',
    'CassandraBackup',
    { ...backup, snapshotTag: 'a/b' },
    'snapshotTag may hold letters, digits',
  ],
  [
    'unicode tag',
    'CassandraBackup',
    { ...backup, snapshotTag: 'sauvegarde-été' },
    'snapshotTag may hold letters, digits',
  ],
  [
    'restore without any source',
    'CassandraRestore',
    { cassandraCluster: 'c1' },
    'set spec.cassandraBackup, or all three of spec.storageLocation, spec.snapshotTag and spec.secretName',
  ],
  [
    'restore by location without secret',
    'CassandraRestore',
    without(manual, 'secretName'),
    'set spec.cassandraBackup, or all three',
  ],
  [
    'restore by location without tag',
    'CassandraRestore',
    without(manual, 'snapshotTag'),
    'set spec.cassandraBackup, or all three',
  ],
  [
    'restore without cassandraCluster',
    'CassandraRestore',
    without(restore, 'cassandraCluster'),
    'spec.cassandraCluster: Required value',
  ],
  [
    'rename to a bare table',
    'CassandraRestore',
    { ...restore, rename: { 'ks.t1': 't2' } },
    "rename maps 'keyspace.table' to 'keyspace.table'",
  ],
  [
    'rename from a bare table',
    'CassandraRestore',
    { ...restore, rename: { t1: 'ks.t2' } },
    "rename maps 'keyspace.table' to 'keyspace.table'",
  ],
  [
    'schemaVersion not a UUID',
    'CassandraRestore',
    { ...restore, schemaVersion: 'v42' },
    'schemaVersion must be a UUID',
  ],
  [
    'IN_PLACE strategy',
    'CassandraRestore',
    { ...restore, restorationStrategyType: 'IN_PLACE' },
    'spec.restorationStrategyType: Unsupported value: "IN_PLACE"',
  ],
  [
    'empty dc in a list',
    'CassandraRestore',
    { ...restore, dc: 'dc1,,dc2' },
    'dc is a comma-separated list of datacenter names',
  ],
  [
    'backup reference with capitals',
    'CassandraRestore',
    { ...restore, cassandraBackup: 'Nightly_Backup' },
    'cassandraBackup must be a Kubernetes object name',
  ],
  [
    'restore from an unknown protocol',
    'CassandraRestore',
    { ...manual, storageLocation: 'nfs://server/x' },
    'storageLocation must start with one of',
  ],
  [
    'restore whose names and lists are all wrong',
    'CassandraRestore',
    {
      cassandraCluster: 'my ring',
      storageLocation: 's3://my bucket',
      snapshotTag: 'a/b',
      secretName: 'My_Secret',
      entities: 'ks1;ks2',
    },
    'cassandraCluster must be a label value',
  ],
  [
    'import option as text',
    'CassandraRestore',
    { ...restore, import: { quick: 'yes' } },
    'spec.import.quick in body must be of type boolean',
  ],
  [
    'schedule without a time',
    'CassandraBackupSchedule',
    { ...schedule, schedules: [] },
    'spec.schedules: Invalid value: 0: spec.schedules in body should have at least 1 items',
  ],
  [
    'schedule with a cron of 3 fields',
    'CassandraBackupSchedule',
    { ...schedule, schedules: ['0 2 *'] },
    'a schedule is a cron expression of 5 fields',
  ],
  [
    'schedule with a time zone that is a sentence',
    'CassandraBackupSchedule',
    { ...schedule, timeZone: 'Paris time' },
    'timeZone must be an IANA time zone name',
  ],
  [
    'schedule with an unknown concurrency policy',
    'CassandraBackupSchedule',
    { ...schedule, concurrencyPolicy: 'Skip' },
    'spec.concurrencyPolicy: Unsupported value: "Skip"',
  ],
  [
    'schedule with a catch-up window in weeks',
    'CassandraBackupSchedule',
    { ...schedule, catchupWindow: '2w' },
    'catchupWindow must be whole days, hours, minutes and seconds',
  ],
  [
    'schedule with a catch-up window of zero',
    'CassandraBackupSchedule',
    { ...schedule, catchupWindow: '0s' },
    'catchupWindow must be at least 10s',
  ],
  [
    'schedule whose template misses the secret',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: without(backup, 'secretName') } },
    'spec.backupTemplate.spec.secretName: Required value',
  ],
  [
    'schedule whose template has a bad location',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: { ...backup, storageLocation: 'bucket' } } },
    'storageLocation must start with one of',
  ],
  [
    'schedule template location with two folders after the bucket',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: { ...backup, storageLocation: 's3://bucket/backup/location' } } },
    'never one or two folders after the bucket',
  ],
  [
    'schedule whose template has every name and list wrong',
    'CassandraBackupSchedule',
    {
      ...schedule,
      backupTemplate: {
        spec: {
          cassandraCluster: 'a b',
          storageLocation: 's3://a b',
          secretName: 'X',
          snapshotTag: 'a/b',
          duration: '2 weeks',
          dc: 'a,b',
          entities: 'a;b',
        },
      },
    },
    'spec.backupTemplate.spec.cassandraCluster',
  ],
  [
    'schedule whose template has an unknown deletion policy',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: { ...backup, deletionPolicy: 'Purge' } } },
    'spec.backupTemplate.spec.deletionPolicy: Unsupported value: "Purge"',
  ],
  [
    'retention that keeps everything',
    'CassandraBackupSchedule',
    { ...schedule, retention: { dry: true } },
    'retention needs keepLast, maxAge or both',
  ],
  [
    'retention keeping zero backups',
    'CassandraBackupSchedule',
    { ...schedule, retention: { keepLast: 0 } },
    'spec.retention.keepLast: Invalid value: 0',
  ],
  [
    'retention of an age in weeks',
    'CassandraBackupSchedule',
    { ...schedule, retention: { maxAge: '2w' } },
    'maxAge must be whole days, hours, minutes and seconds',
  ],
  [
    'retention of age zero',
    'CassandraBackupSchedule',
    { ...schedule, retention: { maxAge: '0d' } },
    'maxAge must be at least 1s',
  ],
];

describe('rejected manifests', () => {
  test(`a table of ${invalid.length} invalid manifests is rejected with messages a user understands`, async () => {
    assert.ok(invalid.length >= 25);
    const problems: string[] = [];
    for (const [what, kind, spec, fragment] of invalid) {
      const obj = manifest(kind, spec);
      const refused = await refusal(create(obj, true)).catch((err: unknown) => ({
        message: `ACCEPTED (${String(err)})`,
        causes: [],
      }));
      if (!refused.message.includes(fragment))
        problems.push(`${what}: expected "${fragment}" in:\n    ${refused.message}`);
      const differs = disagreement(kind, refused, obj);
      if (differs) problems.push(`${what}: ${differs}`);
    }
    assert.deepEqual(problems, []);
  });

  test('a schedule name leaves room for the run time its backups add', async () => {
    const message = await refusedCreate(manifest('CassandraBackupSchedule', schedule, `s${'x'.repeat(47)}`));
    assert.match(message, /at most 47 characters/);
    await create(manifest('CassandraBackupSchedule', schedule, `s${'x'.repeat(46)}`), true);
  });

  test('status is validated too: progress stays within 0..100', async () => {
    const created = await create(manifest('CassandraBackup', backup));
    const message = await rejection(patchStatus(created, { progress: 101 }));
    assert.match(message, /status\.progress: Invalid value: 101: .*less than or equal to 100/);
  });
});

/** Merge-patches the spec (main resource) or the status (/status subresource). */
async function patch(
  obj: Obj,
  body: { spec: Record<string, unknown> } | { status: Record<string, unknown> },
): Promise<Obj> {
  const args = {
    group,
    version,
    namespace,
    plural: plural(obj.kind ?? ''),
    name: obj.metadata?.name ?? '',
    body,
  };
  const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return (
    'status' in body
      ? custom.patchNamespacedCustomObjectStatus(args, options)
      : custom.patchNamespacedCustomObject(args, options)
  ) as Promise<Obj>;
}
const patchSpec = (obj: Obj, spec: Record<string, unknown>) => patch(obj, { spec });
const patchStatus = (obj: Obj, status: Record<string, unknown>) => patch(obj, { status });

/**
 * The message of a refused spec patch of `current` (the object as the API server has it), after
 * checking that the generated CEL checks refuse the update alike.
 */
async function refusedUpdate(current: Obj, spec: Record<string, unknown>): Promise<string> {
  const refused = await refusal(patchSpec(current, spec));
  const updated = mergePatch(current, { spec });
  assert.equal(
    disagreement(current.kind as RuleKind, refused, updated, current),
    '',
    'the generated CEL checks disagree',
  );
  return refused.message;
}

/** A status's conditions holding one condition, as the operator writes it. */
const withCondition = (type: string, status: 'True' | 'Unknown', reason: string) => ({
  conditions: [{ type, status, reason, message: 'm', lastTransitionTime: new Date().toISOString() }],
});
const succeeded = (status: 'True' | 'Unknown') =>
  withCondition('Succeeded', status, status === 'True' ? 'BackupCompleted' : 'Running');

describe('immutability', () => {
  test("a backup's cluster and tag never change", async () => {
    const created = await create(manifest('CassandraBackup', { ...backup, snapshotTag: 'first' }));
    assert.match(
      await refusedUpdate(created, { cassandraCluster: 'other' }),
      /cassandraCluster cannot change/,
    );
    assert.match(
      await refusedUpdate(created, { snapshotTag: 'second' }),
      /snapshotTag cannot be set, changed or removed after creation/,
    );
    assert.match(
      await refusedUpdate(created, { snapshotTag: null }),
      /snapshotTag cannot be set, changed or removed after creation/,
    );
  });

  test('a failed or running backup can be fixed; a succeeded one is frozen', async () => {
    const created = await create(manifest('CassandraBackup', backup));
    await patchStatus(created, succeeded('Unknown'));
    const fixed = await patchSpec(created, {
      storageLocation: 's3://other-bucket',
      secretName: 'other-creds',
    });
    assert.equal(fixed.spec?.storageLocation, 's3://other-bucket');
    const done = await patchStatus(created, succeeded('True'));
    assert.match(
      await refusedUpdate(done, { concurrentConnections: 3 }),
      /the spec of a backup that succeeded cannot change \(only its deletionPolicy can\)/,
    );
    // Its deletionPolicy alone may change, both ways (how a backup held in deletion is let go).
    const deleting = await patchSpec(done, { deletionPolicy: 'Delete' });
    assert.equal(deleting.spec?.deletionPolicy, 'Delete');
    const kept = await patchSpec(deleting, { deletionPolicy: 'Retain' });
    assert.equal(kept.spec?.deletionPolicy, 'Retain');
    assert.match(
      await refusedUpdate(kept, { deletionPolicy: 'Delete', timeout: 9 }),
      /the spec of a backup that succeeded cannot change/,
      'not with another field',
    );
    assert.match(
      await refusedUpdate(kept, { dc: 'dc1' }),
      /the spec of a backup that succeeded cannot change/,
      'a field set that was unset is a change',
    );
    const tagged = await create(manifest('CassandraBackup', { ...backup, dc: 'dc1' }));
    const tagDone = await patchStatus(tagged, succeeded('True'));
    assert.match(
      await refusedUpdate(tagDone, { dc: null }),
      /the spec of a backup that succeeded cannot change/,
      'a field unset that was set is a change',
    );
  });

  test('a backup is frozen while its state is RUNNING, deletionPolicy included', async () => {
    const created = await create(manifest('CassandraBackup', backup));
    const running = await patchStatus(created, { state: 'RUNNING' });
    assert.match(
      await refusedUpdate(running, { secretName: 'other-creds' }),
      /the spec of a running backup cannot change/,
    );
    assert.match(
      await refusedUpdate(running, { deletionPolicy: 'Delete' }),
      /the spec of a running backup cannot change, deletionPolicy included/,
    );
  });

  test('a restore may be pointed elsewhere until it starts; then what it restores is frozen', async () => {
    const created = await create(manifest('CassandraRestore', restore));
    const repointed = await patchSpec(created, { cassandraBackup: 'b2', dc: 'dc1' });
    assert.equal(repointed.spec?.cassandraBackup, 'b2');
    const started = await patchStatus(created, { startTime: new Date().toISOString() });
    const frozen =
      /once a restore has started, these fields cannot change: cassandraBackup, storageLocation, snapshotTag/;
    assert.match(await refusedUpdate(started, { cassandraBackup: 'b3' }), frozen);
    assert.match(await refusedUpdate(started, { dc: null }), frozen);
    assert.match(await refusedUpdate(started, { rename: { 'ks.a': 'ks.b' } }), frozen);
    assert.match(
      await refusedUpdate(started, { cassandraCluster: 'other' }),
      /cassandraCluster cannot change/,
    );
    // Operational settings stay adjustable.
    const adjusted = await patchSpec(created, {
      timeout: 9,
      concurrentConnections: 2,
      secretName: 'rotated',
    });
    assert.equal(adjusted.spec?.timeout, 9);
  });
});

describe('kubectl', () => {
  const kubectl = (...args: string[]) =>
    promisify(execFile)(process.env.KUBECTL ?? 'kubectl', [...args, '-n', namespace]).then((r) => r.stdout);

  test('kubectl get shows cluster, state, progress, success, its reason and age; short names and the category work', async () => {
    const name = uniqueName('columns');
    const created = await create(
      manifest('CassandraBackup', { ...backup, cassandraCluster: 'ring-one' }, name),
    );
    await patchStatus(created, {
      state: 'RUNNING',
      progress: 42,
      snapshotTag: 'x-1',
      ...succeeded('Unknown'),
    });
    const table = await kubectl('get', 'cassandrabackups', name);
    const [header, row] = table.trim().split('\n');
    assert.deepEqual(header?.split(/\s+/), [
      'NAME',
      'CLUSTER',
      'STATE',
      'PROGRESS',
      'SUCCEEDED',
      'REASON',
      'AGE',
    ]);
    assert.match(
      row ?? '',
      new RegExp(`^${name}\\s+ring-one\\s+RUNNING\\s+42\\s+Unknown\\s+Running\\s+\\d+s$`),
    );

    const wide = await kubectl('get', 'cbk', name, '-o', 'wide');
    assert.match(wide, /LOCATION\s+TAG/);
    assert.match(wide, /s3:\/\/bucket\s+x-1/);

    const restoreName = uniqueName('columns');
    const restored = await create(
      manifest('CassandraRestore', { ...restore, cassandraBackup: name }, restoreName),
    );
    // A restore by backup name shows the tag it resolved, and why it waits (no phase, no progress yet:
    // kubectl leaves those cells empty).
    await patchStatus(restored, {
      state: 'PENDING',
      snapshotTag: 'x-1',
      ...withCondition('Succeeded', 'Unknown', 'WaitingForBackup'),
    });
    const restoreTable = await kubectl('get', 'cassandrarestores', restoreName);
    const [restoreHeader, restoreRow] = restoreTable.trim().split('\n');
    assert.deepEqual(restoreHeader?.split(/\s+/), [
      'NAME',
      'CLUSTER',
      'BACKUP',
      'TAG',
      'PHASE',
      'STATE',
      'PROGRESS',
      'SUCCEEDED',
      'REASON',
      'AGE',
    ]);
    assert.match(
      restoreRow ?? '',
      new RegExp(
        `^${restoreName}\\s+c1\\s+${name}\\s+x-1\\s+PENDING\\s+Unknown\\s+WaitingForBackup\\s+\\d+s$`,
      ),
    );
    const both = await kubectl('get', 'cassandra');
    assert.match(both, new RegExp(`cassandrabackup.db.ibm.com/${name}\\s+ring-one`));
    assert.match(both, new RegExp(`cassandrarestore.db.ibm.com/${restoreName}\\s+c1\\s+${name}`));
  });

  test('kubectl explain describes deletionPolicy: its two values and what each does to the data', async () => {
    const text = (await kubectl('explain', 'cassandrabackup.spec.deletionPolicy')).replace(/\s+/g, ' ');
    assert.match(text, /FIELD: deletionPolicy <string>/);
    assert.match(text, /ENUM: Retain Delete/);
    assert.match(text, /Retain \(default\): the data stays/);
    assert.match(
      text,
      /Delete: the operator removes the backup from storage \(Icarus remove-backup\) before the resource goes/,
    );
    const template = await kubectl(
      'explain',
      'cassandrabackupschedule.spec.backupTemplate.spec.deletionPolicy',
    );
    assert.match(template, /FIELD: deletionPolicy <string>/);
  });

  test('a schedule gets its defaults, and kubectl get shows its times, result and readiness', async () => {
    const name = uniqueName('sched');
    const created = await create(manifest('CassandraBackupSchedule', schedule, name));
    assert.equal(created.spec?.timeZone, 'UTC');
    assert.equal(created.spec?.suspend, false);
    assert.equal(created.spec?.concurrencyPolicy, 'Forbid');
    assert.equal(created.spec?.catchupWindow, '1h');
    await patchStatus(created, {
      lastScheduleTime: new Date(Date.now() - 60_000).toISOString(),
      nextScheduleTime: new Date(Date.now() + 3600_000).toISOString(),
      lastResult: 'Succeeded',
      ...withCondition('Ready', 'True', 'Scheduled'),
    });
    const table = await kubectl('get', 'cbs', name);
    const [header, row] = table.trim().split('\n');
    assert.match(
      header ?? '',
      /^NAME\s+CLUSTER\s+SCHEDULE\s+SUSPEND\s+LAST RUN\s+NEXT RUN\s+LAST RESULT\s+READY\s+REASON\s+AGE$/,
    );
    assert.match(
      row ?? '',
      new RegExp(
        `^${name}\\s+c1\\s+\\["0 2 \\* \\* \\*"\\]\\s+false\\s+\\d+s\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+Succeeded\\s+True\\s+Scheduled\\s+\\d+s$`,
      ),
    );
    const both = await kubectl('get', 'cassandra');
    assert.match(both, new RegExp(`cassandrabackupschedule.db.ibm.com/${name}\\s+c1`));
  });
});

test('every CEL rule of the CRDs was compared above: its generated check refused what the API server refused', () => {
  assert.deepEqual(rulesNeverCompared(), []);
});
