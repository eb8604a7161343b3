// The generated zod model accepts what the CRD accepts (the examples, the IBM manifests) and fills
// the same defaults, so code that parses a resource read from an older CRD sees complete values.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { cassandraBackupSpecSchema, cassandraRestoreSpecSchema } from '../../../src/kube/api/resources.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const docs = (path: string) =>
  parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as { kind: string; spec?: unknown });

const manifests = [
  ...readdirSync(join(repo, 'k8s', 'examples')).map((f) => join(repo, 'k8s', 'examples', f)),
  join(repo, 'test', 'api', 'fixtures', 'ibm-docs-examples.yaml'),
  join(repo, 'test', 'api', 'fixtures', 'ibm-all-fields.yaml'),
].flatMap(docs);

test('every example and IBM manifest parses with the generated model', () => {
  const parsed = manifests.filter((m) => m.kind === 'CassandraBackup' || m.kind === 'CassandraRestore');
  assert.ok(parsed.length >= 9);
  for (const m of parsed) {
    const schema = m.kind === 'CassandraBackup' ? cassandraBackupSpecSchema : cassandraRestoreSpecSchema;
    const result = schema.safeParse(m.spec);
    assert.ok(result.success, `${m.kind}: ${result.error?.message}`);
  }
});

test('the model fills the CRD defaults', () => {
  const spec = cassandraBackupSpecSchema.parse({
    cassandraCluster: 'c',
    storageLocation: 's3://b',
    secretName: 's',
    retry: {},
  });
  assert.equal(spec.concurrentConnections, 10);
  assert.equal(spec.timeout, 5);
  assert.equal(spec.metadataDirective, 'COPY');
  assert.deepEqual(spec.retry, { enabled: false, interval: 10, strategy: 'LINEAR', maxAttempts: 3 });
  const restore = cassandraRestoreSpecSchema.parse({ cassandraCluster: 'c', cassandraBackup: 'b' });
  assert.equal(restore.restorationStrategyType, 'HARDLINKS');
  assert.equal(restore.allowClusterWideTruncate, false);
  assert.equal(restore.mode, 'Restore');
});

test('the model rejects values of the wrong type or range', () => {
  const base = { cassandraCluster: 'c', storageLocation: 's3://b', secretName: 's' };
  assert.equal(cassandraBackupSpecSchema.safeParse({ ...base, timeout: 0 }).success, false);
  assert.equal(
    cassandraBackupSpecSchema.safeParse({ ...base, bandwidth: { value: 1, unit: 'TBPS' } }).success,
    false,
  );
  assert.equal(cassandraBackupSpecSchema.safeParse({ ...base, concurrentConnections: 'ten' }).success, false);
  assert.equal(
    cassandraBackupSpecSchema.safeParse({ storageLocation: 's3://b', secretName: 's' }).success,
    false,
  );
});
