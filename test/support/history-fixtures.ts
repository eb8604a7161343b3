// The recorded workflow histories of test/fixtures/histories/ (binary History protobufs, written by
// record.ts and record-disaster-recovery.ts there) as the replay tests read them: decoded, replayed under
// today's workflow code, and searched for the patches and submissions they recorded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

const { History } = proto.temporal.api.history.v1;

export const fixture = (name: string) =>
  History.decode(readFileSync(new URL(`../fixtures/histories/${name}.binpb`, import.meta.url)));

/** Replays the histories under today's workflow code: each one, without a nondeterminism error. */
export async function replaysCleanly(
  histories: { workflowId: string; history: ReturnType<typeof History.decode> }[],
  expected: number,
): Promise<void> {
  const results = [];
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)) },
    histories,
  )) {
    results.push(result);
  }
  assert.equal(results.length, expected);
  for (const r of results) assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
}

/** The patches a history recorded: core_patch markers, whose details hold {"id": <patch>}. */
export function patchesOf(history: proto.temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) =>
    e.markerRecordedEventAttributes?.markerName === 'core_patch'
      ? Object.values(e.markerRecordedEventAttributes.details ?? {}).flatMap((d) =>
          (d.payloads ?? []).map(
            (p) => (JSON.parse(Buffer.from(p.data ?? []).toString()) as { id: string }).id,
          ),
        )
      : [],
  );
}

/** The input of every submitBackup and submitRestore the history scheduled. */
export function submissionsOf(history: proto.temporal.api.history.v1.IHistory): Record<string, unknown>[] {
  return (history.events ?? []).flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes;
    const name = scheduled?.activityType?.name;
    const payload = scheduled?.input?.payloads?.[0];
    if ((name !== 'submitBackup' && name !== 'submitRestore') || !payload) return [];
    return [JSON.parse(Buffer.from(payload.data ?? []).toString()) as Record<string, unknown>];
  });
}
