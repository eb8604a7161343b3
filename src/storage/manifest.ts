// esop's backup manifest (`<node folder>/manifests/<tag>-<schemaVersion>-<epochMillis>.json`), validated
// where it enters: only what the operator reads from it, the keyspaces and tables it holds and how many
// files and bytes of them a restore downloads.
import { z } from 'zod';

const manifestSchema = z.looseObject({
  snapshot: z.looseObject({
    keyspaces: z.record(z.string(), z.looseObject({ tables: z.record(z.string(), z.unknown()) })),
  }),
});

const entrySchema = z.looseObject({ objectKey: z.string(), size: z.number().nonnegative().optional() });
const summarySchema = z.looseObject({
  tokens: z.array(z.string()).optional(),
  snapshot: z.looseObject({
    keyspaces: z.record(
      z.string(),
      z.looseObject({
        tables: z.record(
          z.string(),
          z.looseObject({ sstables: z.record(z.string(), z.array(entrySchema)).optional() }),
        ),
      }),
    ),
  }),
});

/** The keyspaces esop never restores (KeyspaceTable.classifyKeyspace: SYSTEM). */
export const SYSTEM_KEYSPACES: ReadonlySet<string> = new Set([
  'system',
  'system_distributed',
  'system_traces',
  'system_auth',
  'system_schema',
]);

export class ManifestFormatError extends Error {
  override name = 'ManifestFormatError';
}

/** What a restore of a node downloads from its manifest: how many files, how many bytes. */
export interface ManifestFiles {
  files: number;
  bytes: number;
}

/**
 * The SSTable component files a manifest lists outside the system keyspaces, and the sum of their sizes
 * (what a restore of the node downloads: esop's Manifest.getManifestFiles, every table `selected`
 * keeps, all by default); and the node's tokens, which DOWNLOAD requires the restoring node to own.
 */
export function manifestSummary(
  json: string,
  name: string,
  selected: (table: string) => boolean = () => true,
): ManifestFiles & { tokens: string[] } {
  const data = parseManifest(json, name, summarySchema);
  let files = 0;
  let bytes = 0;
  for (const [ks, { tables }] of Object.entries(data.snapshot.keyspaces)) {
    if (SYSTEM_KEYSPACES.has(ks)) continue;
    for (const [t, table] of Object.entries(tables)) {
      if (!selected(`${ks}.${t}`)) continue;
      for (const entries of Object.values(table.sstables ?? {})) {
        files += entries.length;
        for (const e of entries) bytes += e.size ?? 0;
      }
    }
  }
  return { files, bytes, tokens: data.tokens ?? [] };
}

/**
 * Which tables a restore's `entities` selects (esop's rule): every table when empty, the keyspaces it
 * names, or the `ks.table`s it names.
 */
export function entitiesSelector(entities: string): (table: string) => boolean {
  const items = entities
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (items.length === 0) return () => true;
  return (table) => items.includes(table) || items.includes(table.split('.')[0] ?? '');
}

function parseManifest<T>(json: string, name: string, schema: z.ZodType<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ManifestFormatError(`manifest ${name} is not JSON: ${(err as Error).message}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new ManifestFormatError(
      `manifest ${name} is not an esop manifest: ${result.error.issues[0]?.message ?? 'unexpected shape'}`,
    );
  }
  return result.data;
}

/** `ks.table` of every table the manifest holds outside the system keyspaces, sorted. */
export function manifestTables(json: string, name: string): string[] {
  const data = parseManifest(json, name, manifestSchema);
  return Object.entries(data.snapshot.keyspaces)
    .filter(([ks]) => !SYSTEM_KEYSPACES.has(ks))
    .flatMap(([ks, { tables }]) => Object.keys(tables).map((t) => `${ks}.${t}`))
    .sort();
}

/**
 * The manifest esop restores from, among a node folder's object names: those whose path contains
 * `manifests/<snapshotTag>` (a full tag, or a prefix of one), the newest by the epoch millis that end
 * the name (esop's Manifest.parseLatestManifest). Undefined when none matches.
 */
export function latestManifest(keys: readonly string[], snapshotTag: string): string | undefined {
  const millis = (key: string) => Number(/-(\d+)\.json$/.exec(key)?.[1] ?? -1);
  return keys
    .filter((k) => k.includes(`manifests/${snapshotTag}`) && k.endsWith('.json'))
    .sort((a, b) => millis(b) - millis(a))[0];
}
