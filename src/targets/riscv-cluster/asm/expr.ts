/**
 * Integer expressions of the assembler: decimal, hex (0x), binary (0b) and character ('a')
 * literals, symbols, GNU numeric local labels (`1f`, `1b`), `%hi(e)` / `%lo(e)` (the lui/addi split
 * of a 32-bit value), parentheses and the C operators | ^ & << >> + - * / % ~ and unary minus.
 * Values are exact integers (JS numbers); callers wrap or range-check them.
 */

/** A problem in an expression; `offset` is the character position inside it. */
export class ExprError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ExprError';
  }
}

/** Looks a symbol up (labels, `.equ`, local `1f`/`1b`); undefined when unknown. */
export type SymbolLookup = (name: string) => number | undefined;

interface Tok {
  readonly t: 'num' | 'sym' | 'op';
  readonly v: string;
  readonly n: number;
  readonly at: number;
}

const SYM = /^[A-Za-z_.$][\w.$]*/;
const LOCAL = /^\d+[fb](?![\w.$])/;
const NUM = /^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|\d[\d_]*)/;
const OPS = ['<<', '>>', '%hi', '%lo', '|', '^', '&', '+', '-', '*', '/', '%', '~', '(', ')'];

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const local = LOCAL.exec(rest);
    if (local !== null) {
      out.push({ t: 'sym', v: local[0], n: 0, at: i });
      i += local[0].length;
      continue;
    }
    const num = NUM.exec(rest);
    if (num !== null) {
      const s = num[0].replace(/_/g, '');
      const v =
        s.startsWith('0x') || s.startsWith('0X')
          ? parseInt(s.slice(2), 16)
          : s.startsWith('0b') || s.startsWith('0B')
            ? parseInt(s.slice(2), 2)
            : parseInt(s, 10);
      if (!Number.isSafeInteger(v)) throw new ExprError(`number ${num[0]} is out of range`, i);
      out.push({ t: 'num', v: num[0], n: v, at: i });
      i += num[0].length;
      continue;
    }
    if (c === "'" && text[i + 2] === "'") {
      out.push({ t: 'num', v: text.slice(i, i + 3), n: text.charCodeAt(i + 1), at: i });
      i += 3;
      continue;
    }
    const sym = SYM.exec(rest);
    if (sym !== null) {
      out.push({ t: 'sym', v: sym[0], n: 0, at: i });
      i += sym[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op === undefined) throw new ExprError(`unexpected character ${JSON.stringify(c)}`, i);
    out.push({ t: 'op', v: op, n: 0, at: i });
    i += op.length;
  }
  return out;
}

const BINARY: readonly (readonly string[])[] = [
  ['|'],
  ['^'],
  ['&'],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

/** Evaluate `text`; unknown symbols throw an ExprError naming them. */
export function evaluate(text: string, lookup: SymbolLookup): number {
  const toks = tokenize(text);
  let p = 0;
  const end = text.length;
  const peek = (): Tok | undefined => toks[p];
  const expectClose = (): void => {
    const t = toks[p];
    if (t?.v !== ')') throw new ExprError('missing )', t?.at ?? end);
    p++;
  };

  function level(k: number): number {
    if (k >= BINARY.length) return unary();
    let v = level(k + 1);
    for (;;) {
      const t = peek();
      if (t?.t !== 'op' || !BINARY[k]!.includes(t.v)) return v;
      p++;
      const r = level(k + 1);
      v = apply(t, v, r);
    }
  }

  function apply(t: Tok, a: number, b: number): number {
    switch (t.v) {
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '&':
        return a & b;
      case '<<':
        return a * 2 ** b;
      case '>>':
        return Math.floor(a / 2 ** b);
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
      case '%':
        if (b === 0) throw new ExprError('division by zero', t.at);
        return t.v === '/' ? Math.trunc(a / b) : a % b;
      default:
        throw new ExprError(`unexpected ${t.v}`, t.at);
    }
  }

  function unary(): number {
    const t = peek();
    if (t === undefined) throw new ExprError('missing value', end);
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~')) {
      p++;
      const v = unary();
      return t.v === '-' ? -v : t.v === '~' ? ~v : v;
    }
    return primary();
  }

  function primary(): number {
    const t = toks[p++];
    if (t === undefined) throw new ExprError('missing value', end);
    if (t.t === 'num') return t.n;
    if (t.t === 'sym') {
      const v = lookup(t.v);
      if (v === undefined) throw new ExprError(`unknown symbol ${t.v}`, t.at);
      return v;
    }
    if (t.v === '(') {
      const v = level(0);
      expectClose();
      return v;
    }
    if (t.v === '%hi' || t.v === '%lo') {
      if (toks[p]?.v !== '(') throw new ExprError(`${t.v} needs (…)`, t.at);
      p++;
      const v = level(0);
      expectClose();
      const w = v >>> 0;
      return t.v === '%hi' ? ((w + 0x800) >>> 12) & 0xfffff : ((w & 0xfff) << 20) >> 20;
    }
    throw new ExprError(`unexpected ${t.v}`, t.at);
  }

  const v = level(0);
  const rest = toks[p];
  if (rest !== undefined) throw new ExprError(`unexpected ${rest.v}`, rest.at);
  return v;
}
