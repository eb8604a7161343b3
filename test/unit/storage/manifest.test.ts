// Reading esop's manifests: the tables they hold, which manifest a tag names, what a restore's node
// folders hold, and how many files and bytes a restore (a verify) of each downloads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  entitiesSelector,
  latestManifest,
  manifestSummary,
  manifestTables,
  ManifestFormatError,
} from '../../../src/storage/manifest.js';
import { parseLocation } from '../../../src/storage/location.js';
import { readBackupTables } from '../../../src/storage/backup-tables.js';
import { memoryStore } from '../../support/memory-store.js';

const manifest = (keyspaces: Record<string, string[]>) =>
  JSON.stringify({
    snapshot: {
      name: 'tag',
      keyspaces: Object.fromEntries(
        Object.entries(keyspaces).map(([ks, tables]) => [
          ks,
          { tables: Object.fromEntries(tables.map((t) => [t, { id: 'x', sstables: {} }])) },
        ]),
      ),
    },
    tokens: ['1'],
  });

test('the tables of a manifest, without the system keyspaces esop never restores', () => {
  const json = manifest({
    shop: ['orders', 'carts'],
    system: ['local'],
    system_schema: ['tables'],
    system_auth: ['roles'],
    system_distributed: ['x'],
    system_traces: ['y'],
    app: ['events'],
  });
  assert.deepEqual(manifestTables(json, 'm.json'), ['app.events', 'shop.carts', 'shop.orders']);
});

test('a manifest that is not esop’s is a clear error naming the object', () => {
  assert.throws(
    () => manifestTables('{', 'a.json'),
    (e) => e instanceof ManifestFormatError && /a\.json is not JSON/.test(e.message),
  );
  assert.throws(() => manifestTables('{"snapshot":{}}', 'b.json'), /b\.json is not an esop manifest/);
});

test('the manifest a tag names: the newest whose name starts with it, as esop picks', () => {
  const keys = [
    'c/dc1/h/manifests/daily-s1-1000.json',
    'c/dc1/h/manifests/daily-s2-3000.json',
    'c/dc1/h/manifests/daily-s1-2000.json',
    'c/dc1/h/manifests/weekly-s1-9000.json',
    'c/dc1/h/data/ks/t-1/1-2/nb-1-big-Data.db',
  ];
  assert.equal(latestManifest(keys, 'daily'), 'c/dc1/h/manifests/daily-s2-3000.json');
  assert.equal(latestManifest(keys, 'daily-s1-1000'), 'c/dc1/h/manifests/daily-s1-1000.json');
  assert.equal(latestManifest(keys, 'monthly'), undefined);
});

test('locations split into provider, bucket and key prefix', () => {
  assert.deepEqual(parseLocation('s3://bkt/c/dc1/h'), { protocol: 's3', bucket: 'bkt', prefix: 'c/dc1/h' });
  assert.deepEqual(parseLocation('azure://ctr/'), { protocol: 'azure', bucket: 'ctr', prefix: '' });
  assert.deepEqual(parseLocation('file:///var/backups/b/c/dc1/h'), {
    protocol: 'file',
    bucket: '/',
    prefix: 'var/backups/b/c/dc1/h',
  });
  assert.throws(() => parseLocation('nfs://x'), /not protocol:\/\/bucket/);
});

