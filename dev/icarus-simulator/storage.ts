// Buckets of the simulated cluster, as real folders, in esop's layout:
//   file://<dir>/<bucket>/...   is the folder <dir>/<bucket>; other protocols live under <storageRoot>/<protocol>/<bucket>
//   <bucket>/<cluster>/<dc>/<hostId>/manifests/<resolvedTag>.json
//   <bucket>/<cluster>/<dc>/<hostId>/data/<ks>/<table>-<tableId>/<generation>-<digest>/<sstable>-Data.db
//   <bucket>/topology/<resolvedTag>.json
// A simulated SSTable holds the table's rows as JSON; a real one (from a fixture of a real backup) is
// carried as opaque bytes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Row } from './cluster.js';

export interface ManifestEntry {
  objectKey: string;
  type: 'FILE';
  size: number;
  hash: string;
}

export interface Manifest {
  snapshot: {
    name: string;
    keyspaces: Record<
      string,
      { tables: Record<string, { id: string; sstables: Record<string, ManifestEntry[]> }> }
    >;
  };
  tokens: string[];
  schemaVersion?: string;
  size: number;
}

/** A node's backup before it is uploaded (BucketStore.nodeBackup). */
export interface NodeBackup {
  resolvedTag: string;
  manifest: Manifest;
  /** Data files by object key (relative to the node's folder). */
  files: Map<string, string>;
}

export interface NodePath {
  cluster: string;
  dc: string;
  hostId: string;
}

export class BucketStore {
  private generation = 1;

  constructor(private readonly root: string) {}

  /** The folder of the node's files for a location: its last three parts are the node's own. */
  nodeDir(location: string, node: NodePath): string {
    return join(this.bucketOf(location).dir, node.cluster, node.dc, node.hostId);
  }

  /**
   * The bucket a location names (`proto://bucket` or `proto://bucket/cluster/dc/node`; for file://, the
   * folder holding the node folders) and its folder.
   */
  bucketOf(location: string): { protocol: string; name: string; dir: string } {
    const raw = location.replace(/\/+$/, '');
    const m = /^([a-z0-9]+):\/\/(.+)$/.exec(raw);
    if (!m?.[1] || !m[2]) throw new Error(`storage location ${location} is not protocol://bucket[/path]`);
    const parts = m[2].split('/').filter(Boolean);
    const bucket = parts.length > 3 ? parts.slice(0, -3) : parts;
    const dir = m[1] === 'file' ? `/${bucket.join('/')}` : join(this.root, m[1], ...bucket);
    return { protocol: m[1], name: bucket.join('/'), dir };
  }

  /** Makes the location's bucket (a cloud bucket made beforehand, as a platform team would). */
  createBucket(location: string): void {
    mkdirSync(this.bucketOf(location).dir, { recursive: true });
  }

  /** Whether the location's bucket exists in the store. */
  bucketExists(location: string): boolean {
    return existsSync(this.bucketOf(location).dir);
  }

  /**
   * A location read as it is written, as esop reads it without resolveNodes: `<bucket>/<cluster>/<dc>/<node>`
   * (remove-backup). Undefined when the location has no three node parts.
   */
  literalNodeDir(location: string): string | undefined {
    const m = /^([a-z0-9]+):\/\/(.+)$/.exec(location.replace(/\/+$/, ''));
    if (!m?.[1] || !m[2]) return undefined;
    const parts = m[2].split('/').filter(Boolean);
    if (parts.length < 4) return undefined;
    return m[1] === 'file' ? `/${parts.join('/')}` : join(this.root, m[1], ...parts);
  }

