// Today's CRD rules for a spec the API server did not check: a resource stored under an older CRD
// without them reaches the operator as it was written. The operator applies the rules of
// ./definitions.ts that match a field against patterns itself, with the API server's own message, so such
// a resource fails with InvalidSpec instead of an odd label selector, snapshot name or Icarus request.
// The rules are read from the definitions, never copied: they cannot drift. Fields that have a reason of
// their own are left to the planning: storageLocation (UnsupportedStorageProtocol,
// InvalidStorageLocation) and duration (InvalidDuration).
import { cassandraBackup, cassandraRestore } from './definitions.js';
import type { CrdDefinition, Rule } from './schema.js';

const LEFT_TO_PLANNING = new Set(['storageLocation', 'duration']);

interface FieldRule {
  field: string;
  /** Whether the field's value keeps the rule. */
  holds(value: unknown): boolean;
  message(value: unknown): string;
}

/** `[self == '' || ]self.matches(r'A')[ || self.matches(r'B')...]`: a string field against patterns. */
const STRING_RULE = /^(self == '' \|\| )?self\.matches\(r'[^']*'\)( \|\| self\.matches\(r'[^']*'\))*$/;
/** `self.all(k, k.matches(r'A') && self[k].matches(r'B'))`: a map's keys and values against patterns. */
const MAP_RULE = /^self\.all\(k, k\.matches\(r'([^']*)'\) && self\[k\]\.matches\(r'([^']*)'\)\)$/;
/** `'text' + self + 'text'`: the messageExpression of the string rules. */
const MESSAGE_EXPRESSION = /^'((?:[^'\\]|\\.)*)' \+ self \+ '((?:[^'\\]|\\.)*)'$/;

/** A pattern JavaScript reads as RE2 does; undefined for syntax it lacks (then the rule is not applied). */
function pattern(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

function messageOf(rule: Rule): (value: unknown) => string {
  const expression = rule.messageExpression ? MESSAGE_EXPRESSION.exec(rule.messageExpression) : null;
  if (expression) {
    const unescape = (s: string | undefined) => (s ?? '').replace(/\\(.)/g, '$1');
    return (value) => `${unescape(expression[1])}${String(value)}${unescape(expression[2])}`;
  }
  return () => rule.message ?? `does not keep the rule ${rule.rule}`;
}

function fieldRule(field: string, rule: Rule): FieldRule | undefined {
  const message = messageOf(rule);
  if (STRING_RULE.test(rule.rule)) {
    const patterns = [...rule.rule.matchAll(/self\.matches\(r'([^']*)'\)/g)].map((m) => pattern(m[1] ?? ''));
    if (patterns.some((p) => !p)) return undefined;
    const allowEmpty = rule.rule.startsWith("self == '' ||");
    return {
      field,
      holds: (v) => typeof v !== 'string' || (allowEmpty && v === '') || patterns.some((p) => p?.test(v)),
      message,
    };
  }
  const map = MAP_RULE.exec(rule.rule);
  if (map) {
    const [keys, values] = [pattern(map[1] ?? ''), pattern(map[2] ?? '')];
    if (!keys || !values) return undefined;
    return {
      field,
      holds: (v) =>
        typeof v !== 'object' ||
        v === null ||
        Object.entries(v).every(([k, x]) => keys.test(k) && typeof x === 'string' && values.test(x)),
      message,
    };
  }
  return undefined;
}

function rulesOf(def: CrdDefinition): FieldRule[] {
  return Object.entries(def.spec.properties ?? {})
    .filter(([field]) => !LEFT_TO_PLANNING.has(field))
    .flatMap(([field, schema]) =>
      (schema['x-kubernetes-validations'] ?? [])
        .filter((r) => !r.rule.includes('oldSelf'))
        .flatMap((r) => fieldRule(field, r) ?? []),
    );
}

/** The field rules the operator applies itself, per kind. */
export const specFieldRules = {
  CassandraBackup: rulesOf(cassandraBackup),
  CassandraRestore: rulesOf(cassandraRestore),
};

/** `spec.<field>: <the CRD's message>` for every rule the spec breaks; empty when it keeps them all. */
export function specRuleProblems(kind: keyof typeof specFieldRules, spec: Record<string, unknown>): string[] {
  return specFieldRules[kind]
    .filter((r) => spec[r.field] !== undefined && spec[r.field] !== null && !r.holds(spec[r.field]))
    .map((r) => `spec.${r.field}: ${r.message(spec[r.field])}`);
}
