// A per-node backup on a simulated node, in esop's layout: one simulated SSTable per selected table, then
// the manifest; with uploadClusterTopology the node also writes the cluster's topology file. The bucket
// is checked (and created when asked to) first, as esop does (buckets.ts).
import type { SimulatedCluster, SimulatedNode } from './cluster.js';
import { checkBucket, missingBucket, uploadFailure } from './buckets.js';
import { backupCheckFailure, uploadsRefused } from './storage-access.js';
import type { Executor } from './node.js';
import { MIXED_ENTITIES, checkCommon, parseEntities, resolveTag, str } from './requests.js';

export function backupExecutor(cluster: SimulatedCluster, node: SimulatedNode): Executor {
  return (request) => {
    const selected = parseEntities(str(request, 'entities') ?? '');
    const invalid =
      checkCommon(request) ??
      (Array.isArray(request.dataDirs) && request.dataDirs.length > 0
        ? undefined
        : 'You have not specified any --data-dir on command line or respective field in JSON request.') ??
      (selected ? undefined : MIXED_ENTITIES);
    if (invalid || !selected) return { invalid: invalid ?? MIXED_ENTITIES };
    const location = str(request, 'storageLocation') ?? '';
    const protocol = cluster.storage.bucketOf(location).protocol;
    const rateLimited = request.bandwidth !== undefined || request.duration !== undefined;
    return {
      ...(rateLimited ? { cancelMessage: 'Unable to upload some files successfully: (cancelled)' } : {}),
      // Before the snapshot, unless skipped: the bucket must exist, or be created when the request says so.
      precheck: () =>
        request.skipBucketVerification === true
          ? undefined
          : (backupCheckFailure(node.storageAccess, protocol) ??
            checkBucket(cluster.storage, location, request.createMissingBucket === true)),
      finish: () => {
        const schemaVersion = str(request, 'schemaVersion') ?? cluster.schemaVersion;
        const tag = resolveTag(str(request, 'snapshotTag') ?? '', schemaVersion, Date.now());
        const tables = new Map([...node.data].filter(([t]) => selected(t) && !t.startsWith('system')));
        const dir = cluster.storage.nodeDir(location, node.identity);
        const backup = cluster.storage.nodeBackup(tag, tables, node.identity.tokens, schemaVersion);
        if (
          missingBucket(cluster.storage, location) !== undefined ||
          uploadsRefused(node.storageAccess, protocol)
        ) {
          throw new Error(uploadFailure(protocol, [...backup.files.keys()]));
        }
        cluster.storage.writeNodeBackup(dir, backup);
        if (request.uploadClusterTopology === true) {
          cluster.storage.writeTopology(
            cluster.storage.bucketDirOf(dir),
            tag,
            cluster.topologyFile(Number(/-(\d+)$/.exec(tag)?.[1])),
          );
        }
        return Promise.resolve();
      },
    };
  };
}
