// docs/troubleshooting.md has an entry for every reason the code can put on a condition or an Event:
// the reasons are read from the sources (reason literals, PlanError reasons, failure types, the restore
// phase maps), so a new reason without its entry fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../src/dev/stack/repo.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory())
      return path.includes(join('src', 'dev')) || f === 'api' ? [] : sources(path);
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
/** Literals the patterns above catch that are not reasons: kinds and event types. */
const NOT_REASONS = new Set([
  'Normal',
  'Warning',
  'CassandraBackup',
  'CassandraRestore',
  'CassandraBackupSchedule',
]);

test('every condition and Event reason in the code has an entry in docs/troubleshooting.md', () => {
  const reasons = new Set<string>();
  for (const file of ['workflows', 'activities', 'src'].flatMap((d) => sources(join(repoRoot, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of PATTERNS)
      for (const m of text.matchAll(pattern))
        for (const r of m.slice(1)) if (r && !NOT_REASONS.has(r)) reasons.add(r);
  }
  assert.ok(reasons.size > 50, `found ${reasons.size} reasons: the patterns still match the code`);
  for (const known of [
    'SecretMissingKeys',
    'NodeFailed',
    'Downloading',
    'TruncateOutcomeUnknown',
    'InvalidSchedule',
  ])
    assert.ok(reasons.has(known), known);
  const doc = readFileSync(join(repoRoot, 'docs', 'troubleshooting.md'), 'utf8');
  if (process.env.SHOW_REASONS) console.log([...reasons].sort().join(' '));
  const missing = [...reasons].filter(
    (r) => !doc.includes(`\`${r}\``) && !new RegExp(`^### .*\\b${r}\\b`, 'm').test(doc),
  );
  assert.deepEqual(missing.sort(), []);
});
