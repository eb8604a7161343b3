// Pure bookkeeping of per-node progress, shared by the workflow and the activity that watches Icarus:
// the overall percentage, the IBM `errors` list and the status entry of a node.
import type { NodeStatus, NodeWork } from './status.js';

/** Mean of the nodes' percentages (not started = 0), rounded down: 100 only when every node is done. */
export function overallProgress(nodes: readonly NodeWork[]): number {
  if (nodes.length === 0) return 0;
  const sum = nodes.reduce((acc, n) => acc + (n.state === 'COMPLETED' ? 100 : (n.progress ?? 0)), 0);
  return Math.floor(sum / nodes.length);
}

/** The IBM `errors` field: one entry per node with an error, source = the pod. */
export function nodeErrors(nodes: readonly NodeWork[]): { source: string; message: string }[] {
  return nodes.filter((n) => n.lastError).map((n) => ({ source: n.pod, message: n.lastError ?? '' }));
}

/** A node's entry in status.nodes (the Icarus URL stays internal). */
export function nodeStatus(n: NodeWork): NodeStatus {
  const { icarusUrl: _internal, ...entry } = n;
  return entry;
}

/** Icarus's 0..1 progress as a percentage; a FAILED operation reports 1.0, so its last value is kept. */
export function percent(state: string, progress: number, previous: number | undefined): number {
  if (state === 'COMPLETED') return 100;
  if (state === 'FAILED' || state === 'CANCELLED') return previous ?? 0;
  return Math.min(99, Math.floor(progress * 100));
}
