// k8s/monitoring checked by Prometheus's own tool: `promtool check rules` reads the PrometheusRule's groups
// as Prometheus loads them, `promtool test rules` evaluates the alerts on input series (fixtures/), the
// documented overlay changes the maximum backup age, and the Grafana dashboard is JSON whose queries
// promtool parses. promtool is built once from the Go module proxy (dev/stack/promtool.ts) or taken
// from PROMTOOL_PATH. test/monitoring/metrics.test.ts checks the names against a real /metrics.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { before, test } from 'node:test';
import { resolvePromtool } from '../../dev/stack/promtool.js';
import { repoRoot } from '../../dev/stack/repo.js';
import {
  dashboard,
  dashboardQueries,
  MONITORING_DIR,
  renderedOfKind,
  ruleGroups,
  ruleGroupsOf,
  runTool,
  variableSelectors,
  withoutGrafanaVariables,
  writeRulesFile,
  type RuleGroup,
} from '../support/monitoring.js';

const fixtures = join(repoRoot, 'test', 'monitoring', 'fixtures');
const kubectl = process.env.KUBECTL ?? 'kubectl';
let promtool = '';
let work = '';

before(async () => {
  promtool = (await resolvePromtool()).path;
  work = mkdtempSync(join(tmpdir(), 'cbo-rules-'));
});

/** The groups as a rules file in a folder of their own, with the promtool tests given. */
function rulesDir(name: string, groups: RuleGroup[], tests: string[] = []): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeRulesFile(join(dir, 'rules.yaml'), groups);
  for (const t of tests) copyFileSync(join(fixtures, t), join(dir, t));
  return dir;
}

test('promtool is Prometheus 3 (the pinned build, or PROMTOOL_PATH)', async () => {
  const { code, stdout, stderr } = await runTool(promtool, ['--version']);
  assert.equal(code, 0, stderr);
  assert.match(`${stdout}${stderr}`, /promtool, version 3\.\d+\.\d+/);
});

test('promtool check rules accepts the PrometheusRule’s groups, and refuses a broken expression', async () => {
  const groups = ruleGroups();
  const dir = rulesDir('check', groups);
  const ok = await runTool(promtool, ['check', 'rules', 'rules.yaml'], dir);
  assert.equal(ok.code, 0, `${ok.stdout}${ok.stderr}`);
  const rules = groups.flatMap((g) => g.rules).length;
  assert.match(ok.stdout, new RegExp(`SUCCESS: ${rules} rules found`));

  // The same check on a copy with one expression broken: the checker really parses them.
  const broken = structuredClone(groups);
  const alert = broken[0]?.rules.find((r) => r.alert === 'CassandraClusterBackupFailed');
  assert.ok(alert);
  alert.expr = `${alert.expr} >`;
  const bad = await runTool(promtool, ['check', 'rules', 'rules.yaml'], rulesDir('broken', broken));
  assert.equal(bad.code, 1);
  assert.match(`${bad.stdout}${bad.stderr}`, /FAILED/);
});

test('promtool test rules: each alert fires on the series it is for, and only then', async () => {
  const dir = rulesDir('unit', ruleGroups(), ['alerts.promtest.yaml']);
  const { code, stdout, stderr } = await runTool(promtool, ['test', 'rules', 'alerts.promtest.yaml'], dir);
  assert.equal(code, 0, `${stdout}${stderr}`);
  assert.match(stdout, /SUCCESS/);
});

test('the maximum backup age is one number: the overlay docs/observability.md shows makes it 36 h', async () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'observability.md'), 'utf8');
  const overlay = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .find((y) => y.includes('cassandra_operator:backup_max_age_seconds') || y.includes('/rules/0/expr'));
  assert.ok(overlay, 'docs/observability.md shows the overlay that changes the age');
  const dir = join(work, 'overlay');
  mkdirSync(dir, { recursive: true });
  // The docs' overlay sits beside k8s/: here its base is the repository's k8s/monitoring.
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    overlay.replace('../k8s/monitoring', relative(dir, MONITORING_DIR)),
  );
  const rendered = await runTool(kubectl, ['kustomize', dir]);
  assert.equal(rendered.code, 0, rendered.stderr);
  const groups = ruleGroupsOf(rendered.stdout);
  assert.equal(groups[0]?.rules[0]?.record, 'cassandra_operator:backup_max_age_seconds');
  assert.equal(groups[0]?.rules[0]?.expr, 'vector(129600)');
  const tested = rulesDir('age-36h', groups, ['age-36h.promtest.yaml']);
  const { code, stdout, stderr } = await runTool(
    promtool,
    ['test', 'rules', 'age-36h.promtest.yaml'],
    tested,
  );
  assert.equal(code, 0, `${stdout}${stderr}`);
});

