// Waits for an Icarus operation to end (COMPLETED, FAILED or CANCELLED), polling it, with a deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import type { IcarusClient } from '../../src/icarus/client.js';
import { finishedStates, type Operation } from '../../src/icarus/types.js';

export async function operationEnd(client: IcarusClient, id: string, timeoutMs: number): Promise<Operation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const op = await client.getOperation(id);
    if (finishedStates.has(op.state)) return op;
    if (Date.now() > deadline) throw new Error(`operation ${id} still ${op.state} after ${timeoutMs} ms`);
    await sleep(100);
  }
}
