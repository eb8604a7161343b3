// The Helm chart's values against what they must agree with, without helm: every operator variable of
// src/config.ts is a value with k8s/deploy's default, the schema knows exactly those variables and their
// allowed values, and docs/install.md's values table names every key of values.yaml with its default
// (the variables through docs/configuration.md), and nothing else. test/deploy/helm-render.test.ts renders
// the chart with the real helm.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../../src/config.js';
import { repoRoot } from '../../../dev/stack/repo.js';
import {
  allowedValues,
  CHART_DIR,
  chartEnv,
  markdownTable,
  operatorEnvFile,
  valueKeys,
  type JsonSchema,
} from '../../support/helm-chart.js';

const read = (...path: string[]) => readFileSync(join(repoRoot, ...path), 'utf8');
const values = parse(read(CHART_DIR, 'values.yaml')) as Record<string, unknown> & {
  config: Record<string, unknown>;
};
const schema = JSON.parse(read(CHART_DIR, 'values.schema.json')) as JsonSchema;
const variables = Object.keys(configSchema.shape);

test('every operator variable is a value under config, in the order of src/config.ts', () => {
  assert.deepEqual(Object.keys(values.config), variables);
});

test("the chart's default configuration is k8s/deploy's: the operator parses both to the same settings", () => {
  const kustomize = operatorEnvFile(read('k8s', 'deploy', 'operator.env'));
  const chart = chartEnv(values.config);
  // Every variable operator.env sets, the chart sets to the same text; the others are the operator's
  // defaults, written out in values.yaml.
  for (const [key, value] of Object.entries(kustomize)) assert.equal(chart[key] ?? '', value, key);
  assert.deepEqual(loadConfig(chart), loadConfig(kustomize));
});

test('the values schema knows exactly the keys of values.yaml, and under config only the variables', () => {
  const walk = (node: JsonSchema, object: Record<string, unknown>, path: string) => {
    if (!node.properties) return;
    assert.deepEqual(
      Object.keys(node.properties).sort(),
      Object.keys(object).sort(),
      `${path || 'values'}: the schema's properties and values.yaml's keys`,
    );
    for (const [key, child] of Object.entries(node.properties))
      walk(child, object[key] as Record<string, unknown>, path ? `${path}.${key}` : key);
  };
  walk(schema, values, '');
  assert.equal(schema.properties?.config?.additionalProperties, false, 'a mistyped variable is refused');
});

test("the schema's allowed values of a variable are the operator's, no more and no fewer", () => {
  const properties = schema.properties?.config?.properties ?? {};
  const enums = Object.entries(properties).filter(([, p]) => allowedValues(p));
  assert.deepEqual(enums.map(([k]) => k).sort(), ['ICARUS_GENERATION', 'LOG_LEVEL', 'OPERATOR_RUN']);
  for (const [key, property] of enums) {
    // A YAML number (ICARUS_GENERATION: 3) reaches the ConfigMap as its text.
    const allowed = [...new Set((allowedValues(property) ?? []).map(String))].sort();
    assert.deepEqual(allowed, [...operatorEnum(key)].sort(), key);
    for (const value of allowed) assert.doesNotThrow(() => loadConfig({ [key]: value }), `${key}=${value}`);
    assert.throws(() => loadConfig({ [key]: 'nonsense' }), new RegExp(key));
  }
});

test("docs/install.md's values table names every key of values.yaml with its default, and nothing else", () => {
  const install = read('docs', 'install.md');
  const section = install.slice(install.indexOf('### Chart values'));
  const rows = markdownTable(section);
  const documented = new Map(rows.map((r) => [unquote(r[0] ?? ''), r[1] ?? '']));
  const keys = valueKeys(schema, values);
  // config.<VARIABLE> stands for the variables, which docs/configuration.md lists one by one.
  const configuration = new Map(
    markdownTable(read('docs', 'configuration.md')).map((r) => [unquote(r[0] ?? ''), r[1] ?? '']),
  );
  assert.deepEqual([...configuration.keys()], variables, 'docs/configuration.md lists every variable');
  assert.ok(documented.has('config.<VARIABLE>'));
  for (const key of keys) {
    const variable = key.startsWith('config.') ? key.slice('config.'.length) : undefined;
    assert.ok(
      documented.has(key) || (variable && configuration.has(variable)),
      `${key} is in values.yaml but not in the values table of docs/install.md`,
    );
  }
  for (const key of documented.keys())
    if (key !== 'config.<VARIABLE>')
      assert.ok(keys.includes(key), `docs/install.md documents ${key}, which values.yaml does not have`);

  // The defaults: a row's default cell is the value in YAML, a variable's default is configuration.md's
  // unless its own row in install.md says otherwise.
  const chart = chartEnv(values.config);
  for (const key of keys) {
    const cell = documented.get(key);
    const variable = key.startsWith('config.') ? key.slice('config.'.length) : undefined;
    if (cell !== undefined) {
      assert.deepEqual(
        parse(unquote(cell)),
        valueAt(values, key),
        `the default of ${key} in docs/install.md`,
      );
    } else if (variable) {
      assert.equal(chart[variable] ?? '', unquote(configuration.get(variable) ?? ''), key);
    }
  }
});

test("the chart's appVersion is the operator's version and k8s/deploy's image tag", () => {
  const chart = parse(read(CHART_DIR, 'Chart.yaml')) as { appVersion: string; version: string };
  const pkg = JSON.parse(read('package.json')) as { version: string };
  const kustomization = parse(read('k8s', 'deploy', 'kustomization.yaml')) as {
    images: { newTag: string }[];
  };
  assert.equal(chart.appVersion, pkg.version);
  assert.equal(kustomization.images[0]?.newTag, pkg.version);
});

/** A markdown cell without its backticks (a cell that is one code span). */
function unquote(cell: string): string {
  const m = /^`([^`]*)`$/.exec(cell);
  return m ? (m[1] ?? '') : cell;
}

function valueAt(object: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], object);
}

/** The values an enum variable of src/config.ts accepts, looking through default, pipe and transform. */
function operatorEnum(key: string): string[] {
  interface Def {
    entries?: Record<string, string>;
    innerType?: { _zod: { def: Def } };
    in?: { _zod: { def: Def } };
  }
  let def = (configSchema.shape[key as keyof typeof configSchema.shape] as unknown as { _zod: { def: Def } })
    ._zod.def;
  while (!def.entries) {
    const inner = def.innerType ?? def.in;
    assert.ok(inner, `${key} is no enum`);
    def = inner._zod.def;
  }
  return Object.values(def.entries);
}
