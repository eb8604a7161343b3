// How long the watch waits before reading its operations again. Every `pollIntervalMs` as a rule; but
// when an operation's own pace (its progress over the time it has run) says it ends sooner, the next
// read is timed for that moment, no sooner than MIN_POLL_MS. So an end is seen within a fraction of
// the interval, at the cost of a few extra reads near the end of each operation, never during it.
import type { Operation } from '../src/icarus/types.js';

export const MIN_POLL_MS = 200;

export function nextPollDelay(
  ops: readonly (Operation | undefined)[],
  now: number,
  pollIntervalMs: number,
): number {
  let delay = pollIntervalMs;
  for (const op of ops) {
    if (!op || op.state !== 'RUNNING' || !op.startTime) continue;
    const p = op.progress;
    const elapsed = now - Date.parse(op.startTime);
    if (!(p > 0 && p < 1) || !(elapsed > 0)) continue;
    const remaining = (elapsed * (1 - p)) / p;
    delay = Math.min(delay, remaining);
  }
  return Math.round(Math.max(Math.min(MIN_POLL_MS, pollIntervalMs), delay));
}
