// The examples in k8s/examples are what users copy: besides the API server accepting them
// (test/api/crd-accepted.test.ts), Icarus must be able to use what they ask for.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../dev/stack/repo.js';
import { nodeStorageLocation, toIcarusDuration } from '../../src/icarus/requests.js';

const dir = join(repoRoot, 'k8s', 'examples');

test('every example storageLocation and duration can be sent to Icarus', () => {
  let checked = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as { spec?: { storageLocation?: string; duration?: string } } | null;
      const spec = obj?.spec;
      if (spec?.storageLocation) {
        assert.doesNotThrow(
          () => nodeStorageLocation(spec.storageLocation ?? '', { cluster: 'c', dc: 'dc1', hostId: 'h' }),
          `${file}: ${spec.storageLocation}`,
        );
        checked += 1;
      }
      if (spec?.duration) assert.doesNotThrow(() => toIcarusDuration(spec.duration ?? ''), file);
    }
  }
  assert.ok(checked >= 5, `only ${checked} locations found`);
});
