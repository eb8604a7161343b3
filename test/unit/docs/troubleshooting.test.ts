// docs/troubleshooting.md has an entry for every reason the code can put on a condition or an Event.
// The reasons are the list in src/contract/reasons.ts; the sources are searched too (reason literals,
// PlanError reasons, failure types, the restore phase maps), so a reason used in the code but missing
// from that list fails here as well, and a new reason without its entry cannot slip through.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { reasons as listed } from '../../../src/contract/reasons.js';
import { searchAttributeNames } from '../../../src/contract/search-attributes.js';
import { repoRoot } from '../../../dev/stack/repo.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory()) return f === 'api' ? [] : sources(path);
    return f.endsWith('.ts') ? [path] : [];
  });
}

const PATTERNS = [
  /reason: '([A-Z][A-Za-z]+)'/g,
  /reason: \w+ \? '([A-Z][A-Za-z]+)' : '([A-Z][A-Za-z]+)'/g,
  /new PlanError\(\s*'([A-Z][A-Za-z]+)'/g,
  /type: '([A-Z][a-z]+(?:[A-Z][a-z]+)+)'/g,
  /failedFrom\(err, '([A-Z][A-Za-z]+)'\)/g,
  /^ {2}[A-Za-z]+: '([A-Z][a-z]+(?:[A-Z][a-z]+)*)',$/gm, // the phase maps and failure-type tables
  /'(?:Unknown|False|True)',\s*'([A-Z][A-Za-z]+)'/g, // setStatus(fields, status, reason, ...)
  /export const [A-Z_]+ = '([A-Z][a-z]+(?:[A-Z][a-z]+)+)';/g,
  /\.refuse\(\s*\w+,\s*'([A-Z][A-Za-z]+)'/g, // a schedule refused
];
/**
 * Literals the patterns above catch that are not reasons: kinds, event types, search attributes and
 * condition types.
 */
const NOT_REASONS = new Set<string>([
  'Normal',
  'Warning',
  'DataRemoved',
  'CassandraBackup',
  'CassandraRestore',
  'CassandraBackupSchedule',
  ...Object.values(searchAttributeNames),
]);

/** Reason-like literals in the sources, by the patterns above. */
function reasonsInCode(): Set<string> {
  const found = new Set<string>();
  for (const file of ['workflows', 'activities', 'src'].flatMap((d) => sources(join(repoRoot, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of PATTERNS)
      for (const m of text.matchAll(pattern))
        for (const r of m.slice(1)) if (r && !NOT_REASONS.has(r)) found.add(r);
  }
  return found;
}

test('every reason the code uses is in src/contract/reasons.ts', () => {
  const found = reasonsInCode();
  assert.ok(found.size > 50, `found ${found.size} reasons: the patterns still match the code`);
  for (const known of [
    'SecretMissingKeys',
    'NodeFailed',
    'Downloading',
    'TruncateOutcomeUnknown',
    'InvalidSchedule',
  ])
    assert.ok(found.has(known), known);
  if (process.env.SHOW_REASONS) console.log([...found].sort().join(' '));
  const known = new Set<string>(listed);
  assert.deepEqual(
    [...found].filter((r) => !known.has(r)).sort(),
    [],
    'reasons used in the code but not listed in src/contract/reasons.ts',
  );
});

test('every reason in src/contract/reasons.ts has an entry in docs/troubleshooting.md', () => {
  assert.equal(new Set(listed).size, listed.length, 'a reason is listed twice');
  const doc = readFileSync(join(repoRoot, 'docs', 'troubleshooting.md'), 'utf8');
  const missing = listed.filter(
    (r) => !doc.includes(`\`${r}\``) && !new RegExp(`^### .*\\b${r}\\b`, 'm').test(doc),
  );
  assert.deepEqual(missing, []);
});