test('the backup tables of the restored nodes’ folders, and the other backups’ manifests when the tag has none', async () => {
  const objects = new Map([
    ['c/dc1/h1/manifests/nightly-s1-100.json', manifest({ shop: ['orders'] })],
    ['c/dc1/h1/manifests/weekly-s1-200.json', manifest({ shop: ['orders', 'carts'] })],
    ['c/dc1/h2/manifests/weekly-s1-300.json', manifest({ shop: ['orders'] })],
    ['c/dc1/h2/data/shop/orders/x.db', 'sstable'],
  ]);
  const store = memoryStore(objects);
  const weekly = await readBackupTables(store, ['c/dc1/h1', 'c/dc1/h2'], 'weekly');
  assert.deepEqual(weekly, {
    tables: ['shop.carts', 'shop.orders'],
    manifests: ['c/dc1/h1/manifests/weekly-s1-200.json', 'c/dc1/h2/manifests/weekly-s1-300.json'],
    missing: [],
    others: [],
  });
  const monthly = await readBackupTables(store, ['c/dc1/h1', 'c/dc1/h2'], 'monthly');
  assert.deepEqual(monthly.manifests, []);
  assert.deepEqual(monthly.missing, ['c/dc1/h1', 'c/dc1/h2']);
  assert.deepEqual(monthly.others, ['nightly-s1-100.json', 'weekly-s1-200.json', 'weekly-s1-300.json']);
  const empty = await readBackupTables(store, ['c/dc2/h3'], 'weekly');
  assert.deepEqual(empty.others, [], 'an empty folder holds no other backup');
});

/** A manifest whose tables hold these entries' sizes, one SSTable each. */
const sized = (keyspaces: Record<string, Record<string, number[]>>) =>
  JSON.stringify({
    snapshot: {
      keyspaces: Object.fromEntries(
        Object.entries(keyspaces).map(([ks, tables]) => [
          ks,
          {
            tables: Object.fromEntries(
              Object.entries(tables).map(([t, sizes]) => [
                t,
                {
                  id: 'x',
                  sstables: {
                    'nb-1-big': sizes.map((size, i) => ({
                      objectKey: `data/${ks}/${t}-x/1-2/nb-1-big-${i}.db`,
                      type: 'FILE',
                      size,
                      hash: 'h',
                    })),
                  },
                },
              ]),
            ),
          },
        ]),
      ),
    },
    tokens: ['1'],
    size: 0,
  });

/** A manifest's files and bytes, of the tables `selected` keeps. */
const files = (json: string, selected?: (table: string) => boolean) => {
  const { files: count, bytes } = manifestSummary(json, 'm.json', selected);
  return { files: count, bytes };
};

test('the files and bytes a restore downloads: the entries of the selected tables, never a system keyspace', () => {
  const json = sized({
    shop: { orders: [59, 16], carts: [100] },
    app: { events: [1, 2, 3] },
    system_schema: { tables: [5000] },
  });
  assert.deepEqual(files(json), { files: 6, bytes: 181 });
  assert.deepEqual(files(json, entitiesSelector('shop')), { files: 3, bytes: 175 });
  assert.deepEqual(files(json, entitiesSelector('shop.orders, app.events')), {
    files: 5,
    bytes: 81,
  });
  assert.deepEqual(files(json, entitiesSelector('system_schema')), { files: 0, bytes: 0 });
  assert.throws(
    () =>
      manifestSummary(
        JSON.stringify({ snapshot: { keyspaces: { shop: { tables: { t: { sstables: { a: [{}] } } } } } } }),
        'n.json',
      ),
    (e) => e instanceof ManifestFormatError && /n\.json is not an esop manifest/.test(e.message),
  );
});

test('with a selection, the files of each node folder that holds a manifest of the tag', async () => {
  const objects = new Map([
    ['c/dc1/h1/manifests/weekly-s1-200.json', sized({ shop: { orders: [10, 20] } })],
    ['c/dc1/h2/manifests/weekly-s1-300.json', sized({ shop: { orders: [5] }, app: { events: [7] } })],
  ]);
  const store = memoryStore(objects);
  const read = await readBackupTables(
    store,
    ['c/dc1/h1', 'c/dc1/h2', 'c/dc1/h3'],
    'weekly',
    entitiesSelector(''),
  );
  assert.deepEqual(read.files, {
    'c/dc1/h1': { files: 2, bytes: 30 },
    'c/dc1/h2': { files: 2, bytes: 12 },
  });
  assert.deepEqual(read.missing, ['c/dc1/h3']);
  const unasked = await readBackupTables(store, ['c/dc1/h1'], 'weekly');
  assert.equal(unasked.files, undefined, 'counted only when asked');
});
