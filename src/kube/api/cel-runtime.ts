// What the CEL rules of the CRDs need at run time: the operations the generated predicates of
// ./generated-rules.ts call (written by `npm run gen:api`, translated from CEL by dev/codegen/cel.ts), with
// CEL's semantics where JavaScript's differ, and `violations`, which applies rules to a resource the way
// the API server does. Nothing here reads a rule's text: each rule arrives as a JavaScript function.
//
// Semantics kept from CEL: `&&` and `||` are commutative over errors (a false / true side decides even
// when the other fails), `all` and `exists` likewise; selecting an absent field is an error, `has()` tests
// presence; `==` compares lists and maps by value; operators take only the types CEL gives them
// overloads for, anything else is an error; strings are sequences of code points (`size`, `<`).

/** One x-kubernetes-validations rule, as generated from src/kube/api/definitions.ts. */
export interface CelRule {
  /** Where the rule sits: property names from the object's root, `*` for each item of a list or value of a map. */
  path: readonly string[];
  /** The CEL source, as in the CRD. */
  rule: string;
  /** Reads oldSelf: evaluated only on an update, and only where the old object has a value too. */
  transition: boolean;
  /** The rule: true when the value keeps it; anything else (or a throw) is a violation. */
  holds: (self: unknown, oldSelf: unknown) => unknown;
  message?: string;
  messageExpression?: (self: unknown) => unknown;
  /** Relative path the API server reports the violation at (`.field`), when the rule says so. */
  fieldPath?: string;
  reason?: string;
}

export interface Violation {
  rule: CelRule;
  /** Where, as the API server writes it: `spec.schedules[1]`, `spec.rename[ks.t]`, '' for the root. */
  path: string;
  message: string;
}

class CelError extends Error {}

const noOverload = (op: string, ...args: unknown[]) =>
  new CelError(`no such overload: ${op}(${args.map(typeName).join(', ')})`);

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null_type';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const present = (m: Record<string, unknown>, key: string) =>
  Object.hasOwn(m, key) && m[key] !== undefined && m[key] !== null;

/** `has(m.field)`. */
export function has(m: unknown, field: string): boolean {
  if (!isMap(m)) throw noOverload('has', m);
  return present(m, field);
}

/** `m.field`: an error when the field is absent. */
export function get(m: unknown, field: string): unknown {
  if (!isMap(m)) throw noOverload('_._', m);
  if (!present(m, field)) throw new CelError(`no such key: ${field}`);
  return m[field];
}

/** `x[i]`: a list's item or a map's value. */
export function index(x: unknown, i: unknown): unknown {
  if (Array.isArray(x) && typeof i === 'number' && Number.isInteger(i)) {
    if (i < 0 || i >= x.length) throw new CelError(`index out of bounds: ${i}`);
    return x[i] as unknown;
  }
  if (isMap(x) && typeof i === 'string') return get(x, i);
  throw noOverload('_[_]', x, i);
}

/** `size(x)`: code points of a string, items of a list, entries of a map. */
export function size(x: unknown): number {
  if (typeof x === 'string') return [...x].length;
  if (Array.isArray(x)) return x.length;
  if (isMap(x)) return Object.keys(x).length;
  throw noOverload('size', x);
}

/** `s.matches(re)`: `re` is the RE2 pattern translated at generation time (flag `u`, no `g`). */
export function matches(s: unknown, re: RegExp): boolean {
  if (typeof s !== 'string') throw noOverload('matches', s);
  return re.test(s);
}

export function startsWith(s: unknown, prefix: unknown): boolean {
  if (typeof s !== 'string' || typeof prefix !== 'string') throw noOverload('startsWith', s, prefix);
  return s.startsWith(prefix);
}

/** `a + b`: strings, numbers or lists, both of one kind. */
export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...(a as unknown[]), ...(b as unknown[])];
  throw noOverload('_+_', a, b);
}

/** `a == b`: by value; values of different types are unequal. */
export function eq(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return a == null && b == null;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => eq(x, b[i]));
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const keys = Object.keys(a).filter((k) => present(a, k));
    return (
      keys.length === Object.keys(b).filter((k) => present(b, k)).length && keys.every((k) => eq(a[k], b[k]))
    );
  }
  return a === b;
}

/** -1, 0 or 1 for two ints, doubles, strings (by code point) or bools. */
function compare(op: string, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') {
    const [x, y] = [[...a], [...b]];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
      if (d !== 0) return Math.sign(d);
    }
    return Math.sign(x.length - y.length);
  }
  throw noOverload(op, a, b);
}
export const lt = (a: unknown, b: unknown) => compare('_<_', a, b) < 0;
export const le = (a: unknown, b: unknown) => compare('_<=_', a, b) <= 0;
export const gt = (a: unknown, b: unknown) => compare('_>_', a, b) > 0;
export const ge = (a: unknown, b: unknown) => compare('_>=_', a, b) >= 0;

/** A condition: only a bool is one. */
export function bool(x: unknown): boolean {
  if (typeof x !== 'boolean') throw noOverload('_?_:_', x);
  return x;
}

