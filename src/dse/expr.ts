/**
 * The small expression language of sweep constraints and derived quantities:
 *
 *   numbers, 'strings' / "strings", true / false, names (`rows`, `array.rows`, `sram_total_kib`),
 *   + − * / %, unary − and !, comparisons < <= > >= == !=, && and ||, parentheses,
 *   and the functions min(a, b, …), max(a, b, …), log2(x), abs(x).
 *
 * Parsed once into a closure; evaluation never calls eval. A name is looked up through the caller's
 * resolver (axis names, derived names, then fields of the design point's configuration).
 */

export type Value = number | string | boolean;

export interface Expr {
  readonly text: string;
  /** Every name the expression reads, in order of first use. */
  readonly names: readonly string[];
  evaluate(lookup: (name: string) => Value | undefined): Value;
}

/** A syntax or evaluation problem; `column` is 1-based within the expression text. */
export class ExprError extends Error {
  constructor(
    message: string,
    readonly column?: number,
  ) {
    super(column === undefined ? message : `${message} at column ${column}`);
    this.name = 'ExprError';
  }
}

type Token =
  | { readonly kind: 'num'; readonly value: number; readonly at: number }
  | { readonly kind: 'str'; readonly value: string; readonly at: number }
  | { readonly kind: 'name'; readonly value: string; readonly at: number }
  | { readonly kind: 'op'; readonly value: string; readonly at: number };

const OPS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '(', ')', ','];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num !== null) {
      out.push({ kind: 'num', value: Number(num[0]), at: i + 1 });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i));
    if (name !== null) {
      out.push({ kind: 'name', value: name[0], at: i + 1 });
      i += name[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ExprError('unterminated string', i + 1);
      out.push({ kind: 'str', value: text.slice(i + 1, end), at: i + 1 });
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw new ExprError(`unexpected character ${JSON.stringify(c)}`, i + 1);
    out.push({ kind: 'op', value: op, at: i + 1 });
    i += op.length;
  }
  return out;
}

type Node = (lookup: (name: string) => Value | undefined) => Value;

const FUNCTIONS: Readonly<
  Record<string, { readonly arity: [number, number]; readonly fn: (a: number[]) => number }>
> = {
  min: { arity: [1, Infinity], fn: (a) => Math.min(...a) },
  max: { arity: [1, Infinity], fn: (a) => Math.max(...a) },
  log2: { arity: [1, 1], fn: (a) => Math.log2(a[0]!) },
  abs: { arity: [1, 1], fn: (a) => Math.abs(a[0]!) },
};

function num(v: Value, what: string): number {
  if (typeof v !== 'number') throw new ExprError(`${what} needs numbers, got ${JSON.stringify(v)}`);
  return v;
}

function bool(v: Value, what: string): boolean {
  if (typeof v !== 'boolean') throw new ExprError(`${what} needs true/false, got ${JSON.stringify(v)}`);
  return v;
}

/** Parse an expression; throws ExprError with the column of the problem. */
export function parseExpr(text: string): Expr {
  const tokens = tokenize(text);
  const names: string[] = [];
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t?.kind === 'op' && t.value === v;
  };
  const expectOp = (v: string): void => {
    const t = peek();
    if (t?.kind !== 'op' || t.value !== v) throw new ExprError(`expected "${v}"`, t?.at ?? text.length + 1);
    pos++;
  };

  const binary = (next: () => Node, ops: readonly string[], make: (op: string, a: Node, b: Node) => Node) => {
    return (): Node => {
      let left = next();
      for (;;) {
        const t = peek();
        if (t?.kind !== 'op' || !ops.includes(t.value)) return left;
        pos++;
        left = make(t.value, left, next());
      }
    };
  };

  const primary = (): Node => {
    const t = peek();
    if (t === undefined) throw new ExprError('expression ends too early', text.length + 1);
    pos++;
    if (t.kind === 'num' || t.kind === 'str') {
      const v = t.value;
      return () => v;
    }
    if (t.kind === 'name') {
      if (t.value === 'true' || t.value === 'false') {
        const v = t.value === 'true';
        return () => v;
      }
      const fn = FUNCTIONS[t.value];
      if (fn !== undefined && isOp('(')) {
        pos++;
        const args: Node[] = [];
        if (!isOp(')')) {
          args.push(or());
          while (isOp(',')) {
            pos++;
            args.push(or());
          }
        }
        expectOp(')');
        if (args.length < fn.arity[0] || args.length > fn.arity[1])
          throw new ExprError(`${t.value}() takes ${fn.arity.join('..')} arguments`, t.at);
        return (lookup) => fn.fn(args.map((a) => num(a(lookup), `${t.value}()`)));
      }
      const name = t.value;
      if (!names.includes(name)) names.push(name);
      return (lookup) => {
        const v = lookup(name);
        if (v === undefined) throw new ExprError(`unknown name "${name}"`, t.at);
        return v;
      };
    }
    if (t.value === '(') {
      const inner = or();
      expectOp(')');
      return inner;
    }
    if (t.value === '-') {
      const inner = primary();
      return (lookup) => -num(inner(lookup), 'unary -');
    }
    if (t.value === '!') {
      const inner = primary();
      return (lookup) => !bool(inner(lookup), '!');
    }
    throw new ExprError(`unexpected "${t.value}"`, t.at);
  };

  const mul = binary(primary, ['*', '/', '%'], (op, a, b) => (l) => {
    const x = num(a(l), op);
    const y = num(b(l), op);
    return op === '*' ? x * y : op === '/' ? x / y : x % y;
  });
  const add = binary(mul, ['+', '-'], (op, a, b) => (l) => {
    const x = num(a(l), op);
    const y = num(b(l), op);
    return op === '+' ? x + y : x - y;
  });
  const cmp = binary(add, ['<', '<=', '>', '>=', '==', '!='], (op, a, b) => (l) => {
    const x = a(l);
    const y = b(l);
    if (op === '==') return x === y;
    if (op === '!=') return x !== y;
    const p = num(x, op);
    const q = num(y, op);
    return op === '<' ? p < q : op === '<=' ? p <= q : op === '>' ? p > q : p >= q;
  });
  const and = binary(cmp, ['&&'], (_op, a, b) => (l) => bool(a(l), '&&') && bool(b(l), '&&'));
  const or: () => Node = binary(and, ['||'], (_op, a, b) => (l) => bool(a(l), '||') || bool(b(l), '||'));

  const root = or();
  const rest = peek();
  if (rest !== undefined) throw new ExprError(`unexpected "${String(rest.value)}"`, rest.at);
  return { text, names, evaluate: (lookup) => root(lookup) };
}