test('every alert has a severity, a summary, and a description that names its entry in docs/troubleshooting.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'troubleshooting.md'), 'utf8');
  const anchors = new Set(
    [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
      (m[1] ?? '')
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  const alerts = ruleGroups()
    .flatMap((g) => g.rules)
    .filter((r) => r.alert);
  assert.ok(alerts.length >= 7, `${alerts.length} alerts`);
  for (const rule of alerts) {
    assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, `${rule.alert}: severity`);
    assert.ok(rule.annotations?.summary, `${rule.alert}: summary`);
    const anchor = `docs/troubleshooting.md#${rule.alert?.toLowerCase()}`;
    assert.ok(rule.annotations?.description?.includes(anchor), `${rule.alert}: description names ${anchor}`);
    assert.ok(
      anchors.has(rule.alert?.toLowerCase() ?? ''),
      `docs/troubleshooting.md has a heading ${rule.alert}`,
    );
  }
});

test('the Grafana dashboard is JSON whose queries and variables are PromQL that promtool parses', async () => {
  const d = dashboard();
  assert.equal(d.uid, 'cassandra-backup-operator');
  const queries = [
    ...dashboardQueries(d).map((q) => ({ where: `panel "${q.panel}"`, expr: q.expr })),
    ...variableSelectors(d).map((v) => ({ where: `variable ${v.variable}`, expr: v.expr })),
  ];
  assert.ok(queries.length >= 12, `${queries.length} queries`);
  for (const { where, expr } of queries) {
    const plain = withoutGrafanaVariables(expr);
    const { code, stdout, stderr } = await runTool(promtool, ['promql', 'format', '--experimental', plain]);
    assert.equal(code, 0, `${where}: ${plain}\n${stdout}${stderr}`);
  }
  // A broken query is refused: the parse is real.
  const bad = await runTool(promtool, ['promql', 'format', '--experimental', 'sum by (kind (up)']);
  assert.notEqual(bad.code, 0);
});

test('kubectl kustomize k8s/monitoring: the rule, a ServiceMonitor on k8s/deploy’s metrics Service, the dashboard ConfigMap', async () => {
  const monitoring = await runTool(kubectl, ['kustomize', MONITORING_DIR]);
  assert.equal(monitoring.code, 0, monitoring.stderr);
  assert.deepEqual(ruleGroupsOf(monitoring.stdout), ruleGroups());

  const [configMap] = renderedOfKind<{
    metadata: { namespace: string; labels: Record<string, string> };
    data: Record<string, string>;
  }>(monitoring.stdout, 'ConfigMap');
  assert.equal(configMap?.metadata.labels.grafana_dashboard, '1');
  assert.equal(
    configMap?.data['grafana-dashboard.json'],
    readFileSync(join(MONITORING_DIR, 'grafana-dashboard.json'), 'utf8'),
  );

  const [monitor] = renderedOfKind<{
    metadata: { namespace: string };
    spec: {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; honorLabels: boolean }[];
    };
  }>(monitoring.stdout, 'ServiceMonitor');
  const deploy = await runTool(kubectl, ['kustomize', join(repoRoot, 'k8s', 'deploy')]);
  assert.equal(deploy.code, 0, deploy.stderr);
  const [service] = renderedOfKind<{
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: { ports: { name: string }[] };
  }>(deploy.stdout, 'Service');
  assert.ok(monitor && service);
  assert.equal(monitor.metadata.namespace, service.metadata.namespace);
  for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels))
    assert.equal(service.metadata.labels[k], v, `the Service has the selected label ${k}`);
  assert.deepEqual(
    monitor.spec.endpoints.map((e) => [e.port, e.honorLabels]),
    [[service.spec.ports[0]?.name, true]],
  );
  // The down alert's job is the Service's name, as a ServiceMonitor names its job.
  const down = ruleGroups()
    .flatMap((g) => g.rules)
    .find((r) => r.alert === 'CassandraBackupOperatorDown');
  assert.ok(down?.expr.includes(`job="${service.metadata.name}"`), down?.expr);
});
