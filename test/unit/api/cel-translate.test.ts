// The CEL-to-JavaScript translator of `npm run gen:api` (dev/codegen/cel.ts, re2.ts):
// what it translates behaves as CEL does on the API server (RE2 patterns included), and what it cannot
// translate fails the generation with the rule and the construct named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cel from '../../../src/kube/api/cel-runtime.js';
import { renderRules } from '../../../dev/codegen/render.js';
import { CelTranslationError, translateRule } from '../../../dev/codegen/cel.js';
import { Re2TranslationError, re2ToJs } from '../../../dev/codegen/re2.js';
import { cassandraBackup } from '../../../src/kube/api/definitions.js';
import type { Rule } from '../../../src/kube/api/schema.js';

/** The generated source, made a function again (as the generated module does, without a file). */
function compiled(js: string): (...args: unknown[]) => unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('cel', `return ${js};`) as (runtime: typeof cel) => unknown;
  return make(cel) as (...args: unknown[]) => unknown;
}

/** The rule as a function of self (and oldSelf): its value, or 'error' when CEL would fail. */
function evaluate(rule: string, self: unknown, oldSelf?: unknown): unknown {
  const holds = compiled(translateRule({ rule }, 'test').holds);
  try {
    return holds(self, oldSelf);
  } catch {
    return 'error';
  }
}

function re(pattern: string): RegExp {
  return compiled(re2ToJs(pattern)) as unknown as RegExp;
}

test('RE2 patterns keep their meaning: \\s, \\S, ".", classes and code points as Go reads them', () => {
  const cases: [string, string[], string[]][] = [
    // RE2's \s is [\t\n\f\r ]: no vertical tab, no Unicode spaces (JavaScript's \s has both).
    [String.raw`^\s$`, [' ', '\t', '\n', '\f', '\r'], ['\v', '\u00a0', '\u2003', 'x']],
    [String.raw`^\S+$`, ['a\u00a0b', 'a\vb', 'été'], ['a b', 'a\tb']],
    [String.raw`^[^,\s]+$`, ['dc\u00a01', 'dc-1'], ['dc 1', 'a,b']],
    // "." is anything but \n (JavaScript's also stops at \r, U+2028, U+2029).
    ['^a.b$', ['a\rb', 'a\u2028b', 'a€b', 'a😀b'], ['a\nb', 'ab']],
    // A character is a code point: an astral one is one character for a class and for a count.
    ['^[^a]{2}$', ['😀😀', 'xy'], ['😀']],
    // ']' first in a class is literal; '-' at an end is literal; escaped punctuation is literal.
    ['^[]a]+$', [']a]'], ['b']],
    [String.raw`^[a-]+$`, ['a-a'], ['b']],
    [String.raw`^[\^a][^-a][/]$`, ['^b/', 'a^/'], ['b^/', 'a-/', 'aa/']],
    [String.raw`^[+\-]\.\{\}\/$`, ['+.{}/', '-.{}/'], ['*.{}/']],
    // x{,n} is literal text in RE2, and so is a '{' that starts no repetition.
    ['^a{,2}$', ['a{,2}'], ['a', 'aa']],
    ['^a{2,3}b{2}$', ['aabb', 'aaabb'], ['abb', 'aaaabb', 'aab']],
    ['^x{$', ['x{'], ['x']],
    // (?i:...) folds as Go does: k also matches the Kelvin sign, s the long s.
    ['^(?i:days|ks)$', ['DAYS', 'dAyS', 'day\u017f', '\u212as'], ['day', 'dayz']],
    // Groups, alternation, lazy repetition, anchors.
    ['^(ab|cd)*?e$', ['e', 'abcde'], ['abce']],
    [String.raw`^\d\w$`, ['1a', '9_'], ['١a', 'aé']],
    // Without anchors, matches() searches.
    ['b+', ['abbc'], ['ac']],
  ];
  for (const [pattern, yes, no] of cases) {
    const r = re(pattern);
    for (const s of yes)
      assert.ok(r.test(s), `${pattern} should match ${JSON.stringify(s)} (as ${String(r)})`);
    for (const s of no)
      assert.ok(!r.test(s), `${pattern} should not match ${JSON.stringify(s)} (as ${String(r)})`);
  }
});

