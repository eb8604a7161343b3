// The parser of ./cel.ts: CEL's whole syntax (cel-spec, langdef.md) into a tree, so that the
// translation can name any construct it does not take. Generation-time only.

/** What a parse failure reports: the construct and its offset in the source. */
export type Fail = (what: string, at: number) => never;

export type Node = { at: number } & (
  | { k: 'lit'; type: 'string' | 'bytes' | 'int' | 'uint' | 'double' | 'bool' | 'null'; value: unknown }
  | { k: 'ident'; name: string }
  | { k: 'select'; operand: Node; field: string; optional: boolean }
  | { k: 'call'; target?: Node; fn: string; args: Node[] }
  | { k: 'index'; operand: Node; index: Node; optional: boolean }
  | { k: 'list'; items: Node[] }
  | { k: 'map'; entries: [Node, Node][] }
  | { k: 'struct'; type: string }
  | { k: 'unary'; op: string; operand: Node }
  | { k: 'binary'; op: string; left: Node; right: Node }
  | { k: 'cond'; test: Node; then: Node; else: Node }
);

interface Token {
  t: 'num' | 'str' | 'id' | 'op' | 'end';
  v: string;
  at: number;
  lit?: Extract<Node, { k: 'lit' }>;
}

/** Operators and punctuation, longest first where one starts another. */
const OPS = ['||', '&&', '==', '!=', '<=', '>=', '.?', '[?', ...'<>!?:+-*/%.,()[]{}'];
/** Words CEL reserves: no identifier may be one. */
const RESERVED = new Set(
  'as break const continue else for function if import let loop package namespace return var void while'.split(
    ' ',
  ),
);
/** The escapes of quoted strings (besides \x, \u, \U and octal) and what they stand for. */
const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '?': '?',
};

