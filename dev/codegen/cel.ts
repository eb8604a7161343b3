// CEL rules (x-kubernetes-validations) as JavaScript, at generation time: `npm run gen:api` writes the
// predicates into src/kube/api/generated-rules.ts, which call src/kube/api/cel-runtime.ts. The parser
// reads the whole CEL syntax; the translation takes the subset below and throws on anything else, naming
// the rule and the construct, so generation fails instead of a rule being skipped.
//
// Translated: literals (string, raw string, int, double, bool, null, lists, maps with string keys),
// `self`, `oldSelf` and macro variables; `!`, `&&`, `||`, `? :`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `+`;
// field selection (with Kubernetes' escaped names: `self.__import__` is the property `import`), `has()`,
// indexing; `size()`, `matches()` with a literal RE2 pattern (./re2.ts),
// `startsWith()`; the macros `all` and `exists`. Not translated, among others: `-`, `*`, `/`, `%`, `in`,
// bytes and uint literals, conversions (`int()`, `string()`, ...), `exists_one`, `map`, `filter`,
// optional syntax (`.?`), message construction, and Kubernetes' extension libraries.
import { parse, type Fail, type Node } from './cel-parse.js';
import { re2ToJs } from './re2.js';

export class CelTranslationError extends Error {
  override name = 'CelTranslationError';
}

/** Names a macro variable cannot take in the generated JavaScript. */
const JS_WORDS = new Set(
  'cel arguments await case catch class debugger default delete do enum eval export extends finally instanceof new super switch this throw try typeof with yield'.split(
    ' ',
  ),
);

/** CEL's reserved words, which Kubernetes writes as `__<word>__` when a property is named so. */
const RESERVED_PROPERTY = new Set(
  'true false null in as break const continue else for function if import let loop package namespace return var void while'.split(
    ' ',
  ),
);

/**
 * The property a selected field names, as Kubernetes escapes property names for CEL: `__<reserved
 * word>__` is that word, and in other names `__underscores__`, `__dot__`, `__dash__` and `__slash__`
 * stand for `__`, `.`, `-` and `/`.
 */
export function propertyName(field: string): string {
  const word = /^__([a-z]+)__$/.exec(field)?.[1];
  if (word && RESERVED_PROPERTY.has(word)) return word;
  const escapes: Record<string, string> = { underscores: '__', dot: '.', dash: '-', slash: '/' };
  return field.replace(/__(underscores|dot|dash|slash)__/g, (_, name: string) => escapes[name] ?? name);
}

/** The JavaScript of the supported subset; `vars` are the names in scope, `used` collects those read. */
function emit(node: Node, vars: Set<string>, used: Set<string>, fail: Fail): string {
  const e = (n: Node, scope = vars) => emit(n, scope, used, fail);
  const flat = (op: string, n: Node): Node[] =>
    n.k === 'binary' && n.op === op ? [...flat(op, n.left), ...flat(op, n.right)] : [n];
  switch (node.k) {
    case 'lit':
      if (node.type === 'string' || node.type === 'bool' || node.type === 'null')
        return JSON.stringify(node.value);
      if (node.type === 'int' && Number.isSafeInteger(node.value)) return String(node.value);
      if (node.type === 'double' && Number.isFinite(node.value)) return String(node.value);
      return fail(`a ${node.type} literal`, node.at);
    case 'ident':
      if (!vars.has(node.name)) return fail(`the identifier '${node.name}'`, node.at);
      used.add(node.name);
      return node.name;
    case 'select':
      if (node.optional) return fail("optional selection '.?'", node.at);
      return `cel.get(${e(node.operand)}, ${JSON.stringify(propertyName(node.field))})`;
    case 'index':
      if (node.optional) return fail("optional indexing '[?'", node.at);
      return `cel.index(${e(node.operand)}, ${e(node.index)})`;
    case 'list':
      return `[${node.items.map((n) => e(n)).join(', ')}]`;
    case 'map': {
      const entries = node.entries.map(([key, value]) => {
        if (key.k !== 'lit' || key.type !== 'string')
          return fail('a map key that is not a string literal', key.at);
        return `${JSON.stringify(key.value)}: ${e(value)}`;
      });
      return entries.length ? `{ ${entries.join(', ')} }` : '{}';
    }
    case 'struct':
      return fail(`the message construction ${node.type}{...}`, node.at);
    case 'unary':
      if (node.op !== '!') return fail(`the operator '${node.op}' (negation)`, node.at);
      return `cel.not(${e(node.operand)})`;
    case 'cond':
      return `(cel.bool(${e(node.test)}) ? ${e(node.then)} : ${e(node.else)})`;
    case 'binary': {
      const [l, r] = [() => e(node.left), () => e(node.right)];
      switch (node.op) {
        case '||':
        case '&&': {
          const sides = flat(node.op, node).map((n) => `() => ${e(n)}`);
          return `cel.${node.op === '||' ? 'or' : 'and'}(${sides.join(', ')})`;
        }
        case '==':
          return `cel.eq(${l()}, ${r()})`;
        case '!=':
          return `!cel.eq(${l()}, ${r()})`;
        case '+':
          return `cel.add(${l()}, ${r()})`;
        case '<':
        case '<=':
        case '>':
        case '>=':
          return `cel.${{ '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' }[node.op]}(${l()}, ${r()})`;
        default:
          return fail(`the operator '${node.op}'`, node.at);
      }
    }
    case 'call':
      return emitCall(node, vars, e, fail);
  }
}