  /** Every node folder of the cluster a node folder belongs to: `<bucket>/<cluster>/<dc>/<node>`. */
  clusterNodeDirs(nodeDir: string): string[] {
    const clusterDir = dirname(dirname(nodeDir));
    const dirsIn = (dir: string) =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => join(dir, e.name))
        : [];
    return dirsIn(clusterDir).flatMap(dirsIn);
  }

  /** Names of the node's backups (manifest file names without .json), oldest first. */
  backupNames(nodeDir: string): string[] {
    const dir = join(nodeDir, 'manifests');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort((a, b) => timestampOf(a) - timestampOf(b));
  }

  /**
   * esop's removal of one backup from a node folder: the files no other manifest of the node references,
   * then the manifest, then the folders left empty. Returns the object keys it removed (none when dry).
   */
  removeNodeBackup(nodeDir: string, name: string, dry: boolean): string[] {
    const manifestPath = join(nodeDir, 'manifests', `${name}.json`);
    if (!existsSync(manifestPath)) return [];
    const keysOf = (n: string) =>
      Object.values(
        (JSON.parse(readFileSync(join(nodeDir, 'manifests', `${n}.json`), 'utf8')) as Manifest).snapshot
          .keyspaces,
      ).flatMap(({ tables }) =>
        Object.values(tables).flatMap((t) =>
          Object.values(t.sstables).flatMap((e) => e.map((x) => x.objectKey)),
        ),
      );
    const stillUsed = new Set(
      this.backupNames(nodeDir)
        .filter((n) => n !== name)
        .flatMap(keysOf),
    );
    const removable = keysOf(name).filter((k) => !stillUsed.has(k));
    if (dry) return [];
    for (const key of removable) rmSync(join(nodeDir, key), { force: true });
    rmSync(manifestPath);
    removeEmptyDirs(this.bucketDirOf(nodeDir));
    return removable;
  }

  removeTopology(bucketDir: string, name: string): void {
    rmSync(join(bucketDir, 'topology', `${name}.json`), { force: true });
    removeEmptyDirs(bucketDir);
  }

  bucketDirOf(nodeDir: string): string {
    return dirname(dirname(dirname(nodeDir)));
  }

  /**
   * A node's backup as esop prepares it before uploading: one simulated SSTable per table (its object
   * key, under the node's folder) and the manifest that lists them.
   */
  nodeBackup(
    resolvedTag: string,
    tables: Map<string, Row[]>,
    tokens: string[],
    schemaVersion: string,
  ): NodeBackup {
    const manifest: Manifest = {
      snapshot: { name: resolvedTag, keyspaces: {} },
      tokens,
      schemaVersion,
      size: 0,
    };
    const files = new Map<string, string>();
    for (const [table, rows] of tables) {
      const [ks = '', name = ''] = table.split('.');
      const id = createHash('md5').update(table).digest('hex');
      const content = JSON.stringify(rows);
      const digest = createHash('sha1').update(content).digest('hex').slice(0, 10);
      const generation = this.generation++;
      const sstable = `nb-${generation}-big`;
      const objectKey = `data/${ks}/${name}-${id}/${generation}-${digest}/${sstable}-Data.db`;
      files.set(objectKey, content);
      const entry: ManifestEntry = {
        objectKey,
        type: 'FILE',
        size: Buffer.byteLength(content),
        hash: createHash('sha256').update(content).digest('hex'),
      };
      (manifest.snapshot.keyspaces[ks] ??= { tables: {} }).tables[name] = {
        id,
        sstables: { [sstable]: [entry] },
      };
      manifest.size += entry.size;
    }
    return { resolvedTag, manifest, files };
  }

  /** Uploads a node's backup into its folder: the data files, then the manifest. */
  writeNodeBackup(nodeDir: string, backup: NodeBackup): void {
    for (const [objectKey, content] of backup.files) writeFile(join(nodeDir, objectKey), content);
    writeFile(
      join(nodeDir, 'manifests', `${backup.resolvedTag}.json`),
      JSON.stringify(backup.manifest, null, 2),
    );
  }

  /**
   * The manifest esop would pick: file names containing the tag (a prefix match), with exactSchemaVersion
   * also `<tag>-<schemaVersion>`; the largest trailing timestamp wins.
   */
  findManifest(
    nodeDir: string,
    tag: string,
    schemaVersion?: string,
  ): { resolvedTag: string; manifest: Manifest } | undefined {
    const dir = join(nodeDir, 'manifests');
    if (!existsSync(dir)) return undefined;
    const best = readdirSync(dir)
      .filter((f) => f.endsWith('.json') && f.startsWith(schemaVersion ? `${tag}-${schemaVersion}` : tag))
      .map((f) => f.slice(0, -'.json'.length))
      .filter((t) => /-\d+$/.test(t))
      .sort((a, b) => timestampOf(b) - timestampOf(a))[0];
    if (!best) return undefined;
    return {
      resolvedTag: best,
      manifest: JSON.parse(readFileSync(join(dir, `${best}.json`), 'utf8')) as Manifest,
    };
  }

  /**
   * esop's DOWNLOAD of the selected tables: every file of the manifest, each checked against the
   * SHA-256 the manifest records. Returns "ks.table" -> contents of its SSTable data files, and the
   * object keys that could not be downloaded (missing from storage, or not equal to their hash).
   */
  readTables(
    nodeDir: string,
    manifest: Manifest,
    selected: (table: string) => boolean,
  ): { tables: Map<string, Buffer[]>; failed: string[] } {
    const tables = new Map<string, Buffer[]>();
    const failed: string[] = [];
    for (const [ks, { tables: inKeyspace }] of Object.entries(manifest.snapshot.keyspaces)) {
      for (const [name, table] of Object.entries(inKeyspace)) {
        if (!selected(`${ks}.${name}`)) continue;
        const files: Buffer[] = [];
        for (const entry of Object.values(table.sstables).flat()) {
          const path = join(nodeDir, entry.objectKey);
          const content = existsSync(path) ? readFileSync(path) : undefined;
          if (!content || createHash('sha256').update(content).digest('hex') !== entry.hash) {
            failed.push(entry.objectKey);
          } else if (entry.objectKey.endsWith('-Data.db')) {
            files.push(content);
          }
        }
        tables.set(`${ks}.${name}`, files);
      }
    }
    return { tables, failed };
  }

  writeTopology(bucketDir: string, resolvedTag: string, topology: unknown): string {
    const path = join(bucketDir, 'topology', `${resolvedTag}.json`);
    writeFile(path, JSON.stringify(topology, null, 2));
    return path;
  }
}

function timestampOf(tag: string): number {
  return Number(/-(\d+)$/.exec(tag)?.[1] ?? 0);
}

/** Removes the empty folders below `root` (not root itself), deepest first. */
function removeEmptyDirs(root: string): void {
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    removeEmptyDirs(dir);
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  }
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
