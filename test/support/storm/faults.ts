// The storm's faults: a plan drawn from the seed (when, what, for how long), then each fault struck as a
// SIGKILL of the operator, of the Temporal dev server or of kube-apiserver, or a restart of one simulated
// Icarus sidecar, which forgets its operations. A quarter of the faults are two at once. An Icarus restart
// (half of all faults) aims, as an adversary would, at a kind of work: a backup, a topology upload or a
// restore phase, drawn from a shuffled deck that holds TRUNCATE and the topology upload twice. It waits up
// to 20 s for that work to run, then restarts a node running it (else a node running anything, else any
// node). So short, rare phases such as TRUNCATE are struck as surely as long backups.
import type { Stack } from '../../../dev/stack/index.js';
import type { PodCluster } from '../cassandra-pods.js';
import type { StormOperator } from './operator.js';
import { shuffle, type Random } from './random.js';

export const FAULT_KINDS = ['operator', 'temporal', 'kube-apiserver', 'icarus'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How often each kind is drawn: a sidecar restart is the commonest fault of a real cluster. */
const WEIGHTS: Record<FaultKind, number> = {
  operator: 0.5 / 3,
  temporal: 0.5 / 3,
  'kube-apiserver': 0.5 / 3,
  icarus: 0.5,
};

/** The kinds of work an Icarus restart aims at. */
export const WORK_KINDS = ['backup', 'topology upload', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'];
/**
 * The deck the aims are drawn from, reshuffled when used up: the work that must never simply be sent
 * again (a TRUNCATE, the topology upload that ends a backup) twice.
 */
const AIM_DECK = [...WORK_KINDS, 'topology upload', 'TRUNCATE'];
/** How long an Icarus restart lies in wait for the kind of work it aims at. */
const AIM_WAIT_MS = 20_000;

export interface PlannedFault {
  /** From the start of the storm. */
  atMs: number;
  kinds: FaultKind[];
  /** How long a restarted Temporal or Icarus stays down. */
  downMs: Record<'temporal' | 'icarus', number>;
  /** The kind of work an Icarus restart aims at (each kind in turn, in a seeded order). */
  aim: string;
  /** Draws for the Icarus target: which kind of work in flight when the aim is not, then which node. */
  pick: [number, number];
}

export interface FaultPlanOptions {
  durationMs: number;
  minGapMs?: number;
  maxGapMs?: number;
  /** Chance that a fault is two kinds at once. */
  pairChance?: number;
}

/** Faults at random 2–20 s intervals over the storm, a quarter of them two at once. Pure: same seed, same plan. */
export function planFaults(random: Random, opts: FaultPlanOptions): PlannedFault[] {
  const { durationMs, minGapMs = 2000, maxGapMs = 20_000, pairChance = 0.25 } = opts;
  const faults: PlannedFault[] = [];
  let deck: string[] = [];
  for (let at = random.int(minGapMs, maxGapMs); at < durationMs; at += random.int(minGapMs, maxGapMs)) {
    const first = drawKind(random);
    const kinds: FaultKind[] = [first];
    if (random.chance(pairChance)) {
      let second = drawKind(random);
      while (second === first) second = drawKind(random);
      kinds.push(second);
    }
    if (deck.length === 0) deck = shuffle(random, AIM_DECK);
    faults.push({
      atMs: at,
      kinds,
      aim: kinds.includes('icarus') ? (deck.shift() ?? 'backup') : '',
      downMs: { temporal: random.int(0, 3000), icarus: random.int(200, 2000) },
      pick: [random.next(), random.next()],
    });
  }
  return faults;
}

function drawKind(random: Random): FaultKind {
  let x = random.next();
  for (const kind of FAULT_KINDS) {
    x -= WEIGHTS[kind];
    if (x < 0) return kind;
  }
  return 'icarus';
}

export interface StruckFault {
  atMs: number;
  kinds: FaultKind[];
  /** What was struck: "Icarus 127.251.3.2 (TRUNCATE)", "temporal down 1.2 s" ... */
  what: string[];
  lastedMs: number;
  /** The fault could not be made or the process did not come back. */
  error?: string;
}

export interface FaultTargets {
  stack: Stack;
  operator: StormOperator;
  clusters: PodCluster[];
}

/** What a node runs now: its accepted operations since its last restart that have not ended. */
export function workInFlight(
  clusters: PodCluster[],
): { kind: string; address: string; node: PodCluster['cluster']['nodes'][number] }[] {
  return clusters.flatMap((c) =>
    c.cluster.nodes.flatMap((node) => {
      const sim = node.simulator;
      const since = sim.restarts.at(-1) ?? '';
      const kinds = new Set(
        sim.received
          .filter((r) => r.at > since && sim.operation(r.operationId)?.completionTime === null)
          .map((r) => operationKind(r.type, r.request)),
      );
      return [...kinds].map((kind) => ({
        kind,
        address: node.identity.address,
        node,
      }));
    }),
  );
}

/** backup, topology upload, or the restore phase. */
export function operationKind(type: string, request: Record<string, unknown>): string {
  if (type === 'backup') return request.uploadClusterTopology === true ? 'topology upload' : 'backup';
  if (type === 'restore') return String(request.restorationPhase);
  return type;
}

/** Strikes one planned fault (its kinds at once) and returns when every struck part is back. */
export async function strike(
  fault: PlannedFault,
  targets: FaultTargets,
  startedAt: number,
): Promise<StruckFault> {
  const began = Date.now();
  const what: string[] = [];
  const errors: string[] = [];
  await Promise.all(
    fault.kinds.map(async (kind) => {
      try {
        what.push(await strikeOne(kind, fault, targets));
      } catch (err) {
        errors.push(`${kind}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }),
  );
  return {
    atMs: began - startedAt,
    kinds: fault.kinds,
    what,
    lastedMs: Date.now() - began,
    ...(errors.length ? { error: errors.join('; ') } : {}),
  };
}

async function strikeOne(kind: FaultKind, fault: PlannedFault, targets: FaultTargets): Promise<string> {
  switch (kind) {
    case 'operator':
      await targets.operator.killAndReplace();
      return 'operator SIGKILL';
    case 'temporal':
      await targets.stack.temporal.restart(fault.downMs.temporal, { kill: true });
      return `Temporal SIGKILL, down ${(fault.downMs.temporal / 1000).toFixed(1)} s`;
    case 'kube-apiserver':
      await targets.stack.kube.restartApiserver({ kill: true });
      return 'kube-apiserver SIGKILL';
    case 'icarus': {
      // Lie in wait for the work aimed at (a bounded wait on the simulators, not a fixed sleep).
      const until = Date.now() + AIM_WAIT_MS;
      let busy = workInFlight(targets.clusters);
      while (!busy.some((b) => b.kind === fault.aim) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        busy = workInFlight(targets.clusters);
      }
      const kinds = [...new Set(busy.map((b) => b.kind))].sort();
      const nodes = targets.clusters.flatMap((c) => c.cluster.nodes);
      const at = (xs: unknown[], f: number) => Math.min(xs.length - 1, Math.floor(f * xs.length));
      if (kinds.length === 0) {
        const node = nodes[at(nodes, fault.pick[1])];
        if (!node) throw new Error('no Icarus node to restart');
        await node.simulator.restart(fault.downMs.icarus);
        return `Icarus ${node.identity.address} (idle)`;
      }
      const kindOf = kinds.includes(fault.aim) ? fault.aim : (kinds[at(kinds, fault.pick[0])] ?? '');
      const candidates = busy
        .filter((b) => b.kind === kindOf)
        .sort((a, b) => a.address.localeCompare(b.address));
      const target = candidates[at(candidates, fault.pick[1])];
      if (!target) throw new Error('no Icarus node to restart');
      await target.node.simulator.restart(fault.downMs.icarus);
      return `Icarus ${target.address} (${kindOf})`;
    }
  }
}
