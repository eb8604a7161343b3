// What a storage location holds, read from storage alone: the backups Icarus wrote there, each a full
// name (<tag>-<schemaVersion>-<epochMillis>) with the nodes whose manifest carries it, their files and
// bytes, and whether every node the backup's topology file lists finished (a node's manifest is the last
// thing it uploads). Read only: listing and reading, never a write.
//
// Layout (docs/design/esop-restore-internals.md §5.1): <prefix>/<cluster>/<dc>/<hostId>/manifests/<name>.json
// per node, <prefix>/topology/<name>.json per cluster backup.
import { manifestSummary } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import { topologyNodes, type TopologyNode } from './topology-file.js';

export interface CatalogNode {
  dc: string;
  hostId: string;
  /** The manifest's object name. */
  manifest: string;
  /** SSTable component files and their bytes, outside the system keyspaces. */
  files: number;
  bytes: number;
  /** Its tokens, as its manifest records them. */
  tokens: string[];
  /** Its host name, from the backup's topology file when there is one. */
  hostname?: string;
}

export interface CatalogBackup {
  /** `<tag>-<schemaVersion>-<epochMillis>`: what Icarus names the backup, and what a restore asks for. */
  name: string;
  /** The tag it was taken with (the name without schema version and time). */
  tag: string;
  schemaVersion: string;
  /** When it was taken (the epoch millis of its name), ISO 8601. */
  time: string;
  /** The cluster folder: Cassandra's cluster name, whitespace runs as '-'. */
  cluster: string;
  datacenters: string[];
  nodes: CatalogNode[];
  /** How many nodes its topology file lists; undefined when there is none (esop's own CLI backups). */
  expectedNodes?: number;
  /** Every node of its topology file has its manifest (false: some did not finish); unknown without one. */
  complete?: boolean;
}

export interface Catalog {
  backups: CatalogBackup[];
  /** Objects that look like manifests or topology files but could not be read as one (name: why). */
  unreadable: string[];
}

const FULL_NAME =
  /^(.+)-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})-(\d+)\.json$/;

/** `<tag>-<schemaVersion>-<millis>.json` split from the right (a tag may hold '-'); undefined otherwise. */
export function parseBackupName(
  file: string,
): { name: string; tag: string; schemaVersion: string; millis: number } | undefined {
  const m = FULL_NAME.exec(file);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { name: file.slice(0, -'.json'.length), tag: m[1], schemaVersion: m[2], millis: Number(m[3]) };
}

export interface CatalogOptions {
  /** Only this cluster folder (Cassandra's cluster name, as Icarus writes it). */
  cluster?: string;
  /** Only backups whose full name starts with this (a tag, or a full name), as esop matches a tag. */
  tag?: string;
  /** How many manifests are read at once. */
  concurrency?: number;
  /** Called after each listing and each batch of manifests read: a long listing is alive (heartbeats). */
  progress?: () => void;
}

/** Every backup under `prefix` ('' for the bucket's root), newest first. */
export async function readCatalog(
  store: ObjectStore,
  prefix: string,
  opts: CatalogOptions = {},
): Promise<Catalog> {
  const root = prefix ? `${prefix.replace(/\/+$/, '')}/` : '';
  const unreadable: string[] = [];
  const top = await store.folders(root);
  const clusters = top.filter((c) => c !== 'topology' && (!opts.cluster || c === opts.cluster));
  const found: { cluster: string; dc: string; hostId: string; key: string }[] = [];
  for (const cluster of clusters) {
    for (const dc of await store.folders(`${root}${cluster}/`)) {
      for (const hostId of await store.folders(`${root}${cluster}/${dc}/`)) {
        const keys = await store.list(`${root}${cluster}/${dc}/${hostId}/manifests/`);
        opts.progress?.();
        for (const key of keys) {
          const file = key.slice(key.lastIndexOf('/') + 1);
          if (file.endsWith('.json') && (!opts.tag || file.startsWith(opts.tag))) {
            found.push({ cluster, dc, hostId, key });
          }
        }
      }
    }
  }

  const backups = new Map<string, CatalogBackup>();
  await inBatches(found, opts.concurrency ?? 8, opts.progress, async ({ cluster, dc, hostId, key }) => {
    const parsed = parseBackupName(key.slice(key.lastIndexOf('/') + 1));
    if (!parsed) {
      unreadable.push(`${key}: not named <tag>-<schemaVersion>-<epochMillis>.json`);
      return;
    }
    let summary: { files: number; bytes: number; tokens: string[] };
    try {
      summary = manifestSummary(await store.read(key), key);
    } catch (err) {
      if ((err as Error).name !== 'ManifestFormatError') throw err;
      unreadable.push(`${key}: ${(err as Error).message}`);
      return;
    }
    const id = `${cluster}/${parsed.name}`;
    const backup = backups.get(id) ?? {
      name: parsed.name,
      tag: parsed.tag,
      schemaVersion: parsed.schemaVersion,
      time: new Date(parsed.millis).toISOString(),
      cluster,
      datacenters: [],
      nodes: [],
    };
    backup.nodes.push({ dc, hostId, manifest: key, ...summary });
    if (!backup.datacenters.includes(dc)) backup.datacenters.push(dc);
    backups.set(id, backup);
  });

  // The topology files say which nodes each cluster backup had.
  // Listed by folder ('…/topology/', as every store lists), and only when there is one.
  const topologies = top.includes('topology')
    ? (await store.list(`${root}topology/`)).filter(
        (k) => k.endsWith('.json') && (!opts.tag || k.slice(k.lastIndexOf('/') + 1).startsWith(opts.tag)),
      )
    : [];
  for (const key of topologies) {
    const parsed = parseBackupName(key.slice(key.lastIndexOf('/') + 1));
    if (!parsed) continue;
    const matching = [...backups.values()].filter((b) => b.name === parsed.name);
    if (matching.length === 0) continue;
    let nodes: TopologyNode[];
    try {
      nodes = topologyNodes(await store.read(key), key);
    } catch (err) {
      if ((err as Error).name !== 'ManifestFormatError') throw err;
      unreadable.push(`${key}: ${(err as Error).message}`);
      continue;
    }
    for (const backup of matching) {
      // The file of a name lists the nodes of the cluster that wrote it (the cluster as a folder name).
      const own = nodes.filter((n) => n.cluster.trim().replace(/\s+/g, '-') === backup.cluster);
      const expected = own.length > 0 ? own : nodes;
      backup.expectedNodes = expected.length;
      backup.complete = expected.every((n) => backup.nodes.some((b) => b.hostId === n.hostId));
      for (const node of backup.nodes) {
        const hostname = expected.find((n) => n.hostId === node.hostId)?.hostname;
        if (hostname) node.hostname = hostname;
      }
    }
  }

  for (const b of backups.values()) {
    b.nodes.sort((x, y) => `${x.dc}/${x.hostId}`.localeCompare(`${y.dc}/${y.hostId}`));
    b.datacenters.sort();
  }
  return {
    backups: [...backups.values()].sort(
      (a, b) => b.time.localeCompare(a.time) || a.cluster.localeCompare(b.cluster),
    ),
    unreadable: unreadable.sort(),
  };
}

async function inBatches<T>(
  items: T[],
  size: number,
  progress: (() => void) | undefined,
  each: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(each));
    progress?.();
  }
}
