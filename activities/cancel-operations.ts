// The cancelOperations activity: Icarus's DELETE only raises a flag, so cancelling asks every node, then
// waits until its operation has ended, up to a grace period.
import { Context } from '@temporalio/activity';
import { IcarusOperationLostError, IcarusError } from '../src/icarus/errors.js';
import type { Operation } from '../src/icarus/types.js';
import { finishedStates } from '../src/icarus/types.js';
import type { CancelResult } from '../src/contract/activity-io.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { ActivityDeps } from './deps.js';

export interface CancelInput {
  resource: ResourceKey;
  operations: { pod: string; icarusUrl: string; operationId: string }[];
  graceMs: number;
  pollIntervalMs: number;
}

/**
 * Icarus's DELETE only raises a flag (a rate-limited transfer then fails; other work runs to its end),
 * so cancelling is: ask every node, then wait until its operation has ended, up to `graceMs`.
 */
export async function cancelOperations(deps: ActivityDeps, input: CancelInput): Promise<CancelResult> {
  const ctx = Context.current();
  const outcomes: Record<string, string> = {};
  await Promise.all(
    input.operations.map(async (o) => {
      try {
        await deps.icarus(o.icarusUrl).cancelOperation(o.operationId);
      } catch (err) {
        if (err instanceof IcarusOperationLostError) outcomes[o.pod] = 'LOST';
        else if (!(err instanceof IcarusError)) throw err;
      }
    }),
  );
  const until = Date.now() + input.graceMs;
  let waiting = input.operations.filter((o) => !outcomes[o.pod]);
  while (waiting.length > 0) {
    const states = await Promise.all(
      waiting.map(async (o): Promise<string | undefined> => {
        try {
          const op = await deps.icarus(o.icarusUrl).getOperation(o.operationId);
          return op.state;
        } catch (err) {
          if (err instanceof IcarusOperationLostError) return 'LOST';
          if (err instanceof IcarusError) return undefined;
          throw err;
        }
      }),
    );
    waiting.forEach((o, i) => {
      const state = states[i];
      if (state && (state === 'LOST' || finishedStates.has(state as Operation['state'])))
        outcomes[o.pod] = state;
    });
    waiting = waiting.filter((o) => !outcomes[o.pod]);
    ctx.heartbeat({ waiting: waiting.map((o) => o.pod) });
    if (waiting.length === 0) break;
    if (Date.now() >= until) {
      for (const o of waiting) outcomes[o.pod] = 'ABANDONED';
      break;
    }
    await new Promise((r) => setTimeout(r, input.pollIntervalMs));
  }
  deps.logger.info({ ...input.resource, outcomes }, 'Cancelled the Icarus operations');
  return { outcomes };
}
