// The cluster topology file Icarus writes at the bucket root with a backup (`topology/<name>.json`),
// validated where it enters: the nodes the backup had (their cluster, datacenter and host id).
import { z } from 'zod';
import { ManifestFormatError } from './manifest.js';

const topologySchema = z.looseObject({
  topology: z.array(
    z.looseObject({
      cluster: z.string(),
      dc: z.string(),
      nodeId: z.string(),
      hostname: z.string().optional(),
    }),
  ),
});

export interface TopologyNode {
  cluster: string;
  dc: string;
  hostId: string;
  /** The node's host name as the node that wrote the file resolved it (reverse DNS of its address). */
  hostname?: string;
}

export function topologyNodes(json: string, name: string): TopologyNode[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ManifestFormatError(`topology file ${name} is not JSON: ${(err as Error).message}`);
  }
  const result = topologySchema.safeParse(parsed);
  if (!result.success) {
    throw new ManifestFormatError(
      `topology file ${name} is not Icarus's topology: ${result.error.issues[0]?.message ?? 'unexpected shape'}`,
    );
  }
  return result.data.topology.map((n) => ({
    cluster: n.cluster,
    dc: n.dc,
    hostId: n.nodeId,
    ...(n.hostname ? { hostname: n.hostname } : {}),
  }));
}