function lex(src: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const space = /^(\s+|\/\/[^\n]*)/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const at = i;
    const num = /^(0x[0-9a-fA-F]+u?|\d+\.\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+u?)/.exec(
      rest,
    );
    const str = /^([rRbB]{0,2})('''|"""|'|")/.exec(rest);
    if (num) {
      const v = num[0];
      const type = v.endsWith('u') ? 'uint' : /[.eE]/.test(v) && !v.startsWith('0x') ? 'double' : 'int';
      tokens.push({ t: 'num', v, at, lit: { k: 'lit', type, value: Number(v.replace(/u$/, '')), at } });
      i += v.length;
    } else if (str) {
      const [prefix, quote] = [str[1] ?? '', str[2] ?? "'"];
      const raw = /r/i.test(prefix);
      let j = i + str[0].length;
      let value = '';
      for (;;) {
        if (j >= src.length || (quote.length === 1 && src[j] === '\n')) fail('an unterminated string', at);
        if (src.startsWith(quote, j)) break;
        const c = src[j] ?? '';
        if (c !== '\\' || raw) {
          value += c;
          j++;
          continue;
        }
        const e = src[j + 1] ?? '';
        const hex = /^(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-3][0-7]{2})/.exec(src.slice(j + 1));
        if (ESCAPES[e] !== undefined) [value, j] = [value + ESCAPES[e], j + 2];
        else if (hex) {
          const h = hex[0];
          value += String.fromCodePoint(/^\d/.test(h) ? parseInt(h, 8) : parseInt(h.slice(1), 16));
          j += 1 + h.length;
        } else fail(`the escape \\${e}`, j);
      }
      const type = /b/i.test(prefix) ? 'bytes' : 'string';
      tokens.push({ t: 'str', v: src.slice(i, j + quote.length), at, lit: { k: 'lit', type, value, at } });
      i = j + quote.length;
    } else if (/^[_a-zA-Z]/.test(rest)) {
      const v = /^[_a-zA-Z][_a-zA-Z0-9]*/.exec(rest)?.[0] ?? '';
      if (RESERVED.has(v)) fail(`the reserved word '${v}'`, at);
      tokens.push({ t: 'id', v, at });
      i += v.length;
    } else {
      const op = OPS.find((o) => rest.startsWith(o));
      if (!op) fail(`the character '${rest[0] ?? ''}'`, at);
      tokens.push({ t: 'op', v: op, at });
      i += op.length;
    }
  }
  tokens.push({ t: 'end', v: 'the end', at: src.length });
  return tokens;
}

/** CEL's grammar (cel-spec, langdef.md), by recursive descent. */
export function parse(src: string, fail: Fail): Node {
  const tokens = lex(src, fail);
  let i = 0;
  const peek = () => tokens[i] as Token;
  const is = (v: string) => peek().t !== 'str' && peek().t !== 'end' && peek().v === v;
  const take = (v: string) => (is(v) ? (i++, true) : false);
  const expect = (v: string) => {
    if (!take(v)) fail(`'${peek().v}' where '${v}' was expected`, peek().at);
  };
  const list = (close: string, item: () => void) => {
    while (!take(close)) {
      item();
      if (!take(',')) {
        expect(close);
        break;
      }
    }
  };
  const binary = (ops: string[], sub: () => Node) => () => {
    let left = sub();
    while (ops.some(is)) {
      const { v: op, at } = tokens[i++] as Token;
      left = { k: 'binary', op, left, right: sub(), at };
    }
    return left;
  };
  /** The name of a message type (`a.b.C`) that a chain of selections spells, if it is one. */
  const qualified = (n: Node): string | undefined =>
    n.k === 'ident'
      ? n.name
      : n.k === 'select' && !n.optional
        ? `${qualified(n.operand) ?? '?'}.${n.field}`
        : undefined;
  /** `{field: value, ...}` of a message construction. */
  const struct = () => {
    expect('{');
    list('}', () => {
      i++;
      expect(':');
      expr();
    });
  };
  const member = (): Node => {
    const start = peek().at;
    let node = primary();
    for (;;) {
      const { at } = peek();
      if (take('.') || take('.?')) {
        const optional = tokens[i - 1]?.v === '.?';
        const field = peek();
        if (field.t !== 'id') fail(`'${field.v}' after '.'`, field.at);
        i++;
        if (take('(')) {
          const args: Node[] = [];
          list(')', () => args.push(expr()));
          node = { k: 'call', target: node, fn: field.v, args, at: field.at };
        } else node = { k: 'select', operand: node, field: field.v, optional, at };
      } else if (is('{') && qualified(node)) {
        struct();
        node = { k: 'struct', type: qualified(node) ?? '', at: start };
      } else if (take('[') || take('[?')) {
        const optional = tokens[i - 1]?.v === '[?';
        node = { k: 'index', operand: node, index: expr(), optional, at };
        expect(']');
      } else return node;
    }
  };
  const unary = (): Node => {
    const { at } = peek();
    if (take('!')) return { k: 'unary', op: '!', operand: unary(), at };
    if (take('-')) return { k: 'unary', op: '-', operand: unary(), at };
    return member();
  };
  const primary = (): Node => {
    const token = tokens[i++] as Token;
    const { at } = token;
    if (token.lit) return token.lit;
    if (token.t === 'id') {
      if (token.v === 'true' || token.v === 'false')
        return { k: 'lit', type: 'bool', value: token.v === 'true', at };
      if (token.v === 'null') return { k: 'lit', type: 'null', value: null, at };
      if (take('(')) {
        const args: Node[] = [];
        list(')', () => args.push(expr()));
        return { k: 'call', fn: token.v, args, at };
      }
      if (is('{')) {
        struct();
        return { k: 'struct', type: token.v, at };
      }
      return { k: 'ident', name: token.v, at };
    }
    if (token.t === 'op' && token.v === '(') {
      const inner = expr();
      expect(')');
      return inner;
    }
    if (token.t === 'op' && token.v === '[') {
      const items: Node[] = [];
      list(']', () => items.push(expr()));
      return { k: 'list', items, at };
    }
    if (token.t === 'op' && token.v === '{') {
      const entries: [Node, Node][] = [];
      list('}', () => {
        const key = expr();
        expect(':');
        entries.push([key, expr()]);
      });
      return { k: 'map', entries, at };
    }
    if (token.t === 'op' && token.v === '.') return primary();
    return fail(`'${token.v}' where a value was expected`, at);
  };
  const multiplication = binary(['*', '/', '%'], unary);
  const addition = binary(['+', '-'], multiplication);
  const relation = binary(['<', '<=', '>=', '>', '==', '!=', 'in'], addition);
  const and = binary(['&&'], relation);
  const or = binary(['||'], and);
  function expr(): Node {
    const test = or();
    const { at } = peek();
    if (!take('?')) return test;
    const then = or();
    expect(':');
    return { k: 'cond', test, then, else: expr(), at };
  }
  const root = expr();
  if (peek().t !== 'end') fail(`'${peek().v}' after the expression`, peek().at);
  return root;
}
