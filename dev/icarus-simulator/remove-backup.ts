// esop's remove-backup on a simulated node (RemoveBackupOperation / RemoveBackupRequest.validate): one
// backup by name, the oldest, or all older than a time, from the node folder the location names or, with
// globalRequest, from every node folder of that cluster in storage. What no other backup of a node
// references goes, then the manifest; the cluster topology file of that name goes last. A backup that is
// not there is no error. With dry, nothing is deleted.
import type { SimulatedCluster } from './cluster.js';
import type { Executor } from './node.js';
import { checkLocation, str } from './requests.js';

const UNIT_MS: Record<string, number> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3600_000,
  DAYS: 86_400_000,
};

function olderThanMs(request: Record<string, unknown>): number {
  const t = request.olderThan as { value?: number; unit?: string } | undefined;
  return t?.value ? t.value * (UNIT_MS[t.unit ?? 'SECONDS'] ?? 1000) : 0;
}

/** RemoveBackupRequest.validate, with esop's messages. */
function validate(request: Record<string, unknown>): string | undefined {
  const name = str(request, 'backupName');
  const olderThan = olderThanMs(request);
  if (request.removeOldest === true) {
    if (name)
      return 'You have specified you want to remove the oldest backup but you specified backupName too!';
    if (olderThan)
      return 'You have specified you want to remove the oldest backup but you specified olderThan too!';
    return undefined;
  }
  if (name && olderThan)
    return `You have specified you want to remove backup ${name} but you specified olderThan too!`;
  if (!name && !olderThan)
    return 'You have not specified you want to remove any specific backup but you have not specified olderThan either!';
  return undefined;
}

export function removeBackupExecutor(cluster: SimulatedCluster): Executor {
  return (request) => {
    const location = str(request, 'storageLocation');
    const nodeDir = location ? cluster.storage.literalNodeDir(location) : undefined;
    const invalid =
      checkLocation(location) ??
      (nodeDir
        ? undefined
        : `Storage location ${location} does not name a node: protocol://bucket/cluster/dc/node`) ??
      validate(request);
    if (invalid || !nodeDir) return { invalid: invalid ?? 'invalid request' };
    const submittedAt = Date.now();
    return {
      finish: () => {
        const name = str(request, 'backupName');
        const dry = request.dry === true;
        const nodeDirs =
          request.globalRequest === true ? cluster.storage.clusterNodeDirs(nodeDir) : [nodeDir];
        for (const dir of nodeDirs) {
          const names = cluster.storage.backupNames(dir);
          const cut = submittedAt - olderThanMs(request);
          const doomed =
            request.removeOldest === true
              ? names.slice(0, 1)
              : name
                ? names.filter((n) => n === name)
                : names.filter((n) => Number(/-(\d+)$/.exec(n)?.[1] ?? 0) < cut);
          for (const n of doomed) cluster.storage.removeNodeBackup(dir, n, dry);
        }
        if (!dry && name) cluster.storage.removeTopology(cluster.storage.bucketDirOf(nodeDir), name);
        return Promise.resolve();
      },
    };
  };
}