function emitCall(
  node: Extract<Node, { k: 'call' }>,
  vars: Set<string>,
  e: (n: Node, scope?: Set<string>) => string,
  fail: Fail,
): string {
  const { fn, target, args } = node;
  const form = `${target ? '.' : ''}${fn}(${args.length === 1 ? 'x' : args.length === 2 ? 'x, y' : '...'})`;
  const operands = target ? [target, ...args] : args;
  const [first, second] = operands;
  if (fn === 'has' && !target && args.length === 1 && first?.k === 'select' && !first.optional)
    return `cel.has(${e(first.operand)}, ${JSON.stringify(propertyName(first.field))})`;
  if ((fn === 'all' || fn === 'exists') && target && args.length === 2) {
    const [v, body] = args;
    if (v?.k !== 'ident' || !body) return fail(`the macro ${form} without a variable`, node.at);
    if (vars.has(v.name) || JS_WORDS.has(v.name))
      return fail(`the macro variable '${v.name}' (a name taken in JavaScript or in scope)`, v.at);
    return `cel.${fn}(${e(target)}, (${v.name}) => ${e(body, new Set([...vars, v.name]))})`;
  }
  if (fn === 'size' && operands.length === 1 && first) return `cel.size(${e(first)})`;
  if (fn === 'matches' && operands.length === 2 && first && second) {
    if (second.k !== 'lit' || second.type !== 'string')
      return fail('matches() with a pattern that is not a string literal', second.at);
    try {
      return `cel.matches(${e(first)}, ${re2ToJs(second.value as string)})`;
    } catch (err) {
      return fail((err as Error).message, second.at);
    }
  }
  if (fn === 'startsWith' && target && args.length === 1 && second)
    return `cel.startsWith(${e(target)}, ${e(second)})`;
  return fail(`the function ${form}`, node.at);
}

export interface TranslatedRule {
  /** `(self, oldSelf) => ...`, with only the parameters the rule reads. */
  holds: string;
  transition: boolean;
  /** `(self) => ...` of the messageExpression, when there is one. */
  messageExpression?: string;
}

/** A rule's CEL expression (and messageExpression) as JavaScript; `where` names it in errors. */
export function translateRule(
  rule: { rule: string; messageExpression?: string },
  where: string,
): TranslatedRule {
  const translate = (source: string, what: string, vars: string[]) => {
    const fail = (construct: string, at: number): never => {
      throw new CelTranslationError(
        `${where}: cannot translate the CEL ${what} ${JSON.stringify(source)}: ${construct} (column ${at + 1}) is not supported (dev/codegen/cel.ts)`,
      );
    };
    const used = new Set<string>();
    const body = emit(parse(source, fail), new Set(vars), used, fail);
    const params = vars.slice(0, Math.max(0, ...vars.map((v, i) => (used.has(v) ? i + 1 : 0))));
    return { js: `(${params.join(', ')}) => ${body}`, used };
  };
  const holds = translate(rule.rule, 'rule', ['self', 'oldSelf']);
  const message = rule.messageExpression
    ? translate(rule.messageExpression, 'messageExpression', ['self']).js
    : undefined;
  return {
    holds: holds.js,
    transition: holds.used.has('oldSelf'),
    ...(message ? { messageExpression: message } : {}),
  };
}
