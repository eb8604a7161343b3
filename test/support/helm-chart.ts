// The Helm chart's files as the tests read them: its values as the environment the ConfigMap gives the
// operator, the keys its values table must name, and markdown tables of the docs.

/** The chart, relative to the repository's root. */
export const CHART_DIR = 'charts/cassandra-backup-operator';

/** The part of JSON Schema values.schema.json uses. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean;
}

/** The values a schema allows, when it lists them (an enum, or several under anyOf). */
export function allowedValues(schema: JsonSchema): unknown[] | undefined {
  if (schema.enum) return schema.enum;
  const lists = schema.anyOf?.map(allowedValues);
  return lists?.every((l) => l !== undefined) ? lists.flat() : undefined;
}

/**
 * The environment the chart's ConfigMap holds for `config` values, as templates/_helpers.tpl renders
 * each (a list joined with commas, numbers and booleans as they print), without the empty ones.
 */
export function chartEnv(config: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (text !== '') env[key] = text;
  }
  return env;
}

/** KEY=VALUE lines, as kustomize's configMapGenerator reads k8s/deploy/operator.env. */
export function operatorEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  return env;
}

/**
 * The keys of the values a user sets, as the values table documents them: down through every object
 * the schema describes property by property; an object the schema leaves free (resources, probes,
 * annotations) is one value.
 */
export function valueKeys(schema: JsonSchema, values: Record<string, unknown>, prefix = ''): string[] {
  return Object.keys(values).flatMap((key) => {
    const node = schema.properties?.[key];
    const path = prefix + key;
    return node?.properties ? valueKeys(node, values[key] as Record<string, unknown>, `${path}.`) : [path];
  });
}

/** The body rows of the first markdown table in `text`, each as its trimmed cells (`\|` is a pipe). */
export function markdownTable(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start + 2, end < 0 ? undefined : end).map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replaceAll('\\|', '|')),
  );
}
