// Which backup node's files each restored node takes. Into the cluster that took the backup (every
// selected node's host id has its folder in the backup): its own, as always. Into another cluster, or
// one rebuilt with new host ids: the backup node of the same datacenter with the same ordinal, the number
// that ends the pod's name and that node's host name in the backup's topology file (StatefulSet pods
// keep theirs; Icarus writes the name its node resolved for the address: a StatefulSet's DNS name), or
// the one node of each side when a datacenter has one. Each node is then sent that node's folder, <backup cluster>/<dc>/<host id>, and the
// backup's full name, so that every node reads the same backup. esop's DOWNLOAD still requires each node
// to own its backup node's tokens (initial_token): a node that does not fails there, before any TRUNCATE
// (TokensDoNotMatch). A backup whose nodes cannot all be matched one to one is refused here, before any
// node is asked anything: a node left out would leave its rows out of the restore.
import { clusterId } from '../src/icarus/storage-location.js';
import { PlanError } from '../src/kube/plan-error.js';
import type { CatalogBackup, CatalogNode } from '../src/storage/backup-catalog.js';
import type { RestoreSource } from '../src/contract/activity-io.js';
import type { BackupNodeRef, NodeWork } from '../src/contract/status.js';
import type { ActivityDeps } from './deps.js';
import { readLocationCatalog } from './location-catalog.js';

export interface SourceNodes {
  /** The source node of each restored pod; undefined when each restores its own folder. */
  byPod?: Record<string, BackupNodeRef>;
  /** The backup's full name, when the nodes are matched (each node must read the same backup). */
  fullTag?: string;
}

export async function matchSourceNodes(
  deps: ActivityDeps,
  input: {
    namespace: string;
    source: RestoreSource;
    insecure: boolean;
    clusterName: string;
    nodes: readonly NodeWork[];
  },
): Promise<SourceNodes> {
  const { source, nodes } = input;
  let backups: CatalogBackup[];
  try {
    backups = (
      await readLocationCatalog(
        deps,
        input.namespace,
        { ...source, insecure: input.insecure },
        {
          tag: source.snapshotTag,
        },
      )
    ).backups;
  } catch (err) {
    // The operator cannot read the location (a path only the nodes mount, no access, credentials it
    // cannot use): each node reads its own folder, as before; what is missing there is found by
    // DOWNLOAD, and the restore's own reading of the manifests says why it could not read them.
    deps.logger.info(
      { why: err instanceof PlanError ? err.reason : (err as Error).name },
      'Backup nodes not matched: the location could not be listed',
    );
    return {};
  }
  const own = clusterId(input.clusterName);
  const ownBackup = backups.find((b) => b.cluster === own);
  const holds = (b: CatalogBackup) =>
    nodes.every((n) => b.nodes.some((x) => x.dc === n.dc && x.hostId === n.hostId));
  if (backups.length === 0 || (ownBackup && holds(ownBackup))) return {};
  const backup = backups[0];
  if (!backup) return {};
  const rivals = backups.filter((b) => b.name === backup.name && b.cluster !== backup.cluster);
  if (rivals.length > 0) {
    throw new PlanError(
      'NodesDoNotMatchBackup',
      `backup ${backup.name} is in ${source.storageLocation} for clusters ${[backup, ...rivals].map((b) => b.cluster).join(', ')}: restore from a location that holds one of them, e.g. a CassandraBackupSync with clusterName`,
    );
  }
  return { byPod: matchByOrdinal(backup, nodes), fullTag: backup.name };
}

const ORDINAL = /-(\d+)$/;

/** The ordinal of a pod name, or of a host name's first label. */
export function ordinalOf(name: string): string | undefined {
  return ORDINAL.exec(name.split('.')[0] ?? '')?.[1];
}

/** Each restored pod's backup node, one to one per datacenter, or a PlanError that says what differs. */
export function matchByOrdinal(
  backup: CatalogBackup,
  nodes: readonly NodeWork[],
): Record<string, BackupNodeRef> {
  const problems: string[] = [];
  const byPod: Record<string, BackupNodeRef> = {};
  for (const dc of [...new Set(nodes.map((n) => n.dc))].sort()) {
    const targets = nodes.filter((n) => n.dc === dc);
    const sources = backup.nodes.filter((n) => n.dc === dc);
    if (sources.length === 0) {
      problems.push(`the backup has no node in datacenter ${dc} (it has ${backup.datacenters.join(', ')})`);
      continue;
    }
    const [onlySource] = sources;
    const [onlyTarget] = targets;
    if (sources.length === 1 && targets.length === 1 && onlySource && onlyTarget) {
      // One node on each side: the match needs no name.
      byPod[onlyTarget.pod] = { cluster: backup.cluster, dc, hostId: onlySource.hostId };
      continue;
    }
    const unnamed = sources.filter((s) => ordinalOf(s.hostname ?? '') === undefined);
    if (unnamed.length > 0) {
      problems.push(
        `the backup's topology file gives no host name ending in an ordinal for ${unnamed.map((s) => s.hostId).join(', ')} in ${dc}, so its nodes cannot be matched to pods`,
      );
      continue;
    }
    const sourceBy = new Map<string, CatalogNode>(sources.map((s) => [ordinalOf(s.hostname ?? '') ?? '', s]));
    for (const t of targets) {
      const ordinal = ordinalOf(t.pod);
      const s = ordinal === undefined ? undefined : sourceBy.get(ordinal);
      if (!s) {
        problems.push(`pod ${t.pod} (${dc}) has no backup node with its ordinal`);
        continue;
      }
      byPod[t.pod] = { cluster: backup.cluster, dc, hostId: s.hostId };
    }
    const taken = new Set(Object.values(byPod).map((r) => r.hostId));
    const left = sources.filter((s) => !taken.has(s.hostId));
    if (left.length > 0) {
      problems.push(
        `backup node(s) ${left.map((s) => `${s.hostname ?? s.hostId} (${s.hostId})`).join(', ')} in ${dc} have no pod with their ordinal, so their rows would not be restored`,
      );
    }
  }
  if (problems.length > 0) {
    throw new PlanError(
      'NodesDoNotMatchBackup',
      `backup ${backup.name} of cluster ${backup.cluster} does not fit this cluster's nodes: ${problems.join('; ')}. Restore into a cluster with the backup's datacenters and one pod per backup node, each pod named with its backup node's ordinal and started with that node's tokens (initial_token: see docs/disaster-recovery.md)`,
    );
  }
  return byPod;
}
