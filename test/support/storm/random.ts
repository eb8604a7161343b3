// The storm's only source of chance: a small seeded PRNG (mulberry32), so that a seed names a storm. Each
// part of the storm (the faults, the load, each person's reactions) draws from its own stream, forked by
// name, so one part drawing more or less does not shift what another does.
import { randomInt } from 'node:crypto';

export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** An independent stream for one part of the storm. */
  fork(label: string): Random;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick(items) {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    chance: (p) => next() < p,
    fork: (label) => seededRandom((seed ^ hash(label)) >>> 0),
  };
  return random;
}

/** FNV-1a: a label's stream. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A fresh seed, for a storm nobody asked a seed of. */
export function newSeed(): number {
  return randomInt(1, 2 ** 31 - 1);
}

/** `--seed 1234` or STORM_SEED=1234: a whole number from 0 to 2^32 - 1, else an error that says so. */
export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff)
    throw new Error(`a storm seed is a whole number from 0 to 4294967295; got "${text}"`);
  return Number(text);
}

/** Fisher–Yates with the storm's random. */
export function shuffle<T>(random: Random, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const k = random.int(0, i);
    [out[i], out[k]] = [out[k] as T, out[i] as T];
  }
  return out;
}
