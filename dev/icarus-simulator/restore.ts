// A per-node restore phase on a simulated node (HARDLINKS / IMPORT), as esop runs it: DOWNLOAD fetches
// the selected tables of the newest matching manifest into the request's import.sourceDir (after checking
// the node's tokens equal the backup's), checking each file against the manifest's SHA-256 and failing
// with esop's "Unable to download files successfully: <keys>" for files missing or changed, TRUNCATE
// empties the tables on every node of the cluster, IMPORT loads what was downloaded, CLEANUP deletes the
// download folder (and what is inside it). Downloads survive an Icarus restart, as files on disk do.
// Every phase first finds its bucket, as Icarus's restore coordinator does (buckets.ts).
import type { Row, SimulatedCluster, SimulatedNode } from './cluster.js';
import { checkBucket } from './buckets.js';
import { restoreCheckFailure } from './storage-access.js';
import type { Executor } from './node.js';
import { MIXED_ENTITIES, checkCommon, parseEntities, str } from './requests.js';

const PHASES = ['INIT', 'CLUSTER_HEALTHCHECK', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'];
const STRATEGIES = ['IN_PLACE', 'HARDLINKS', 'IMPORT'];

export function restoreExecutor(cluster: SimulatedCluster, node: SimulatedNode): Executor {
  /** This node's downloads: folder (import.sourceDir) -> snapshot tag -> table -> SSTable files. */
  const downloads = new Map<string, Map<string, Map<string, Buffer[]>>>();
  return (request) => {
    const phase = str(request, 'restorationPhase');
    const strategy = str(request, 'restorationStrategyType') ?? 'IN_PLACE';
    const selected = parseEntities(str(request, 'entities') ?? '');
    const invalid =
      checkCommon(request) ??
      (str(request, 'snapshotTag') ? undefined : 'snapshotTag can not be blank!') ??
      (STRATEGIES.includes(strategy) ? undefined : 'restorationStrategyType is not recognized') ??
      (strategy === 'IN_PLACE' ? 'IN_PLACE needs a stopped node and is not simulated' : undefined) ??
      (phase && PHASES.includes(phase)
        ? undefined
        : 'restorationPhase is not recognized, it has to be set when you use IMPORT or HARDLINKS strategy type') ??
      (request.import
        ? undefined
        : `you can not specify ${strategy} restorationStrategyType and have 'import' field empty!`) ??
      (selected ? undefined : MIXED_ENTITIES);
    if (invalid || !selected) return { invalid: invalid ?? MIXED_ENTITIES };
    const tag = str(request, 'snapshotTag') ?? '';
    const sourceDir = str((request.import ?? {}) as Record<string, unknown>, 'sourceDir') ?? '';
    const rename = (request.rename ?? {}) as Record<string, string>;
    const location = str(request, 'storageLocation') ?? '';
    // As esop's per-node restore: the folder the location names (the operator sends a node's own, or
    // for a restore into another cluster its backup node's), whatever this node's identity.
    const dir = cluster.storage.literalNodeDir(location) ?? cluster.storage.nodeDir(location, node.identity);
    const bucket = cluster.storage.bucketOf(location);
    const manifest = () => {
      const schema =
        request.exactSchemaVersion === true
          ? (str(request, 'schemaVersion') ?? cluster.schemaVersion)
          : undefined;
      const found = cluster.storage.findManifest(dir, tag, schema);
      if (!found) throw new Error('There is no manifest requested found.');
      return found;
    };
    return {
      // Icarus's restore coordinator: the bucket must exist, whatever skipBucketVerification says (it
      // never creates one); then one node-local restore at a time on a node.
      precheck: () =>
        restoreCheckFailure(node.storageAccess, bucket.protocol, bucket.name) ??
        checkBucket(cluster.storage, location, false) ??
        (node.simulator.runningCount('restore') > 1
          ? 'We can not run two normal restoration requests simultaneously.'
          : undefined),
      ...(phase === 'DOWNLOAD'
        ? { cancelMessage: 'Unable to download files successfully: (cancelled)' }
        : {}),
      finish: () => {
        switch (phase) {
          case 'INIT':
          case 'CLUSTER_HEALTHCHECK':
            manifest();
            break;
          case 'DOWNLOAD': {
            // As esop's RestorationPhase: the tables to process must exist before anything is done.
            liveTables(node, str(request, 'entities') ?? '', rename);
            if (request.noDownloadData === true) break;
            const found = manifest();
            // As esop's CassandraSameTokens: the same tokens as sets, whatever their order.
            const own = new Set(node.identity.tokens);
            const same =
              found.manifest.tokens.length === own.size && found.manifest.tokens.every((t) => own.has(t));
            if (!same) throw new Error('Tokens from snapshot and tokens of this node does not match!');
            // As esop's ManifestEnricher: every backed-up table with files must exist here, whatever
            // entities says (its local id is where the files go).
            const absent = Object.entries(found.manifest.snapshot.keyspaces)
              .filter(([ks]) => !SYSTEM_KEYSPACES.has(ks))
              .flatMap(([ks, { tables }]) =>
                Object.entries(tables)
                  .filter(([, t]) => Object.keys(t.sstables).length > 0)
                  .map(([t]) => `${ks}.${t}`),
              )
              .filter((t) => !node.data.has(t));
            if (absent[0]) throw new Error(`Unable to find table id for ${absent[0]}`);
            const read = cluster.storage.readTables(dir, found.manifest, selected);
            if (read.failed.length > 0) {
              throw new Error(`Unable to download files successfully: ${read.failed.join(',')}`);
            }
            const folder = downloads.get(sourceDir) ?? new Map<string, Map<string, Buffer[]>>();
            downloads.set(sourceDir, folder.set(tag, read.tables));
            break;
          }
          case 'TRUNCATE':
            // As esop: the tables named, or every current table of the keyspaces named (of all
            // non-system keyspaces when none are), whether the backup holds them or not.
            for (const t of liveTables(node, str(request, 'entities') ?? '', rename)) cluster.truncate(t);
            break;
          case 'IMPORT': {
            const files = downloads.get(sourceDir)?.get(tag);
            if (!files) throw new Error(`there are no downloaded SSTables of ${tag} on this node to import`);
            for (const [t, contents] of files) {
              const target = rename[t] ?? t;
              const rows = contents.flatMap((c) => parseRows(c));
              const existing = node.data.get(target) ?? [];
              const seen = new Set(existing.map((x) => JSON.stringify(x)));
              node.data.set(target, [...existing, ...rows.filter((x) => !seen.has(JSON.stringify(x)))]);
            }
            break;
          }
          case 'CLEANUP':
            // esop deletes every truncated-* snapshot of the node, not only this restore's.
            if (request.noDeleteTruncates !== true) node.truncated.clear();
            // The whole folder goes, with whatever other restores downloaded into it or below it.
            if (request.noDeleteDownloads !== true) {
              for (const folder of [...downloads.keys()]) {
                if (folder === sourceDir || folder.startsWith(`${sourceDir}/`)) downloads.delete(folder);
              }
            }
            break;
        }
        return Promise.resolve();
      },
    };
  };
}

const SYSTEM_KEYSPACES = new Set([
  'system',
  'system_distributed',
  'system_traces',
  'system_auth',
  'system_schema',
]);

/**
 * esop's CassandraData.getDatabaseEntitiesToProcessForRestore on the node's current tables: named tables
 * (renamed ones by their new name) must exist, with esop's message otherwise; keyspaces select all of
 * their current tables.
 */
function liveTables(node: SimulatedNode, entities: string, rename: Record<string, string>): string[] {
  const live = [...node.data.keys()].filter((t) => !SYSTEM_KEYSPACES.has(t.split('.')[0] ?? ''));
  const items = entities
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (items.length > 0 && items.every((e) => e.includes('.'))) {
    const absent = items.filter((t) => !node.data.has(t));
    if (absent.length) {
      throw new Error(`Tables [${absent.join(', ')}] to process are not present in Cassandra.`);
    }
    return items.map((t) => rename[t] ?? t);
  }
  const absentKeyspaces = items.filter((ks) => !live.some((t) => t.startsWith(`${ks}.`)));
  if (absentKeyspaces.length) {
    throw new Error(
      `Some keyspaces to process are not present in Cassandra: [${absentKeyspaces.join(', ')}]`,
    );
  }
  return items.length ? live.filter((t) => items.includes(t.split('.')[0] ?? '')) : live;
}

/** Rows of a simulated SSTable; a real SSTable (from a fixture of a real backup) imports no simulated rows. */
function parseRows(content: Buffer): Row[] {
  try {
    const parsed: unknown = JSON.parse(content.toString('utf8'));
    return Array.isArray(parsed) ? (parsed as Row[]) : [];
  } catch {
    return [];
  }
}
