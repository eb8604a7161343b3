// k8s/monitoring as the tests read it: the PrometheusRule's rule groups (what `promtool` takes), the
// Grafana dashboard's queries, the metric names a PromQL expression reads, and the names an operator's
// /metrics holds.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../../dev/stack/repo.js';

export const MONITORING_DIR = join(repoRoot, 'k8s', 'monitoring');

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

interface PrometheusRule {
  kind: string;
  spec: { groups: RuleGroup[] };
}

/** The rule groups of a PrometheusRule in YAML text (the one document of kind PrometheusRule). */
export function ruleGroupsOf(yamlText: string): RuleGroup[] {
  const rules = parseAllDocuments(yamlText)
    .map((d) => d.toJS() as PrometheusRule)
    .filter((d) => d.kind === 'PrometheusRule');
  if (rules.length !== 1) throw new Error(`expected one PrometheusRule, found ${rules.length}`);
  return rules[0]?.spec.groups ?? [];
}

/** The rule groups of k8s/monitoring/prometheus-rule.yaml. */
export function ruleGroups(): RuleGroup[] {
  return ruleGroupsOf(readFileSync(join(MONITORING_DIR, 'prometheus-rule.yaml'), 'utf8'));
}

/** A plain Prometheus rules file (`groups:`), as `promtool` and Prometheus's rule_files read it. */
export function writeRulesFile(path: string, groups: RuleGroup[]): void {
  writeFileSync(path, stringify({ groups }));
}

interface Panel {
  type: string;
  title?: string;
  panels?: Panel[];
  targets?: { expr?: string }[];
}

export interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query?: string } }[] };
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(join(MONITORING_DIR, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
}

/** Every panel's query, with the panel's title (rows' nested panels too). */
export function dashboardQueries(d: Dashboard): { panel: string; expr: string }[] {
  const walk = (panels: Panel[]): { panel: string; expr: string }[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).flatMap((t) => (t.expr ? [{ panel: p.title ?? p.type, expr: t.expr }] : [])),
      ...walk(p.panels ?? []),
    ]);
  return walk(d.panels);
}

/** The PromQL inside the dashboard's query variables: `label_values(<selector>, <label>)`. */
export function variableSelectors(d: Dashboard): { variable: string; expr: string }[] {
  return d.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const m = /^label_values\((.+),\s*\w+\)$/.exec(query);
      if (!m?.[1])
        throw new Error(`variable ${v.name}: not a label_values(<selector>, <label>) query: ${query}`);
      return { variable: v.name, expr: m[1] };
    });
}

/** Grafana's variables replaced by values Prometheus takes, so that the query is plain PromQL. */
export function withoutGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?(\w+)\}?/g, '.*');
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: strings, label matchers, ranges and label lists taken out,
 * what remains of the words is a name unless it is called (a function or an aggregation) or a keyword.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' $1 ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?=(\s*)(\(|by\b|without\b)?)/g)) {
    const name = m[1] ?? '';
    const called = m[3] !== undefined;
    const clause = ['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'].includes(name);
    if (!called && !clause && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

/** The metric names that have at least one sample in Prometheus text (comments left out). */
export function sampledNames(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => /^[a-zA-Z_:][\w:]*/.exec(l)?.[0] ?? ''),
  );
}

/** The value of one series in Prometheus text (labels in the order prom-client writes them). */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const execFileAsync = promisify(execFile);

/** Runs a tool; its exit code and output, never a throw for a non-zero exit. */
export async function runTool(
  path: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(path, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A YAML document of the kustomize output, by kind. */
export function renderedOfKind<T>(rendered: string, kind: string): T[] {
  return parseAllDocuments(rendered)
    .map((d) => d.toJS() as { kind: string })
    .filter((d) => d.kind === kind) as T[];
}
