// RE2 patterns (what CEL's `matches` takes on the API server: Go's regexp) as JavaScript regular
// expressions that accept exactly the same strings, for the predicates ./cel.ts generates.
// Generation-time only. The subset is what the CRDs use; anything else throws, naming the construct,
// and `npm run gen:api` fails.
//
// Where the two languages differ, the translation follows RE2:
// - `\s` is [\t\n\f\r ] and `\S` its complement (JavaScript's also take \v and Unicode spaces);
//   `\d` and `\w` are ASCII (as in JavaScript);
// - `.` is any character but \n (JavaScript's also excludes \r, U+2028 and U+2029);
// - a string is a sequence of code points (flag `u`), so a class or `.` takes a whole character;
// - `(?i:...)` folds case as Go does (k also matches the Kelvin sign, s the long s), spelled out as
//   classes because Node 20 has no inline modifiers; it may hold literals only;
// - `x{,n}` and a `{` that starts no repetition are literal text; repetition counts stop at 1000.
// Captures become non-capturing groups: `matches` only asks whether the pattern matches.

export class Re2TranslationError extends Error {
  override name = 'Re2TranslationError';
}

const SPACE = String.raw`\t\n\f\r `;
/** RE2's Perl classes, as the inside of a JavaScript class. */
const PERL: Record<string, string> = { d: '0-9', s: SPACE, w: '0-9A-Za-z_' };
/** Escapes RE2 reads as a control character. */
const CONTROL: Record<string, string> = { a: '\x07', f: '\f', t: '\t', n: '\n', r: '\r', v: '\v' };
/** Characters of each ASCII letter's case-fold orbit in Go (unicode.SimpleFold) beyond the two cases. */
const FOLD_EXTRA: Record<string, string> = { k: '\u212a', s: '\u017f' };

