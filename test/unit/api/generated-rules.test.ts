// The CEL rules of the CRDs as the operator holds them (src/kube/api/generated-rules.ts, written by
// `npm run gen:api`): every rule of the definitions has its predicate, and what the API server accepts,
// the predicates accept too. That each broken rule is refused with the API server's own message is
// proven against the real kube-apiserver in test/api/crd-refusals.test.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { violations } from '../../../src/kube/api/cel-runtime.js';
import { definitions } from '../../../src/kube/api/definitions.js';
import { celRules, type RuleKind } from '../../../src/kube/api/generated-rules.js';
import type { Schema } from '../../../src/kube/api/schema.js';

/** Every rule of a definition, found here on its own: `path` as the API server names a field. */
function rulesIn(schema: Schema, path: string): { path: string; rule: string; message?: string }[] {
  return [
    ...(schema['x-kubernetes-validations'] ?? []).map((r) => ({
      path,
      rule: r.rule,
      ...(r.message !== undefined ? { message: r.message } : {}),
    })),
    ...Object.entries(schema.properties ?? {}).flatMap(([k, s]) => rulesIn(s, `${path}.${k}`)),
    ...(schema.items ? rulesIn(schema.items, `${path}[*]`) : []),
    ...(schema.additionalProperties ? rulesIn(schema.additionalProperties, `${path}[*]`) : []),
  ];
}

test('every rule of src/kube/api/definitions.ts has a generated predicate, in the same place', () => {
  assert.deepEqual(Object.keys(celRules).sort(), definitions.map((d) => d.kind).sort());
  let count = 0;
  for (const def of definitions) {
    const expected = [
      ...def.rootRules.map((r) => ({ path: '', rule: r.rule, message: r.message })),
      ...rulesIn(def.spec, 'spec'),
      ...rulesIn(def.status, 'status'),
    ];
    const generated = celRules[def.kind as RuleKind];
    assert.deepEqual(
      generated.map((r) => ({
        path: r.path.join('.').replaceAll('.*', '[*]'),
        rule: r.rule,
        ...(r.message !== undefined ? { message: r.message } : {}),
      })),
      expected,
      def.kind,
    );
    for (const r of generated) {
      assert.equal(typeof r.holds, 'function');
      assert.equal(r.transition, r.rule.includes('oldSelf'), r.rule);
      assert.equal(typeof r.messageExpression === 'function', r.message === undefined, r.rule);
    }
    count += generated.length;
  }
  assert.ok(count >= 40, `only ${count} rules`);
});

const repo = join(import.meta.dirname, '..', '..', '..');
const manifests = [
  ...readdirSync(join(repo, 'k8s', 'examples')).map((f) => join(repo, 'k8s', 'examples', f)),
  join(repo, 'test', 'api', 'fixtures', 'ibm-docs-examples.yaml'),
  join(repo, 'test', 'api', 'fixtures', 'ibm-all-fields.yaml'),
].flatMap((path) => parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as { kind?: string }));

test('the examples and the IBM manifests, which the API server accepts, keep every generated rule; the IBM docs’ backup location that Icarus never parsed breaks one, as on the API server', () => {
  const checked = manifests.filter((m) => m.kind && m.kind in celRules);
  assert.ok(checked.length >= 10);
  for (const m of checked) {
    const found = violations(celRules[m.kind as RuleKind], m);
    const location = (m as { spec?: { storageLocation?: string } }).spec?.storageLocation;
    assert.deepEqual(
      found.map((v) => `${v.path}: ${v.message}`),
      location === 's3://bucket-name/backup/location'
        ? [
            'spec.storageLocation: storageLocation "s3://bucket-name/backup/location": Icarus takes protocol://bucket or protocol://bucket/cluster/dc/node, never one or two folders after the bucket; write protocol://bucket (each node then writes under bucket/cluster/dc/node)',
          ]
        : [],
      `${m.kind} ${JSON.stringify(m).slice(0, 200)}`,
    );
  }
});

test('a broken rule gets the message the definitions give it, quoting the value where they do', () => {
  const found = violations(celRules.CassandraBackup, {
    metadata: { name: 'b' },
    spec: { cassandraCluster: 'c', storageLocation: 'ftp://x', secretName: 'S', snapshotTag: 'a/b' },
  });
  assert.deepEqual(
    found.map((v) => `${v.path}: ${v.message}`),
    [
      'spec.storageLocation: storageLocation must start with one of s3://, gcp://, azure://, oracle://, minio://, ceph://, file://; got "ftp://x"',
      "spec.secretName: secretName must be a Kubernetes object name (lower case letters, digits, '-' and '.'); got \"S\"",
      "spec.snapshotTag: snapshotTag may hold letters, digits, '.', '_' and '-' and must start with a letter or digit; got \"a/b\"",
    ],
  );
});