test('an RE2 construct the translator does not know is refused, and named', () => {
  const refused: [string, RegExp][] = [
    [String.raw`\bword`, /the escape \\b/],
    [String.raw`\pL+`, /the escape \\p/],
    [String.raw`\x41`, /the escape \\x/],
    ['(?s).', /the group \(\?s\)/],
    ['(?i)abc', /the group \(\?i\)/],
    ['(?P<name>x)', /a named group/],
    ['(?=x)', /the group \(\?=/],
    ['[[:alpha:]]', /a POSIX class/],
    [String.raw`[\S,]`, /\\S inside a class/],
    ['(?i:[a-z])', /a class with letters in \(\?i:\.\.\.\)/],
    ['(?i:é)', /the non-ASCII letter 'é'/],
    ['a**', /a repetition of a repetition/],
    ['x{1001}', /a repetition count over 1000/],
    ['^*', /a repeated '\^'/],
    ['(ab', /a missing '\)'/],
    ['ab)', /an unmatched '\)'/],
  ];
  for (const [pattern, construct] of refused) {
    assert.throws(
      () => re2ToJs(pattern),
      (err: Error) =>
        err instanceof Re2TranslationError && construct.test(err.message) && err.message.includes(pattern),
      pattern,
    );
  }
});

test('translated CEL keeps CEL semantics: errors, presence, equality, code points, macros', () => {
  const cases: [string, unknown, unknown, unknown?][] = [
    // && and || are commutative over errors: a deciding side wins even when the other fails.
    ["self.missing == 'x' || true", {}, true],
    ["self.missing == 'x' && false", {}, false],
    ["self.missing == 'x' || false", {}, 'error'],
    ["has(self.a) && self.a == 'x'", {}, false],
    ["has(self.a) && self.a == 'x'", { a: 'x' }, true],
    ['self.a', { a: null }, 'error'],
    ["self == '' || self.matches(r'^[a-z]+$')", '', true],
    ["self == '' || self.matches(r'^[a-z]+$')", 'A', false],
    // Ternaries need a bool; ! too.
    ["self.startsWith('file://') ? self.size() > 7 : true", 'file://', false],
    ["'x' ? true : false", '', 'error'],
    ['!self', 'x', 'error'],
    // Equality is by value, across lists and maps; different types are unequal, not an error.
    ['self.spec == oldSelf.spec', { spec: { a: [1, { b: 'c' }] } }, true, { spec: { a: [1, { b: 'c' }] } }],
    ['self.spec == oldSelf.spec', { spec: { a: [1, 2] } }, false, { spec: { a: [2, 1] } }],
    ['(has(self.r) ? self.r : {}) == {}', {}, true],
    ['self == 1', '1', false],
    // size() and comparisons count code points.
    ['size(self) == 3 && self.size() == 3', 'été', true],
    ['size(self) <= 2', '😀😀', true],
    ["self < 'z' && self >= 'a'", 'm', true],
    // + takes two strings, two numbers or two lists.
    ["'a' + self == 'ab'", 'b', true],
    ["'a' + self == 'a1'", 1, 'error'],
    // Macros: all over a map's keys or a list's items; exists with error absorption.
    ["self.all(k, k.matches(r'^[a-z]+$') && self[k] == 'v')", { a: 'v', b: 'v' }, true],
    ["self.all(k, k.matches(r'^[a-z]+$') && self[k] == 'v')", { a: 'v', B: 'v' }, false],
    [
      "self.exists(c, c.type == 'Succeeded' && c.status == 'True')",
      [{ type: 'Succeeded', status: 'True' }],
      true,
    ],
    ["self.exists(c, c.type == 'Succeeded')", [{}, { type: 'Succeeded' }], true],
    ["self.exists(c, c.type == 'Succeeded')", [{}], 'error'],
    ['self[1] == 2', [1, 2], true],
    ['self[2] == 2', [1, 2], 'error'],
    // Escapes in quoted strings; raw strings keep backslashes.
    [String.raw`self == 'it\'s' && r'\d' == '\\d'`, "it's", true],
    ['[1, 2] == self', [1, 2], true],
    // Kubernetes' escaped property names: a reserved word as __word__, and __dash__ and the like.
    ['has(self.__import__) && self.__import__.quick', { import: { quick: true } }, true],
    ['has(self.__import__)', { quick: true }, false],
    ['self.a__dash__b == 1 && self.__namespace__ == 2', { 'a-b': 1, namespace: 2 }, true],
  ];
  for (const [rule, self, expected, oldSelf] of cases)
    assert.deepEqual(evaluate(rule, self, oldSelf), expected, `${rule} on ${JSON.stringify(self)}`);
});

test('a rule reading oldSelf is a transition rule; the parameters are only those read', () => {
  assert.deepEqual(translateRule({ rule: 'self == oldSelf' }, 'x'), {
    holds: '(self, oldSelf) => cel.eq(self, oldSelf)',
    transition: true,
  });
  const { holds, transition, messageExpression } = translateRule(
    { rule: 'true', messageExpression: "'got ' + self" },
    'x',
  );
  assert.deepEqual(
    [holds, transition, messageExpression],
    ['() => true', false, '(self) => cel.add("got ", self)'],
  );
});

test('a CEL construct the translator does not know fails with the rule, the construct and the column', () => {
  const refused: [string, RegExp][] = [
    ['size(self) % 2 == 0', /the operator '%' \(column 12\)/],
    ['self - 1 > 0', /the operator '-' \(column 6\)/],
    ["self in ['a', 'b']", /the operator 'in'/],
    ['int(self) > 1', /the function int\(x\)/],
    ["self.endsWith('x')", /the function \.endsWith\(x\)/],
    ["self.exists_one(x, x == 'a')", /the function \.exists_one\(x, y\)/],
    ["self.map(x, x + 'a').size() == 1", /the function \.map\(x, y\)/],
    ["self.?a == ''", /optional selection '\.\?' \(column 5\)/],
    ["self == b'abc'", /a bytes literal/],
    ['self == 1u', /a uint literal/],
    ['self.matches(self)', /matches\(\) with a pattern that is not a string literal/],
    [String.raw`self.matches(r'\bx')`, /the escape \\b in the regular expression r'\\bx' \(column 14\)/],
    ["request.name == 'x'", /the identifier 'request'/],
    [
      'google.protobuf.Int64Value{value: 1} == self',
      /the message construction google\.protobuf\.Int64Value\{\.\.\.\} \(column 1\)/,
    ],
    ["self.all(self, self == 'a')", /the macro variable 'self'/],
    ['self ==', /'the end' where a value was expected/],
    ["self == 'a", /an unterminated string/],
    ["self == '\\q'", /the escape \\q/],
    ['self.for == 1', /the reserved word 'for'/],
  ];
  for (const [rule, construct] of refused) {
    assert.throws(
      () => translateRule({ rule }, 'CassandraBackup spec.probe'),
      (err: Error) =>
        err instanceof CelTranslationError &&
        err.message.startsWith(
          `CassandraBackup spec.probe: cannot translate the CEL rule ${JSON.stringify(rule)}: `,
        ) &&
        construct.test(err.message) &&
        err.message.endsWith('is not supported (dev/codegen/cel.ts)'),
      rule,
    );
  }
  assert.throws(
    () => translateRule({ rule: 'true', messageExpression: "'got ' + string(self)" }, 'x'),
    /cannot translate the CEL messageExpression "'got ' \+ string\(self\)": the function string\(x\)/,
  );
});

test('gen:api fails on a rule it cannot translate, naming the kind, the field, the rule and the construct', () => {
  const bad: Rule = { rule: "self.endsWith('.example')", message: 'no' };
  const props = cassandraBackup.spec.properties ?? {};
  const def = {
    ...cassandraBackup,
    spec: {
      ...cassandraBackup.spec,
      properties: { ...props, dc: { ...props.dc, 'x-kubernetes-validations': [bad] } },
    },
  };
  assert.throws(
    () => renderRules([def]),
    /^CelTranslationError: CassandraBackup spec\.dc: cannot translate the CEL rule "self\.endsWith\('\.example'\)": the function \.endsWith\(x\) \(column 6\)/,
  );
  const onItems = {
    ...cassandraBackup,
    spec: {
      type: 'object' as const,
      properties: {
        l: {
          type: 'array' as const,
          items: { type: 'string' as const, 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] },
        },
      },
    },
  };
  assert.throws(
    () => renderRules([onItems]),
    /CassandraBackup spec\.l\[\*\]: a rule on oldSelf under a list item/,
  );
});