const SYNTAX = new Set('^$\\.*+?()[]{}|/');
/** What needs a backslash in a class: '-' only in a range (a lone one goes last), '^' only first. */
const CLASS_SYNTAX = new Set('\\]-');
const isPunct = (c: string) => /^[!-/:-@[-`{-~]$/.test(c);

/** A character as it is written in a JavaScript pattern (flag `u`), in or outside a class. */
function literal(c: string, inClass: boolean): string {
  if ((inClass ? CLASS_SYNTAX : SYNTAX).has(c)) return `\\${c}`;
  const cp = c.codePointAt(0) ?? 0;
  return cp < 0x20 || cp > 0x7e ? `\\u{${cp.toString(16)}}` : c;
}

function folded(c: string): string {
  if (!/^[A-Za-z]$/.test(c)) return literal(c, false);
  const lower = c.toLowerCase();
  const extra = FOLD_EXTRA[lower];
  return `[${lower}${lower.toUpperCase()}${extra ? literal(extra, true) : ''}]`;
}

class Parser {
  private i = 0;
  private readonly chars: string[];

  constructor(private readonly pattern: string) {
    this.chars = [...pattern];
  }

  fail(what: string): never {
    throw new Re2TranslationError(`${what} in the regular expression r'${this.pattern}'`);
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.i + offset];
  }

  private next(): string {
    const c = this.chars[this.i++];
    if (c === undefined) this.fail('an unfinished pattern');
    return c;
  }

  translate(): string {
    const out = this.alternation(false);
    if (this.i < this.chars.length) this.fail(`an unmatched '${this.peek() ?? ''}'`);
    return out;
  }

  private alternation(fold: boolean): string {
    const branches = [this.concatenation(fold)];
    while (this.peek() === '|') {
      this.i++;
      branches.push(this.concatenation(fold));
    }
    return branches.join('|');
  }

  private concatenation(fold: boolean): string {
    let out = '';
    while (this.peek() !== undefined && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom(fold);
      const repeat = this.repetition();
      if (repeat && atom.assertion) this.fail(`a repeated '${atom.source}'`);
      if (repeat && this.repetition()) this.fail('a repetition of a repetition');
      out += atom.source + repeat;
    }
    return out;
  }

  /** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy (`?`); '' when none follows. */
  private repetition(): string {
    const c = this.peek();
    let op: string;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      op = c;
    } else {
      const m = c === '{' ? /^\{(\d+)(,(\d*))?\}/.exec(this.chars.slice(this.i).join('')) : null;
      if (!m) return '';
      const [min, max] = [Number(m[1]), m[2] === undefined ? Number(m[1]) : m[3] ? Number(m[3]) : undefined];
      if (min > 1000 || (max ?? 0) > 1000) this.fail('a repetition count over 1000');
      if (max !== undefined && max < min) this.fail(`the repetition ${m[0]}`);
      this.i += m[0].length;
      op = m[0];
    }
    if (this.peek() === '?') {
      this.i++;
      op += '?';
    }
    return op;
  }

  private atom(fold: boolean): { source: string; assertion?: boolean } {
    const c = this.next();
    switch (c) {
      case '^':
      case '$':
        return { source: c, assertion: true };
      case '.':
        return { source: '[^\\n]' };
      case '[':
        return { source: this.characterClass(fold) };
      case '(':
        return { source: this.group(fold) };
      case '*':
      case '+':
      case '?':
        return this.fail(`a '${c}' with nothing to repeat`);
      case '{':
        if (/^\d+(,\d*)?\}/.test(this.chars.slice(this.i).join('')))
          this.fail("a '{' with nothing to repeat");
        return { source: literal(c, false) };
      case '\\': {
        const e = this.next();
        const perl = PERL[e.toLowerCase()];
        if (perl !== undefined) return { source: `[${e === e.toUpperCase() ? '^' : ''}${perl}]` };
        const control = CONTROL[e];
        if (control !== undefined) return { source: literal(control, false) };
        if (isPunct(e)) return { source: literal(e, false) };
        return this.fail(`the escape \\${e}`);
      }
      default:
        if (fold && /^[A-Za-z]$/.test(c)) return { source: folded(c) };
        if (fold && c.toLowerCase() !== c.toUpperCase()) this.fail(`the non-ASCII letter '${c}' in (?i:...)`);
        return { source: literal(c, false) };
    }
  }

  private group(fold: boolean): string {
    let inner = fold;
    if (this.peek() === '?') {
      const rest = this.chars.slice(this.i).join('');
      if (rest.startsWith('?:')) this.i += 2;
      else if (rest.startsWith('?i:')) {
        this.i += 3;
        inner = true;
      } else if (/^\?P?</.test(rest)) this.fail('a named group');
      else this.fail(`the group (${/^\?[^:)]*[:)]?/.exec(rest)?.[0] ?? '?'}`);
    }
    const body = this.alternation(inner);
    if (this.peek() !== ')') this.fail("a missing ')'");
    this.i++;
    return `(?:${body})`;
  }

  /**
   * After `[`: the class, with RE2's `\s` and literal rules. A literal '-' goes last, where it needs no
   * escape; '/' needs none in a class either.
   */
  private characterClass(fold: boolean): string {
    const negated = this.peek() === '^';
    if (negated) this.i++;
    const items: string[] = [];
    let dash = false;
    const char = (c: string) => (c === '^' && !negated && items.length === 0 ? '\\^' : literal(c, true));
    let first = true;
    while (first || this.peek() !== ']') {
      first = false;
      if (this.peek() === '[' && this.peek(1) === ':') this.fail('a POSIX class [:...:]');
      const lo = this.classChar();
      if (lo.perl !== undefined) {
        items.push(lo.perl);
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.i++;
        const hi = this.classChar();
        if (hi.perl !== undefined) this.fail(`the range ${lo.char}-${hi.source}`);
        if ((hi.char.codePointAt(0) ?? 0) < (lo.char.codePointAt(0) ?? 0))
          this.fail(`the empty range ${lo.char}-${hi.char}`);
        if (fold && /[A-Za-z]/.test(lo.char + hi.char)) this.fail('a class with letters in (?i:...)');
        items.push(`${char(lo.char)}-${char(hi.char)}`);
      } else if (lo.char === '-') {
        dash = true;
      } else {
        if (fold && lo.char.toLowerCase() !== lo.char.toUpperCase())
          this.fail('a class with letters in (?i:...)');
        items.push(char(lo.char));
      }
    }
    this.i++;
    return `[${negated ? '^' : ''}${items.join('')}${dash ? '-' : ''}]`;
  }

  private classChar(): { char: string; perl?: string; source?: string } {
    const c = this.next();
    if (c !== '\\') return { char: c };
    const e = this.next();
    const perl = PERL[e];
    if (perl !== undefined) return { char: '', perl, source: `\\${e}` };
    if (PERL[e.toLowerCase()] !== undefined) this.fail(`\\${e} inside a class`);
    const control = CONTROL[e];
    if (control !== undefined) return { char: control };
    if (isPunct(e)) return { char: e };
    return this.fail(`the escape \\${e}`);
  }
}

/** The JavaScript regular expression literal (flag `u`) that matches what the RE2 pattern matches. */
export function re2ToJs(pattern: string): string {
  const source = new Parser(pattern).translate();
  try {
    new RegExp(source, 'u');
  } catch (err) {
    throw new Re2TranslationError(
      `its translation /${source}/u (JavaScript: ${(err as Error).message}) of the regular expression r'${pattern}'`,
    );
  }
  return `/${source}/u`;
}
