// The CRD's field rules the operator applies itself to specs the API server did not check (an older CRD),
// through the predicates `npm run gen:api` generates from the CEL rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cassandraBackup, cassandraRestore } from '../../../src/kube/api/definitions.js';
import { specFieldRules, specRuleProblems } from '../../../src/kube/api/spec-rules.js';

test('every rule on a spec field is applied but those on oldSelf and those planning reports itself', () => {
  for (const [kind, def] of [
    ['CassandraBackup', cassandraBackup],
    ['CassandraRestore', cassandraRestore],
  ] as const) {
    const expected = Object.entries(def.spec.properties ?? {})
      .filter(([field]) => field !== 'storageLocation' && field !== 'duration')
      .flatMap(([field, schema]) =>
        (schema['x-kubernetes-validations'] ?? [])
          .filter((r) => !r.rule.includes('oldSelf'))
          .map((r) => `spec.${field}: ${r.rule}`),
      );
    assert.ok(expected.length >= 5, `${kind} has field rules`);
    assert.deepEqual(
      specFieldRules[kind].map((r) => `${r.path.join('.')}: ${r.rule}`),
      expected,
      kind,
    );
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

test('patterns are read as the API server reads them (RE2), not as JavaScript would', () => {
  // RE2's \s is ASCII: a no-break space is no space to the API server, which accepts this dc.
  assert.deepEqual(specRuleProblems('CassandraBackup', { cassandraCluster: 'ring', dc: 'dc\u00a01' }), []);
  assert.deepEqual(specRuleProblems('CassandraBackup', { cassandraCluster: 'ring', dc: 'dc 1' }), [
    'spec.dc: dc names one datacenter (a backup takes one; list several only in a CassandraRestore)',
  ]);
});