test('violations() applies rules where the API server does, with its paths and messages', () => {
  const rule = (over: Partial<cel.CelRule>): cel.CelRule => ({
    path: [],
    rule: 'r',
    transition: false,
    holds: () => false,
    ...over,
  });
  const items = rule({ path: ['spec', 'list', '*'], holds: (s) => s === 'ok', message: 'bad item' });
  const values = rule({
    path: ['spec', 'map', '*'],
    holds: (s) => s === 'ok',
    messageExpression: (s) => `bad value ${String(s)}`,
  });
  const frozen = rule({ path: ['spec', 'name'], transition: true, holds: (s, o) => s === o });
  const object = { spec: { list: ['ok', 'no'], map: { 'a.b': 'no', c: 'ok' }, name: 'x' } };
  assert.deepEqual(
    cel.violations([items, values, frozen], object).map((v) => [v.path, v.message]),
    [
      ['spec.list[1]', 'bad item'],
      ['spec.map[a.b]', 'bad value no'],
    ],
  );
  assert.deepEqual(
    cel.violations([frozen], object, { spec: { name: 'y' } }).map((v) => [v.path, v.message]),
    [['spec.name', 'failed rule: r']],
  );
  assert.deepEqual(cel.violations([frozen], object, { spec: {} }), [], 'no old value: not a transition');
  const empty = rule({ messageExpression: () => ' ', message: 'fallback', fieldPath: '.f' });
  assert.deepEqual(
    cel.violations([empty], {}).map((v) => [v.path, v.message]),
    [['.f', 'fallback']],
  );
  // As the API server: a messageExpression is trimmed, and one with a line feed gives way to message.
  const quoting = (message?: string) =>
    rule({ messageExpression: (s) => ` got "${String(s)}" `, ...(message ? { message } : {}) });
  assert.deepEqual(
    cel.violations([quoting(), quoting(' fixed '), quoting()], 'a\rb').map((v) => v.message),
    ['got "a\rb"', 'got "a\rb"', 'got "a\rb"'],
  );
  assert.deepEqual(
    cel.violations([quoting(), quoting(' fixed ')], 'a\nb').map((v) => v.message),
    ['failed rule: r', 'fixed'],
  );
  const failing = rule({ holds: (s) => cel.get(s, 'missing') });
  assert.deepEqual(
    cel.violations([failing], {}).map((v) => v.message),
    ['no such key: missing evaluating rule: r'],
  );
  const mistyped = rule({ holds: (s) => cel.size(s), message: 'm' });
  assert.deepEqual(
    cel.violations([mistyped], true).map((v) => v.message),
    [
      "'no such overload: size(bool)': call arguments did not match a supported operator, function or macro signature for rule: m",
    ],
  );
});
