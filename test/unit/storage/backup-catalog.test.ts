// What a storage location holds, read from storage alone (src/storage/backup-catalog.ts): on the bucket a
// real Icarus global backup left (test/fixtures/icarus-global-backup), through the file store, and on
// made-up layouts for what that bucket does not show (an unfinished node, a backup without topology,
// names and manifests that are not Icarus's).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseBackupName, readCatalog } from '../../../src/storage/backup-catalog.js';
import { fileStore } from '../../../src/storage/file-store.js';
import { memoryStore } from '../../support/memory-store.js';

const BUCKET = fileURLToPath(new URL('../../fixtures/icarus-global-backup/bucket', import.meta.url));
const SCHEMA = '6a1b2c3d-4e5f-3a6b-8c7d-9e0f1a2b3c4d';

test('names are split from the right: a tag may hold dashes', () => {
  assert.deepEqual(parseBackupName(`nightly-2026-12-05-${SCHEMA}-1795560000000.json`), {
    name: `nightly-2026-12-05-${SCHEMA}-1795560000000`,
    tag: 'nightly-2026-12-05',
    schemaVersion: SCHEMA,
    millis: 1795560000000,
  });
  assert.equal(parseBackupName('nightly-1795560000000.json'), undefined);
  assert.equal(parseBackupName(`nightly-${SCHEMA}-1795560000000.txt`), undefined);
});

test('the two backups of a real Icarus global backup bucket, newest first, complete, with their sizes', async () => {
  const catalog = await readCatalog(fileStore(), BUCKET.slice(1));
  assert.deepEqual(catalog.unreadable, []);
  assert.deepEqual(
    catalog.backups.map((b) => [
      b.name,
      b.tag,
      b.cluster,
      b.datacenters,
      b.nodes.length,
      b.expectedNodes,
      b.complete,
    ]),
    [
      [`nightly-${SCHEMA}-1795560000000`, 'nightly', 'fixture', ['dc1'], 3, 3, true],
      [`nightly-${SCHEMA}-1795500000000`, 'nightly', 'fixture', ['dc1'], 3, 3, true],
    ],
  );
  const newest = catalog.backups[0];
  assert.equal(newest?.time, new Date(1795560000000).toISOString());
  // Each manifest lists nb-<gen>-big-Data.db and -TOC.txt: the sizes are those the manifests hold.
  for (const node of newest?.nodes ?? []) {
    assert.ok(node.files >= 2, `${node.hostId}: ${node.files} files`);
    assert.ok(node.bytes > 0);
    assert.match(node.manifest, new RegExp(`fixture/dc1/${node.hostId}/manifests/nightly-`));
  }
  const one = await readCatalog(fileStore(), BUCKET.slice(1), { tag: `nightly-${SCHEMA}-179550` });
  assert.deepEqual(
    one.backups.map((b) => [b.name, b.complete]),
    [[`nightly-${SCHEMA}-1795500000000`, true]],
    'a tag (here a full name’s start) reads only its manifests and topology file',
  );
  assert.deepEqual(
    (await readCatalog(fileStore(), BUCKET.slice(1), { cluster: 'another' })).backups,
    [],
    'a cluster filter that matches no folder lists nothing',
  );
});

const manifest = (files: { size: number }[], ks = 'shop') =>
  JSON.stringify({
    snapshot: {
      keyspaces: {
        [ks]: {
          tables: {
            t: {
              sstables: {
                'nb-1-big': files.map((f, i) => ({ objectKey: `data/${ks}/t-1/1-2/f${i}`, ...f })),
              },
            },
          },
        },
        system_schema: {
          tables: { tables: { sstables: { x: [{ objectKey: 'data/system_schema/x', size: 999 }] } } },
        },
      },
    },
  });
const topology = (nodes: string[]) =>
  JSON.stringify({ topology: nodes.map((h) => ({ cluster: 'prod cluster', dc: 'dc1', nodeId: h })) });

test('an unfinished node, a backup without topology, system keyspaces left out, foreign objects reported', async () => {
  const a = `a-${SCHEMA}-100`;
  const b = `b-${SCHEMA}-200`;
  const store = memoryStore(
    new Map([
      [`p/prod-cluster/dc1/h1/manifests/${a}.json`, manifest([{ size: 10 }, { size: 5 }])],
      [`p/prod-cluster/dc1/h1/data/shop/t-1/1-2/f0`, 'x'],
      [`p/prod-cluster/dc1/h2/manifests/${b}.json`, manifest([{ size: 7 }])],
      [`p/prod-cluster/dc1/h2/manifests/notes.json`, '{}'],
      [`p/prod-cluster/dc1/h2/manifests/${a}.json`, 'not json'],
      [`p/topology/${a}.json`, topology(['h1', 'h2'])],
    ]),
  );
  const catalog = await readCatalog(store, 'p/');
  assert.deepEqual(
    catalog.backups.map((x) => ({
      name: x.name,
      nodes: x.nodes.map((n) => [n.hostId, n.files, n.bytes]),
      expected: x.expectedNodes,
      complete: x.complete,
    })),
    [
      { name: b, nodes: [['h2', 1, 7]], expected: undefined, complete: undefined },
      { name: a, nodes: [['h1', 2, 15]], expected: 2, complete: false },
    ],
  );
  const noTopology = await readCatalog(
    memoryStore(new Map([[`p/c/dc1/h1/manifests/${a}.json`, manifest([{ size: 1 }])]])),
    'p',
  );
  assert.deepEqual(
    noTopology.backups.map((x) => [x.name, x.complete]),
    [[a, undefined]],
    'a location without a topology folder (esop’s own CLI backups) is read all the same',
  );
  assert.equal(catalog.unreadable.length, 2);
  assert.match(catalog.unreadable[0] ?? '', /h2\/manifests\/a-.*is not JSON/);
  assert.match(
    catalog.unreadable[1] ?? '',
    /notes\.json: not named <tag>-<schemaVersion>-<epochMillis>\.json/,
  );
});
