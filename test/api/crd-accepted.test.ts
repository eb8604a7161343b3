// The CassandraBackup / CassandraRestore API on the real kube-apiserver, what it accepts: every example,
// the IBM operator's manifests (but for the backup's location, which Icarus never parsed: that refusal
// also runs through the operator's own checks of the CEL rules), the storage locations Icarus parses, a
// manifest using every IBM field, kept as written, and the documented defaults filled in.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { backup, loadFile, startCrdApi, type CrdApi } from '../support/crd-api.js';
import { uniqueName } from '../support/stack-env.js';

const repo = join(import.meta.dirname, '..', '..');

let namespace: string;
let manifest: CrdApi['manifest'];
let create: CrdApi['create'];
let createAny: CrdApi['createAny'];
let refusedCreate: CrdApi['refusedCreate'];

before(async () => {
  ({ namespace, manifest, create, createAny, refusedCreate } = await startCrdApi());
});

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
      mode: 'Restore',
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
