import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { searchAttributeNames as names } from '../contract/search-attributes.js';
import type { Logger } from '../logger.js';

/**
 * Custom search attributes on every workflow, so that the Temporal Web UI can filter by the resource's
 * Kubernetes namespace, its Cassandra cluster, its kind and (backups and restores) its state. The local
 * stack registers them at start-up; on another Temporal they are registered once with `temporal operator
 * search-attribute create`.
 */
export const searchAttributes = {
  kubernetesNamespace: defineSearchAttributeKey(names.kubernetesNamespace, SearchAttributeType.KEYWORD),
  cassandraCluster: defineSearchAttributeKey(names.cassandraCluster, SearchAttributeType.KEYWORD),
  resourceKind: defineSearchAttributeKey(names.resourceKind, SearchAttributeType.KEYWORD),
  resourceState: defineSearchAttributeKey(names.resourceState, SearchAttributeType.KEYWORD),
} as const;

export const allSearchAttributes = Object.values(searchAttributes);

/**
 * The search attributes of a resource's workflow or schedule: its namespace, its Cassandra cluster (left
 * out when the spec holds none, as one stored under an older CRD may) and its kind.
 */
export function resourceSearchAttributes(
  kind: string,
  namespace: string,
  cluster: unknown,
): SearchAttributePair[] {
  return [
    { key: searchAttributes.kubernetesNamespace, value: namespace },
    ...(typeof cluster === 'string' && cluster
      ? [{ key: searchAttributes.cassandraCluster, value: cluster }]
      : []),
    { key: searchAttributes.resourceKind, value: kind },
  ];
}

/**
 * Whether a reconciler sets the search attributes: yes, until Temporal refuses a start or a schedule
 * because its namespace has not registered them; from then on no, for every resource (a Temporal
 * without them still runs everything, only the Web UI cannot filter). Both reconcilers use one each.
 */
export class SearchAttributeFallback {
  private missing = false;

  /** Whether to set the search attributes. */
  get enabled(): boolean {
    return !this.missing;
  }

  /**
   * True when `err` is Temporal refusing the search attributes while they were set: they are off from
   * now on, said once in the log (`without`: what goes on without them), and the caller tries again.
   */
  turnedOffBy(err: unknown, log: Logger, without: string): boolean {
    if (this.missing || !/search attribute/i.test(String(err))) return false;
    this.missing = true;
    log.warn(
      { err: String(err) },
      `Search attributes ${allSearchAttributes.map((a) => a.name).join(', ')} are not registered in this Temporal namespace; ${without} without them (see docs/operator.md)`,
    );
    return true;
  }
}
