import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes on every workflow, so that the Temporal Web UI can filter by the resource's
 * Kubernetes namespace, its Cassandra cluster and its kind. The local stack registers them at start-up;
 * on another Temporal they are registered once with `temporal operator search-attribute create`.
 */
export const searchAttributes = {
  kubernetesNamespace: defineSearchAttributeKey('KubernetesNamespace', SearchAttributeType.KEYWORD),
  cassandraCluster: defineSearchAttributeKey('CassandraCluster', SearchAttributeType.KEYWORD),
  resourceKind: defineSearchAttributeKey('ResourceKind', SearchAttributeType.KEYWORD),
} as const;

export const allSearchAttributes = Object.values(searchAttributes);