export function not(x: unknown): boolean {
  if (typeof x !== 'boolean') throw noOverload('!_', x);
  return !x;
}

/** `a || b || ...`: true if any side is true, even when another fails; else the first failure. */
export function or(...sides: (() => unknown)[]): boolean {
  return logical(true, '_||_', sides);
}

/** `a && b && ...`: false if any side is false, even when another fails; else the first failure. */
export function and(...sides: (() => unknown)[]): boolean {
  return logical(false, '_&&_', sides);
}

function logical(decisive: boolean, op: string, sides: (() => unknown)[]): boolean {
  let failure: Error | undefined;
  for (const side of sides) {
    try {
      const v = side();
      if (v === decisive) return decisive;
      if (typeof v !== 'boolean') failure ??= noOverload(op, v);
    } catch (err) {
      failure ??= err instanceof Error ? err : new CelError(String(err));
    }
  }
  if (failure) throw failure;
  return !decisive;
}

/** What `all` and `exists` range over: a list's items, a map's keys. */
function range(x: unknown, macro: string): unknown[] {
  if (Array.isArray(x)) return x;
  if (isMap(x)) return Object.keys(x).filter((k) => present(x, k));
  throw noOverload(macro, x);
}

/** `x.all(v, p)`. */
export function all(x: unknown, p: (v: unknown) => unknown): boolean {
  return logical(
    false,
    'all',
    range(x, 'all').map((v) => () => p(v)),
  );
}

/** `x.exists(v, p)`. */
export function exists(x: unknown, p: (v: unknown) => unknown): boolean {
  return logical(
    true,
    'exists',
    range(x, 'exists').map((v) => () => p(v)),
  );
}

// ---------------------------------------------------------------------------------------------------
// Applying rules to a resource

interface Site {
  value: unknown;
  old: unknown;
  path: string;
}

/** The values a rule's path reaches in the object (and, for transition rules, the old object). */
function sites(path: readonly string[], site: Site): Site[] {
  if (site.value === undefined || site.value === null) return [];
  const [head, ...rest] = path;
  if (head === undefined) return [site];
  const { value, old } = site;
  if (head === '*') {
    // List items are not matched to old ones (the CRDs have no list-map under a transition rule).
    if (Array.isArray(value))
      return value.flatMap((v, i) => sites(rest, { value: v, old: undefined, path: `${site.path}[${i}]` }));
    if (!isMap(value)) return [];
    return Object.entries(value).flatMap(([k, v]) =>
      sites(rest, { value: v, old: isMap(old) ? old[k] : undefined, path: `${site.path}[${k}]` }),
    );
  }
  if (!isMap(value)) return [];
  return sites(rest, {
    value: value[head],
    old: isMap(old) ? old[head] : undefined,
    path: site.path ? `${site.path}.${head}` : head,
  });
}

/** Go's strings.TrimSpace, with white space as unicode.IsSpace has it. */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');
const trimSpace = (s: string) => s.replace(GO_TRIM, '');

/** The rule's message, or its source when it has none: how the API server names a rule. */
const ruleName = (rule: CelRule) => (rule.message ? trimSpace(rule.message) : trimSpace(rule.rule));

/**
 * The message of a broken rule, as the API server forms it (apiextensions-apiserver's CEL validator):
 * the messageExpression's value, trimmed; when it fails, is empty or holds a line feed, the message;
 * without one, `failed rule: <rule>`.
 */
function messageOf(rule: CelRule, self: unknown): string {
  if (rule.messageExpression) {
    try {
      const m = rule.messageExpression(self);
      if (typeof m === 'string' && trimSpace(m) !== '' && !trimSpace(m).includes('\n')) return trimSpace(m);
    } catch {
      // The API server then falls back to the message, as here.
    }
  }
  return rule.message ? trimSpace(rule.message) : `failed rule: ${ruleName(rule)}`;
}

/** An evaluation error, worded as the API server words it. */
function failureOf(rule: CelRule, err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.startsWith('no such overload')
    ? `'${text}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleName(rule)}`
    : `${text} evaluating rule: ${ruleName(rule)}`;
}

/**
 * The rules `object` breaks. With `oldObject` (an update), transition rules are applied too, where the
 * old object has a value at the rule's path; without, they are skipped, as on a create.
 */
export function violations(rules: readonly CelRule[], object: unknown, oldObject?: unknown): Violation[] {
  return rules.flatMap((rule) => {
    if (rule.transition && oldObject === undefined) return [];
    return sites(rule.path, { value: object, old: oldObject, path: '' }).flatMap((site): Violation[] => {
      if (rule.transition && (site.old === undefined || site.old === null)) return [];
      const path = `${site.path}${rule.fieldPath ?? ''}`;
      try {
        if (rule.holds(site.value, site.old) === true) return [];
        return [{ rule, path, message: messageOf(rule, site.value) }];
      } catch (err) {
        return [{ rule, path, message: failureOf(rule, err) }];
      }
    });
  });
}
