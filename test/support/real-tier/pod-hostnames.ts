// The names real-tier nodes have as Pods of a StatefulSet: `<pod>.<service>.<namespace>.svc.cluster.local`,
// what the reverse DNS of a Pod's IP gives in Kubernetes. Icarus writes the name its node resolves for each
// address into a backup's topology file (esop's CassandraHostname: InetAddress.getHostName), and a restore
// into another cluster matches pods to backup nodes by the ordinal that ends it. On loopback there is no
// such DNS: the sidecars' JVMs get a hosts file (`-Djdk.net.hosts.file`, which Java also reads for
// reverse lookups) that gives each node's address its Pod's name.
import { readFileSync, writeFileSync } from 'node:fs';
import { namesIn, renderHostsFile } from '../../../dev/stack/jvm-hosts.js';

export interface PodAddress {
  /** The Pod's name: `<cluster>-cassandra-<dc>-<ordinal>` (test/support/real-node-pod.ts). */
  pod: string;
  address: string;
}

/** The StatefulSet DNS name of a pod of a cluster's service in a namespace. */
export function podHostname(pod: string, service: string, namespace: string): string {
  return `${pod}.${service}.${namespace}.svc.cluster.local`;
}

/**
 * Writes the hosts file at `file` and returns the JVM option that makes a sidecar use it. Throws when the
 * machine's /etc/hosts already names one of the addresses: a reverse lookup takes the first line, and
 * the node would be recorded under that name instead of its Pod's.
 */
export function podHostsFile(
  file: string,
  namespace: string,
  clusters: { service: string; pods: PodAddress[] }[],
): string {
  const base = readFileSync('/etc/hosts', 'utf8');
  const taken = new Set(namesIn(base).values());
  const entries = clusters.flatMap(({ service, pods }) =>
    pods.map(({ pod, address }) => {
      if (taken.has(address)) {
        throw new Error(`/etc/hosts names ${address} already: its node would not be named ${pod}`);
      }
      return { address, names: [podHostname(pod, service, namespace)] };
    }),
  );
  writeFileSync(file, renderHostsFile(base, entries));
  return `-Djdk.net.hosts.file=${file}`;
}
