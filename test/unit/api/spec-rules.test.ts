// The CRD's field rules the operator applies itself to specs the API server did not check (an older CRD).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cassandraBackup, cassandraRestore } from '../../../src/kube/api/definitions.js';
import { specFieldRules, specRuleProblems } from '../../../src/kube/api/spec-rules.js';

test('every pattern rule on a spec field is applied, except the fields planning reports itself', () => {
  for (const [kind, def] of [
    ['CassandraBackup', cassandraBackup],
    ['CassandraRestore', cassandraRestore],
  ] as const) {
    const patternFields = Object.entries(def.spec.properties ?? {})
      .filter(([field]) => field !== 'storageLocation' && field !== 'duration')
      .filter(([, schema]) =>
        (schema['x-kubernetes-validations'] ?? []).some(
          (r) => r.rule.includes('.matches(') && !r.rule.includes('oldSelf'),
        ),
      )
      .map(([field]) => field)
      .sort();
    assert.ok(patternFields.length > 0, `${kind} has pattern rules`);
    assert.deepEqual([...new Set(specFieldRules[kind].map((r) => r.field))].sort(), patternFields, kind);
  }
});

test('a spec that keeps the rules has no problem; each broken rule is named with the CRD message', () => {
  assert.deepEqual(
    specRuleProblems('CassandraBackup', {
      cassandraCluster: 'ring-1',
      snapshotTag: 'nightly_2026.11',
      entities: 'shop.orders,crm.users',
    }),
    [],
  );
  const problems = specRuleProblems('CassandraBackup', {
    cassandraCluster: 'ring,evil=1',
    snapshotTag: 'été',
  });
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0] ?? '', /^spec\.cassandraCluster: .*label value/);
  assert.match(problems[1] ?? '', /^spec\.snapshotTag: /);
});

test('map rules check keys and values; absent and empty-allowed fields pass', () => {
  assert.deepEqual(
    specRuleProblems('CassandraRestore', { cassandraCluster: 'ring', rename: { 'a.b': 'a.c' } }),
    [],
  );
  const [problem] = specRuleProblems('CassandraRestore', {
    cassandraCluster: 'ring',
    rename: { 'a.b': 'nope' },
  });
  assert.match(problem ?? '', /^spec\.rename: /);
  assert.deepEqual(specRuleProblems('CassandraBackup', { cassandraCluster: 'ring', snapshotTag: '' }), []);
});
