// Gathers what the checks need once the storm has settled: each resource's workflow history (when the
// cancel signal came, which TRUNCATE operations a restore's submissions returned), its Events, and the
// workflows of the namespace still running; and the shape of that evidence (Evidence), which the checks
// (./checks.ts) read.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { backupWorkflowId, restoreWorkflowId } from '../../../src/contract/ids.js';
import type { Journal } from './journal.js';

export interface WorkflowFacts {
  /** The workflow existed. */
  found: boolean;
  /** When the `cancel` signal reached its history (epoch ms). */
  cancelAt?: number;
  /** Restores: the TRUNCATE operations its submit activities returned. */
  truncateOps: string[];
}

export interface Evidence {
  journals: Journal[];
  /** Requests before this (ISO) were the set-up's (the restores' source backups). */
  stormStart: string;
  histories: Map<string, WorkflowFacts>;
  events: Map<string, { reason: string; type: string; message: string }[]>;
  /** Workflows of the namespace still running after the settle: id and the resource's name. */
  running: { id: string; name: string }[];
  /** Reasons named in docs/troubleshooting.md. */
  documented: Set<string>;
}

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

const toMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : undefined;

/** When the cancel signal came; which TRUNCATE operations the submissions returned. */
export function factsOf(history: History): WorkflowFacts {
  const facts: WorkflowFacts = { found: true, truncateOps: [] };
  const truncateSubmissions = new Set<string>();
  for (const ev of history.events ?? []) {
    const signal = ev.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === 'cancel' && facts.cancelAt === undefined) facts.cancelAt = toMs(ev.eventTime);
    const scheduled = ev.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'submitRestore') {
      const input = scheduled.input?.payloads?.[0];
      const phase = input ? defaultPayloadConverter.fromPayload<{ phase?: string }>(input).phase : undefined;
      if (phase === 'TRUNCATE') truncateSubmissions.add(String(ev.eventId));
    }
    const completed = ev.activityTaskCompletedEventAttributes;
    if (completed && truncateSubmissions.has(String(completed.scheduledEventId))) {
      const result = completed.result?.payloads?.[0];
      const id = result
        ? defaultPayloadConverter.fromPayload<{ operationId?: string }>(result).operationId
        : undefined;
      if (id) facts.truncateOps.push(id);
    }
  }
  return facts;
}

export async function histories(
  client: Client,
  namespace: string,
  journals: Journal[],
): Promise<Map<string, WorkflowFacts>> {
  const out = new Map<string, WorkflowFacts>();
  for (const j of journals) {
    if (!j.uid) continue;
    const id =
      j.kind === 'backup'
        ? backupWorkflowId(namespace, j.name, j.uid)
        : restoreWorkflowId(namespace, j.name, j.uid);
    try {
      out.set(j.name, factsOf(await client.workflow.getHandle(id).fetchHistory()));
    } catch {
      out.set(j.name, { found: false, truncateOps: [] });
    }
  }
  return out;
}

export async function events(
  kc: KubeConfig,
  namespace: string,
): Promise<Map<string, { reason: string; type: string; message: string }[]>> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  const out = new Map<string, { reason: string; type: string; message: string }[]>();
  for (const e of list.items) {
    const name = e.involvedObject.name ?? '';
    out.set(name, [
      ...(out.get(name) ?? []),
      { reason: e.reason ?? '', type: e.type ?? '', message: e.message ?? '' },
    ]);
  }
  return out;
}

/** Workflows of the namespace still running (by the search attribute the operator sets). */
export async function runningWorkflows(
  client: Client,
  namespace: string,
): Promise<{ id: string; name: string }[]> {
  const out: { id: string; name: string }[] = [];
  for await (const w of client.workflow.list({
    query: `KubernetesNamespace = '${namespace}' AND ExecutionStatus = 'Running'`,
  })) {
    out.push({ id: w.workflowId, name: w.workflowId.split('/')[2] ?? w.workflowId });
  }
  return out;
}
