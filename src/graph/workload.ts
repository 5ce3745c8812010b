/**
 * Workload files: the layer-table format (`bitcycle-workload/1`, JSON or YAML), the built-in zoo
 * (`workloads/zoo/<id>.json`) and the entry point that also dispatches SCALE-Sim topology CSVs.
 *
 * A layer table lists layers in topological order; each layer produces one tensor named after it.
 * Weight tensors are implicit (created here from the input's channel count); integers may be
 * expressions over the file's numeric params; layers may be included conditionally (`when`).
 * Everything wrong with a file is collected and thrown as one InputError. See docs/workloads.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { InputError, showValue, type InputIssue } from '../units/errors.js';
import { packageRoot } from '../units/paths.js';
import {
  OP_TYPES,
  type Graph,
  type Node,
  type OpAttrMap,
  type OpType,
  type QuantDefaults,
  type QuantSpec,
  type Shape,
  type TensorInfo,
} from './ir.js';
import { parseScaleSimCsv, type ScaleSimKind } from './import/scalesim-csv.js';
import { checkNode, inferNodeShapes } from './ops/registry.js';

export const WORKLOAD_FORMAT = 'bitcycle-workload/1';

/** Limits for untrusted files. */
export const WORKLOAD_LIMITS = {
  /** Largest workload file read (bytes). */
  maxFileBytes: 16 * 1024 * 1024,
  /** Most layers in one table. */
  maxLayers: 100_000,
  /** Largest single dimension. */
  maxDim: 2 ** 31 - 1,
  /** Most elements a constant with a `value` may materialize. */
  maxConstantElements: 1 << 24,
  /** Longest integer expression (characters). */
  maxExpressionLength: 256,
} as const;

export const DEFAULT_QUANT: QuantDefaults = {
  weights: 'int8',
  activations: 'int8',
  accumulator: 'int32',
  granularity: 'per-channel',
};

// ---- the document, as written ------------------------------------------------------------------

/** An integer, or an expression over numeric params (`"seq"`, `"seq*4"`, `"(ctx+1)/2"`). */
export type IntExpr = number | string;

/**
 * Condition on params: every listed param must match. A string param matches its value; a
 * numeric param matches a number (equality) or a comparison string `"<op> <expr>"` with op one of
 * `==`, `!=`, `<`, `<=`, `>`, `>=` (a bare expression means `==`).
 */
export type WhenDoc = Readonly<Record<string, string | number>>;

export interface IntParamDoc {
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
}
export interface EnumParamDoc {
  readonly default: string;
  readonly values: readonly string[];
  readonly description?: string;
}
export type ParamDoc = IntParamDoc | EnumParamDoc;

export interface InputDoc {
  readonly name: string;
  readonly shape: readonly IntExpr[];
  readonly when?: WhenDoc;
}

export interface ConstantDoc {
  readonly name: string;
  readonly shape: readonly IntExpr[];
  /** Every element's value; without it the constant is shape-only. */
  readonly value?: number;
  readonly when?: WhenDoc;
}

export interface LayerDoc {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly attrs?: Readonly<Record<string, unknown>>;
  /** conv2d / dense only: create `<name>.bias` (default true, as PyTorch). */
  readonly bias?: boolean;
  readonly when?: WhenDoc;
}

export type OutputDoc = string | { readonly name: string; readonly when: WhenDoc };

export interface WorkloadDoc {
  readonly format: typeof WORKLOAD_FORMAT;
  readonly id: string;
  readonly description?: string;
  readonly source?: string;
  readonly params?: Readonly<Record<string, ParamDoc>>;
  readonly quant?: QuantDefaults;
  readonly inputs: readonly InputDoc[];
  readonly constants?: readonly ConstantDoc[];
  readonly layers: readonly LayerDoc[];
  readonly outputs?: readonly OutputDoc[];
}

export interface LoadWorkloadOptions {
  /** Batch size: multiplies the leading dim of every graph input (zoo networks have batch 1). */
  readonly batch?: number;
  /** For `.csv` files: the SCALE-Sim topology kind; detected from the header when absent. */
  readonly csvKind?: ScaleSimKind;
  /** Folder holding `<id>.json` zoo files (default: `<package>/workloads/zoo`). */
  readonly zooDir?: string;
}

// ---- integer expressions -----------------------------------------------------------------------

type Token =
  | { readonly kind: 'num'; readonly value: number; readonly at: number }
  | { readonly kind: 'id'; readonly name: string; readonly at: number }
  | { readonly kind: 'sym'; readonly sym: '+' | '-' | '*' | '/' | '(' | ')'; readonly at: number };

class ExpressionError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c >= '0' && c <= '9') {
      let j = i;
      while (j < text.length && text[j]! >= '0' && text[j]! <= '9') j++;
      const value = Number(text.slice(i, j));
      if (!Number.isSafeInteger(value)) throw new ExpressionError(`integer ${text.slice(i, j)} is too large`);
      tokens.push({ kind: 'num', value, at: i });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      tokens.push({ kind: 'id', name: text.slice(i, j), at: i });
      i = j;
    } else if (c === '+' || c === '-' || c === '*' || c === '/' || c === '(' || c === ')') {
      tokens.push({ kind: 'sym', sym: c, at: i });
      i++;
    } else {
      throw new ExpressionError(`unexpected character ${JSON.stringify(c)} at ${i + 1}`);
    }
  }
  return tokens;
}

function checked(v: number): number {
  if (!Number.isSafeInteger(v)) throw new ExpressionError('result overflows the safe integer range');
  return v;
}

/** Recursive descent: expr = term (+|- term)*; term = unary (*|/ unary)*; unary = -unary | primary. */
class ExpressionParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly lookup: (name: string) => number,
  ) {}

  parse(): number {
    if (this.tokens.length === 0) throw new ExpressionError('empty expression');
    const v = this.expr();
    const extra = this.tokens[this.pos];
    if (extra !== undefined) throw new ExpressionError(`unexpected ${describe(extra)} at ${extra.at + 1}`);
    return v;
  }

  private peekSym(): string | undefined {
    const t = this.tokens[this.pos];
    return t?.kind === 'sym' ? t.sym : undefined;
  }

  private expr(): number {
    let v = this.term();
    for (let s = this.peekSym(); s === '+' || s === '-'; s = this.peekSym()) {
      this.pos++;
      const r = this.term();
      v = checked(s === '+' ? v + r : v - r);
    }
    return v;
  }

  private term(): number {
    let v = this.unary();
    for (let s = this.peekSym(); s === '*' || s === '/'; s = this.peekSym()) {
      this.pos++;
      const r = this.unary();
      if (s === '*') v = checked(v * r);
      else {
        if (r === 0) throw new ExpressionError('division by zero');
        v = Math.floor(v / r);
      }
    }
    return v;
  }

  private unary(): number {
    if (this.peekSym() === '-') {
      this.pos++;
      return checked(-this.unary());
    }
    return this.primary();
  }

  private primary(): number {
    const t = this.tokens[this.pos];
    if (t === undefined) throw new ExpressionError('unexpected end of expression');
    this.pos++;
    if (t.kind === 'num') return t.value;
    if (t.kind === 'id') return this.lookup(t.name);
    if (t.sym === '(') {
      if (++this.depth > 32) throw new ExpressionError('parentheses nested too deeply');
      const v = this.expr();
      this.depth--;
      if (this.peekSym() !== ')') throw new ExpressionError(`missing ) for ( at ${t.at + 1}`);
      this.pos++;
      return v;
    }
    throw new ExpressionError(`unexpected ${describe(t)} at ${t.at + 1}`);
  }
}

function describe(t: Token): string {
  return t.kind === 'num' ? String(t.value) : t.kind === 'id' ? t.name : `"${t.sym}"`;
}

export type ExpressionResult =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

/**
 * Evaluate an integer expression: integer literals, names from `vars`, `+ - * /` (integer
 * division rounding toward −∞), unary minus and parentheses. No eval; results stay safe integers.
 */
export function evaluateIntExpression(
  text: string,
  vars: ReadonlyMap<string, number | string>,
): ExpressionResult {
  try {
    if (text.length > WORKLOAD_LIMITS.maxExpressionLength) {
      throw new ExpressionError(`expression longer than ${WORKLOAD_LIMITS.maxExpressionLength} characters`);
    }
    const lookup = (name: string): number => {
      const v = vars.get(name);
      if (v === undefined) {
        const known = [...vars.entries()].filter(([, x]) => typeof x === 'number').map(([k]) => k);
        throw new ExpressionError(
          `unknown name ${name} (numeric params: ${known.length > 0 ? known.join(', ') : 'none'})`,
        );
      }
      if (typeof v === 'string')
        throw new ExpressionError(`param ${name} is not numeric (it is ${JSON.stringify(v)})`);
      return v;
    };
    return { ok: true, value: new ExpressionParser(tokenize(text), lookup).parse() };
  } catch (e) {
    if (e instanceof ExpressionError) return { ok: false, error: e.message };
    throw e;
  }
}

// ---- issue collection and small readers --------------------------------------------------------

class Issues {
  readonly list: InputIssue[] = [];
  constructor(readonly file: string) {}

  add(path: string, value: string, expected: string): void {
    this.list.push({ file: this.file, path, value, expected });
  }
}

type Obj = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(issues: Issues, obj: Obj, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      issues.add(`${path}${path === '' ? '' : '.'}${key}`, 'an unknown key', `one of: ${allowed.join(', ')}`);
  }
}

function readString(
  issues: Issues,
  obj: Obj,
  key: string,
  path: string,
  required: boolean,
): string | undefined {
  const v = obj[key];
  const full = path === '' ? key : `${path}.${key}`;
  if (v === undefined) {
    if (required) issues.add(full, '(missing)', 'a non-empty string');
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0) {
    issues.add(full, showValue(v), 'a non-empty string');
    return undefined;
  }
  return v;
}

function readArray(
  issues: Issues,
  obj: Obj,
  key: string,
  path: string,
  required: boolean,
): readonly unknown[] | undefined {
  const v = obj[key];
  const full = path === '' ? key : `${path}.${key}`;
  if (v === undefined) {
    if (required) issues.add(full, '(missing)', 'an array');
    return undefined;
  }
  if (!Array.isArray(v)) {
    issues.add(full, showValue(v), 'an array');
    return undefined;
  }
  return v as readonly unknown[];
}

// ---- params ------------------------------------------------------------------------------------

type ParamValues = ReadonlyMap<string, number | string>;

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function readParamDecls(issues: Issues, raw: unknown): Map<string, ParamDoc> {
  const decls = new Map<string, ParamDoc>();
  if (raw === undefined) return decls;
  if (!isObject(raw)) {
    issues.add(
      'params',
      showValue(raw),
      'an object mapping param names to { default, min?, max? } or { default, values }',
    );
    return decls;
  }
  for (const [name, d] of Object.entries(raw)) {
    const path = `params.${name}`;
    if (!PARAM_NAME.test(name)) {
      issues.add(
        path,
        JSON.stringify(name),
        'a param name of letters, digits and _ (not starting with a digit)',
      );
      continue;
    }
    if (!isObject(d)) {
      issues.add(
        path,
        showValue(d),
        'an object { default, min?, max?, description? } or { default, values, description? }',
      );
      continue;
    }
    const desc = d.description;
    if (desc !== undefined && typeof desc !== 'string')
      issues.add(`${path}.description`, showValue(desc), 'a string');
    const description = typeof desc === 'string' ? { description: desc } : {};
    const def = d.default;
    if (typeof def === 'number') {
      checkKeys(issues, d, path, ['default', 'min', 'max', 'description']);
      let ok = true;
      for (const key of ['default', 'min', 'max'] as const) {
        const v = d[key];
        if (v !== undefined && !Number.isSafeInteger(v)) {
          issues.add(`${path}.${key}`, showValue(v), 'an integer');
          ok = false;
        }
      }
      if (!ok) continue;
      const min = d.min as number | undefined;
      const max = d.max as number | undefined;
      if ((min !== undefined && def < min) || (max !== undefined && def > max)) {
        issues.add(`${path}.default`, String(def), `a value within [${min ?? '-∞'}, ${max ?? '∞'}]`);
        continue;
      }
      decls.set(name, {
        default: def,
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
        ...description,
      });
    } else if (typeof def === 'string') {
      checkKeys(issues, d, path, ['default', 'values', 'description']);
      const values = d.values;
      if (
        !Array.isArray(values) ||
        values.length === 0 ||
        !values.every((v): v is string => typeof v === 'string')
      ) {
        issues.add(`${path}.values`, showValue(values), 'a non-empty array of strings (the allowed values)');
        continue;
      }
      if (!values.includes(def)) {
        issues.add(`${path}.default`, JSON.stringify(def), `one of the param's values: ${values.join(', ')}`);
        continue;
      }
      decls.set(name, { default: def, values, ...description });
    } else {
      issues.add(
        `${path}.default`,
        showValue(def),
        'an integer (numeric param) or a string (enumerated param)',
      );
    }
  }
  return decls;
}

function resolveParams(
  issues: Issues,
  decls: ReadonlyMap<string, ParamDoc>,
  overrides: Readonly<Record<string, string>>,
): Map<string, number | string> {
  const values = new Map<string, number | string>();
  for (const [name, d] of decls) values.set(name, d.default);
  for (const [name, text] of Object.entries(overrides)) {
    const path = `params.${name} (override)`;
    const d = decls.get(name);
    if (d === undefined) {
      const known = [...decls.keys()];
      issues.add(
        path,
        JSON.stringify(name),
        known.length > 0
          ? `a param of this workload: ${known.join(', ')}`
          : 'nothing: this workload has no params',
      );
      continue;
    }
    if ('values' in d) {
      if (!d.values.includes(text)) issues.add(path, JSON.stringify(text), `one of: ${d.values.join(', ')}`);
      else values.set(name, text);
      continue;
    }
    const trimmed = text.trim();
    const v = /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : NaN;
    const range = `an integer within [${d.min ?? '-∞'}, ${d.max ?? '∞'}]`;
    if (
      !Number.isSafeInteger(v) ||
      (d.min !== undefined && v < d.min) ||
      (d.max !== undefined && v > d.max)
    ) {
      issues.add(path, JSON.stringify(text), range);
    } else values.set(name, v);
  }
  return values;
}

// ---- when --------------------------------------------------------------------------------------

const COMPARISON = /^\s*(==|!=|<=|>=|<|>)?\s*(.*)$/s;

/** True / false, or undefined when the condition itself is malformed (issues recorded). */
function evalWhen(
  issues: Issues,
  raw: unknown,
  path: string,
  decls: ReadonlyMap<string, ParamDoc>,
  params: ParamValues,
): boolean | undefined {
  if (raw === undefined) return true;
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    issues.add(
      path,
      showValue(raw),
      'a non-empty object mapping param names to values, e.g. { "phase": "decode" }',
    );
    return undefined;
  }
  let result = true;
  let valid = true;
  for (const [name, want] of Object.entries(raw)) {
    const p = `${path}.${name}`;
    const decl = decls.get(name);
    const current = params.get(name);
    if (decl === undefined || current === undefined) {
      issues.add(
        p,
        'an unknown param',
        decls.size > 0
          ? `a declared param: ${[...decls.keys()].join(', ')}`
          : 'a declared param (this file declares none)',
      );
      valid = false;
      continue;
    }
    if ('values' in decl) {
      if (typeof want !== 'string' || !decl.values.includes(want)) {
        issues.add(p, showValue(want), `one of the param's values: ${decl.values.join(', ')}`);
        valid = false;
      } else if (current !== want) result = false;
      continue;
    }
    if (typeof want === 'number') {
      if (!Number.isSafeInteger(want)) {
        issues.add(p, showValue(want), 'an integer or a comparison such as ">= 2"');
        valid = false;
      } else if (current !== want) result = false;
      continue;
    }
    if (typeof want !== 'string') {
      issues.add(p, showValue(want), 'an integer or a comparison such as ">= 2"');
      valid = false;
      continue;
    }
    const m = COMPARISON.exec(want);
    const rhs = m?.[2] ?? '';
    const r = evaluateIntExpression(rhs, params);
    if (!r.ok) {
      issues.add(
        p,
        JSON.stringify(want),
        `an integer or a comparison "<op> <expression>" with op one of == != < <= > >= (${r.error})`,
      );
      valid = false;
      continue;
    }
    const c = current as number;
    const holds: Record<string, boolean> = {
      '==': c === r.value,
      '!=': c !== r.value,
      '<': c < r.value,
      '<=': c <= r.value,
      '>': c > r.value,
      '>=': c >= r.value,
    };
    if (holds[m?.[1] ?? '=='] !== true) result = false;
  }
  return valid ? result : undefined;
}

// ---- integers, shapes, attrs -------------------------------------------------------------------

/** An integer or an expression; undefined (issue recorded) otherwise. */
function readInt(
  issues: Issues,
  v: unknown,
  path: string,
  params: ParamValues,
  expected: string,
): number | undefined {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    issues.add(path, showValue(v), expected);
    return undefined;
  }
  if (typeof v === 'string') {
    const r = evaluateIntExpression(v, params);
    if (r.ok) return r.value;
    issues.add(
      path,
      JSON.stringify(v),
      `${expected} or an integer expression over the numeric params (${r.error})`,
    );
    return undefined;
  }
  issues.add(path, showValue(v), expected);
  return undefined;
}

function readShape(issues: Issues, raw: unknown, path: string, params: ParamValues): number[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.add(path, showValue(raw), 'a non-empty array of positive integers (or integer expressions)');
    return undefined;
  }
  const dims: number[] = [];
  let ok = true;
  for (const [i, d] of (raw as readonly unknown[]).entries()) {
    const v = readInt(issues, d, `${path}[${i}]`, params, 'a positive integer');
    if (v === undefined) ok = false;
    else if (v < 1 || v > WORKLOAD_LIMITS.maxDim) {
      issues.add(
        `${path}[${i}]`,
        `${showValue(d)}${typeof d === 'string' ? ` = ${v}` : ''}`,
        `a positive integer dimension ≤ ${WORKLOAD_LIMITS.maxDim}`,
      );
      ok = false;
    } else dims.push(v);
  }
  if (ok && !Number.isSafeInteger(dims.reduce((a, b) => a * b, 1))) {
    issues.add(path, showValue(raw), 'a shape whose element count is a safe integer');
    ok = false;
  }
  return ok ? dims : undefined;
}

type AttrSpec =
  | { readonly kind: 'int'; readonly min?: number; readonly default?: number }
  | { readonly kind: 'pair'; readonly default?: readonly [number, number] }
  | { readonly kind: 'pads'; readonly default: readonly [number, number, number, number] }
  | { readonly kind: 'ints'; readonly min: number }
  | { readonly kind: 'number'; readonly default?: number }
  | { readonly kind: 'bool'; readonly default: boolean }
  | { readonly kind: 'quant' };

/** One spec per attr of every op: the mapped type makes the compiler check the table covers the IR. */
type AttrSpecTable = { readonly [K in OpType]: { readonly [A in keyof OpAttrMap[K]]-?: AttrSpec } };

const POOL_SPECS = {
  kernel: { kind: 'pair' },
  stride: { kind: 'pair', default: [1, 1] },
  pads: { kind: 'pads', default: [0, 0, 0, 0] },
  ceilMode: { kind: 'bool', default: false },
  countIncludePad: { kind: 'bool', default: false },
} as const;

const ATTR_SPECS: AttrSpecTable = {
  conv2d: {
    outChannels: { kind: 'int', min: 1 },
    kernel: { kind: 'pair' },
    stride: { kind: 'pair', default: [1, 1] },
    pads: { kind: 'pads', default: [0, 0, 0, 0] },
    dilation: { kind: 'pair', default: [1, 1] },
    groups: { kind: 'int', min: 1, default: 1 },
  },
  dense: { units: { kind: 'int', min: 1 } },
  matmul: { transB: { kind: 'bool', default: false } },
  maxpool: POOL_SPECS,
  avgpool: POOL_SPECS,
  globalavgpool: {},
  add: {},
  mul: {},
  concat: { axis: { kind: 'int', default: 1 } },
  relu: {},
  relu6: {},
  clip: { min: { kind: 'number' }, max: { kind: 'number' } },
  gelu: {},
  sigmoid: {},
  softmax: { axis: { kind: 'int', default: -1 } },
  batchnorm: { epsilon: { kind: 'number', default: 1e-5 } },
  layernorm: { axis: { kind: 'int', default: -1 }, epsilon: { kind: 'number', default: 1e-5 } },
  lrn: {
    size: { kind: 'int', min: 1 },
    alpha: { kind: 'number', default: 1e-4 },
    beta: { kind: 'number', default: 0.75 },
    bias: { kind: 'number', default: 1 },
  },
  reshape: { shape: { kind: 'ints', min: -1 } },
  flatten: { axis: { kind: 'int', default: 1 } },
  transpose: { perm: { kind: 'ints', min: 0 } },
  requantize: { to: { kind: 'quant' } },
  dequantize: {},
};

/** Activation inputs a layer lists (weights are implicit): [min, max]. */
function activationArity(op: OpType): readonly [number, number] {
  switch (op) {
    case 'matmul':
      return [2, 2];
    case 'add':
    case 'mul':
      return [2, Infinity];
    case 'concat':
      return [1, Infinity];
    default:
      return [1, 1];
  }
}

function readIntList(
  issues: Issues,
  v: unknown,
  path: string,
  params: ParamValues,
  min: number,
  lengths: readonly number[],
  what: string,
): number[] | undefined {
  const expected = `${what}${min > 0 ? ' of positive integers' : min === 0 ? ' of non-negative integers' : ' of integers'}`;
  const list = typeof v === 'number' || typeof v === 'string' ? (lengths.includes(1) ? [v] : undefined) : v;
  if (!Array.isArray(list) || (lengths.length > 0 && !lengths.includes(list.length))) {
    issues.add(path, showValue(v), expected);
    return undefined;
  }
  const out: number[] = [];
  let ok = true;
  for (const [i, e] of (list as readonly unknown[]).entries()) {
    const at = Array.isArray(v) ? `${path}[${i}]` : path;
    const n = readInt(issues, e, at, params, `an integer ≥ ${min}`);
    if (n === undefined) ok = false;
    else if (n < min || Math.abs(n) > WORKLOAD_LIMITS.maxDim) {
      issues.add(at, `${showValue(e)}${typeof e === 'string' ? ` = ${n}` : ''}`, `an integer ≥ ${min}`);
      ok = false;
    } else out.push(n);
  }
  return ok ? out : undefined;
}

function readQuantSpec(issues: Issues, v: unknown, path: string): QuantSpec | undefined {
  if (!isObject(v)) {
    issues.add(path, showValue(v), 'a QuantSpec { format, scale, zeroPoint, axis?, blockSize? }');
    return undefined;
  }
  checkKeys(issues, v, path, ['format', 'scale', 'zeroPoint', 'axis', 'blockSize']);
  const before = issues.list.length;
  const format = readString(issues, v, 'format', path, true);
  const numbers = (x: unknown): x is number | number[] =>
    (typeof x === 'number' && Number.isFinite(x)) ||
    (Array.isArray(x) && x.length > 0 && x.every((e) => typeof e === 'number' && Number.isFinite(e)));
  if (!numbers(v.scale))
    issues.add(`${path}.scale`, showValue(v.scale), 'a finite number or a non-empty array of them');
  if (!numbers(v.zeroPoint))
    issues.add(`${path}.zeroPoint`, showValue(v.zeroPoint), 'a finite number or a non-empty array of them');
  if (v.axis !== undefined && !Number.isSafeInteger(v.axis))
    issues.add(`${path}.axis`, showValue(v.axis), 'an integer');
  if (v.blockSize !== undefined && !(Number.isSafeInteger(v.blockSize) && (v.blockSize as number) > 0)) {
    issues.add(`${path}.blockSize`, showValue(v.blockSize), 'a positive integer');
  }
  if (issues.list.length > before || format === undefined) return undefined;
  return {
    format,
    scale: v.scale as number | number[],
    zeroPoint: v.zeroPoint as number | number[],
    ...(v.axis !== undefined ? { axis: v.axis as number } : {}),
    ...(v.blockSize !== undefined ? { blockSize: v.blockSize as number } : {}),
  };
}

function readAttr(issues: Issues, spec: AttrSpec, v: unknown, path: string, params: ParamValues): unknown {
  switch (spec.kind) {
    case 'int': {
      const min = spec.min;
      const n = readInt(issues, v, path, params, min === undefined ? 'an integer' : `an integer ≥ ${min}`);
      if (n !== undefined && min !== undefined && n < min) {
        issues.add(path, `${showValue(v)}${typeof v === 'string' ? ` = ${n}` : ''}`, `an integer ≥ ${min}`);
        return undefined;
      }
      return n;
    }
    case 'pair': {
      const l = readIntList(issues, v, path, params, 1, [1, 2], 'k or [h, w]');
      return l === undefined ? undefined : l.length === 1 ? [l[0]!, l[0]!] : l;
    }
    case 'pads': {
      const l = readIntList(issues, v, path, params, 0, [1, 2, 4], 'p, [h, w] or [top, left, bottom, right]');
      if (l === undefined) return undefined;
      if (l.length === 1) return [l[0]!, l[0]!, l[0]!, l[0]!];
      if (l.length === 2) return [l[0]!, l[1]!, l[0]!, l[1]!];
      return l;
    }
    case 'ints':
      return readIntList(issues, v, path, params, spec.min, [], 'an array');
    case 'number':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      issues.add(path, showValue(v), 'a finite number');
      return undefined;
    case 'bool':
      if (typeof v === 'boolean') return v;
      issues.add(path, showValue(v), 'true or false');
      return undefined;
    case 'quant':
      return readQuantSpec(issues, v, path);
  }
}

/** Attrs with defaults filled, or undefined (issues recorded). */
function readAttrs(
  issues: Issues,
  op: OpType,
  raw: unknown,
  path: string,
  params: ParamValues,
): Record<string, unknown> | undefined {
  const specs = ATTR_SPECS[op] as Readonly<Record<string, AttrSpec>>;
  const names = Object.keys(specs);
  if (raw !== undefined && !isObject(raw)) {
    issues.add(path, showValue(raw), 'an object');
    return undefined;
  }
  const obj: Obj = raw ?? {};
  const before = issues.list.length;
  for (const key of Object.keys(obj)) {
    if (!names.includes(key)) {
      issues.add(
        `${path}.${key}`,
        'an unknown attr',
        names.length > 0 ? `an attr of ${op}: ${names.join(', ')}` : `no attrs (${op} takes none)`,
      );
    }
  }
  const attrs: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const v = obj[key];
    if (v === undefined) {
      if ('default' in spec) attrs[key] = spec.default;
      else issues.add(`${path}.${key}`, '(missing)', `a value (${op} requires ${key})`);
      continue;
    }
    attrs[key] = readAttr(issues, spec, v, `${path}.${key}`, params);
  }
  return issues.list.length > before ? undefined : attrs;
}

/** The attrs object was built from ATTR_SPECS[op], whose keys and kinds mirror OpAttrMap[op]. */
function makeNode(
  name: string,
  op: OpType,
  inputs: readonly string[],
  attrs: Readonly<Record<string, unknown>>,
): Node {
  return { name, op, inputs, outputs: [name], attrs } as unknown as Node;
}

// ---- building the graph ------------------------------------------------------------------------

const TOP_KEYS = [
  'format',
  'id',
  'description',
  'source',
  'params',
  'quant',
  'inputs',
  'constants',
  'layers',
  'outputs',
];
const LAYER_KEYS = ['name', 'op', 'inputs', 'attrs', 'bias', 'when'];

interface Builder {
  readonly issues: Issues;
  readonly decls: ReadonlyMap<string, ParamDoc>;
  readonly params: ParamValues;
  readonly tensors: Map<string, TensorInfo>;
  /** Where each tensor name was defined (for duplicate messages). */
  readonly definedAt: Map<string, string>;
  /** Names whose definition was invalid: references to them are not reported again. */
  readonly poisoned: Set<string>;
  /** Names defined only under a `when` that is false for these params. */
  readonly excluded: Map<string, string>;
}

function defineTensor(b: Builder, info: TensorInfo, path: string): boolean {
  const prior = b.definedAt.get(info.name);
  if (prior !== undefined) {
    b.issues.add(path, JSON.stringify(info.name), `a unique tensor name (already defined by ${prior})`);
    return false;
  }
  b.tensors.set(info.name, info);
  b.definedAt.set(info.name, path);
  return true;
}

function readQuantDefaults(issues: Issues, raw: unknown): QuantDefaults {
  if (raw === undefined) return DEFAULT_QUANT;
  if (!isObject(raw)) {
    issues.add('quant', showValue(raw), 'an object { weights, activations, accumulator, granularity }');
    return DEFAULT_QUANT;
  }
  checkKeys(issues, raw, 'quant', ['weights', 'activations', 'accumulator', 'granularity']);
  const g = raw.granularity;
  if (g !== undefined && g !== 'per-tensor' && g !== 'per-channel')
    issues.add('quant.granularity', showValue(g), '"per-tensor" or "per-channel"');
  return {
    weights: readString(issues, raw, 'weights', 'quant', false) ?? DEFAULT_QUANT.weights,
    activations: readString(issues, raw, 'activations', 'quant', false) ?? DEFAULT_QUANT.activations,
    accumulator: readString(issues, raw, 'accumulator', 'quant', false) ?? DEFAULT_QUANT.accumulator,
    granularity: g === 'per-tensor' ? 'per-tensor' : 'per-channel',
  };
}

function readGraphInputs(b: Builder, list: readonly unknown[], batch: number): string[] {
  const names: string[] = [];
  list.forEach((raw, i) => {
    const path = `inputs[${i}]`;
    if (!isObject(raw)) {
      b.issues.add(path, showValue(raw), 'an object { name, shape, when? }');
      return;
    }
    checkKeys(b.issues, raw, path, ['name', 'shape', 'when']);
    const name = readString(b.issues, raw, 'name', path, true);
    const when = evalWhen(b.issues, raw.when, `${path}.when`, b.decls, b.params);
    const shape = readShape(b.issues, raw.shape, `${path}.shape`, b.params);
    if (name === undefined) return;
    if (when === false) {
      b.excluded.set(name, path);
      return;
    }
    if (shape === undefined || when === undefined) {
      b.poisoned.add(name);
      return;
    }
    shape[0] = shape[0]! * batch;
    if (defineTensor(b, { name, shape, role: 'input', dtype: 'float32' }, `${path}.name`)) names.push(name);
  });
  return names;
}

function readConstants(b: Builder, list: readonly unknown[]): void {
  list.forEach((raw, i) => {
    const path = `constants[${i}]`;
    if (!isObject(raw)) {
      b.issues.add(path, showValue(raw), 'an object { name, shape, value?, when? }');
      return;
    }
    checkKeys(b.issues, raw, path, ['name', 'shape', 'value', 'when']);
    const name = readString(b.issues, raw, 'name', path, true);
    const when = evalWhen(b.issues, raw.when, `${path}.when`, b.decls, b.params);
    const shape = readShape(b.issues, raw.shape, `${path}.shape`, b.params);
    const value = raw.value;
    let valueOk = true;
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) {
      b.issues.add(`${path}.value`, showValue(value), 'a finite number (every element of the constant)');
      valueOk = false;
    }
    if (name === undefined) return;
    if (when === false) {
      b.excluded.set(name, path);
      return;
    }
    if (shape === undefined || when === undefined || !valueOk) {
      b.poisoned.add(name);
      return;
    }
    const count = shape.reduce((x, y) => x * y, 1);
    if (typeof value === 'number' && count > WORKLOAD_LIMITS.maxConstantElements) {
      b.issues.add(
        `${path}.shape`,
        `[${shape.join(',')}] (${count} elements)`,
        `at most ${WORKLOAD_LIMITS.maxConstantElements} elements for a constant with a value (omit value for a shape-only constant)`,
      );
      b.poisoned.add(name);
      return;
    }
    const data = typeof value === 'number' ? { data: new Float32Array(count).fill(value) } : {};
    defineTensor(b, { name, shape, role: 'constant', dtype: 'float32', ...data }, `${path}.name`);
  });
}

interface ParsedLayer {
  readonly index: number;
  readonly name: string;
  readonly op: OpType;
  readonly inputs: readonly string[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly bias: boolean;
}

/** Structural checks of one layer (independent of shapes); undefined when invalid or excluded. */
function readLayer(b: Builder, raw: unknown, i: number): ParsedLayer | undefined {
  const path = `layers[${i}]`;
  if (!isObject(raw)) {
    b.issues.add(path, showValue(raw), 'an object { name, op, inputs, attrs?, bias?, when? }');
    return undefined;
  }
  const before = b.issues.list.length;
  checkKeys(b.issues, raw, path, LAYER_KEYS);
  const name = readString(b.issues, raw, 'name', path, true);
  const opRaw = raw.op;
  let op: OpType | undefined;
  if (typeof opRaw === 'string' && (OP_TYPES as readonly string[]).includes(opRaw)) op = opRaw as OpType;
  else b.issues.add(`${path}.op`, showValue(opRaw), `one of the ops: ${OP_TYPES.join(', ')}`);
  const inputsRaw = readArray(b.issues, raw, 'inputs', path, true);
  const inputs: string[] = [];
  inputsRaw?.forEach((v, j) => {
    if (typeof v === 'string' && v.length > 0) inputs.push(v);
    else
      b.issues.add(
        `${path}.inputs[${j}]`,
        showValue(v),
        'a tensor name (a graph input, constant or earlier layer)',
      );
  });
  if (op !== undefined && inputsRaw !== undefined) {
    const [min, max] = activationArity(op);
    if (inputsRaw.length < min || inputsRaw.length > max) {
      const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      const weights =
        op === 'conv2d' || op === 'dense' || op === 'batchnorm' || op === 'layernorm'
          ? ' (weights are implicit; list only the activation input)'
          : '';
      b.issues.add(
        `${path}.inputs`,
        `${inputsRaw.length} input${inputsRaw.length === 1 ? '' : 's'}`,
        `${want} input${max === 1 ? '' : 's'} for ${op}${weights}`,
      );
    }
  }
  const attrs = op !== undefined ? readAttrs(b.issues, op, raw.attrs, `${path}.attrs`, b.params) : undefined;
  let bias = true;
  if (raw.bias !== undefined) {
    if (op !== undefined && op !== 'conv2d' && op !== 'dense')
      b.issues.add(
        `${path}.bias`,
        showValue(raw.bias),
        `no bias key: only conv2d and dense layers take one (this is ${op})`,
      );
    else if (typeof raw.bias !== 'boolean')
      b.issues.add(`${path}.bias`, showValue(raw.bias), 'true or false');
    else bias = raw.bias;
  }
  const when = evalWhen(b.issues, raw.when, `${path}.when`, b.decls, b.params);
  if (name === undefined) return undefined;
  if (when === false) {
    if (!b.excluded.has(name)) b.excluded.set(name, path);
    return undefined;
  }
  if (b.issues.list.length > before || op === undefined || attrs === undefined || when === undefined) {
    b.poisoned.add(name);
    return undefined;
  }
  return { index: i, name, op, inputs, attrs, bias };
}

/** Resolve a layer's input names to shapes; undefined when one is missing (issue recorded unless poisoned). */
function resolveInputs(
  b: Builder,
  layer: ParsedLayer,
  laterAt: ReadonlyMap<string, number>,
): Shape[] | undefined {
  const shapes: Shape[] = [];
  let ok = true;
  for (const [j, name] of layer.inputs.entries()) {
    const t = b.tensors.get(name);
    if (t !== undefined) {
      shapes.push(t.shape);
      continue;
    }
    ok = false;
    if (b.poisoned.has(name)) continue;
    const path = `layers[${layer.index}].inputs[${j}]`;
    const later = laterAt.get(name);
    const excludedBy = b.excluded.get(name);
    const active = [...b.params.entries()].map(([k, v]) => `${k}=${v}`).join(', ');
    if (later !== undefined && later >= layer.index) {
      b.issues.add(
        path,
        JSON.stringify(name),
        `a tensor defined before this layer (${name} is layers[${later}]; list layers in topological order)`,
      );
    } else if (excludedBy !== undefined) {
      b.issues.add(
        path,
        JSON.stringify(name),
        `a tensor present for these params (${excludedBy} is excluded by its when; params ${active})`,
      );
    } else {
      b.issues.add(path, JSON.stringify(name), 'the name of a graph input, a constant or an earlier layer');
    }
  }
  return ok ? shapes : undefined;
}

/** Implicit weight tensors of a layer, from its input shape; undefined when the input cannot take them. */
function implicitWeights(
  b: Builder,
  layer: ParsedLayer,
  x: Shape,
): { name: string; shape: number[]; role: 'weight' | 'bias' | 'constant' }[] | undefined {
  const path = `layers[${layer.index}].inputs[0]`;
  const a = layer.attrs;
  const n = layer.name;
  switch (layer.op) {
    case 'conv2d': {
      const cout = a.outChannels as number;
      const groups = a.groups as number;
      const [kh, kw] = a.kernel as [number, number];
      if (x.length !== 4) {
        b.issues.add(path, `shape [${x.join(',')}]`, 'a rank-4 NCHW tensor for conv2d');
        return undefined;
      }
      const cin = x[1]!;
      if (cin % groups !== 0 || cout % groups !== 0) {
        b.issues.add(
          `layers[${layer.index}].attrs.groups`,
          String(groups),
          `a divisor of both the input channels (${cin}) and outChannels (${cout})`,
        );
        return undefined;
      }
      const w = [{ name: `${n}.weight`, shape: [cout, cin / groups, kh, kw], role: 'weight' as const }];
      return layer.bias ? [...w, { name: `${n}.bias`, shape: [cout], role: 'bias' as const }] : w;
    }
    case 'dense': {
      const units = a.units as number;
      const w = [{ name: `${n}.weight`, shape: [x[x.length - 1]!, units], role: 'weight' as const }];
      return layer.bias ? [...w, { name: `${n}.bias`, shape: [units], role: 'bias' as const }] : w;
    }
    case 'batchnorm': {
      if (x.length < 2) {
        b.issues.add(
          path,
          `shape [${x.join(',')}]`,
          'a tensor of rank ≥ 2 (channels on axis 1) for batchnorm',
        );
        return undefined;
      }
      const c = [x[1]!];
      return [
        { name: `${n}.gamma`, shape: c, role: 'weight' },
        { name: `${n}.beta`, shape: c, role: 'bias' },
        { name: `${n}.mean`, shape: c, role: 'constant' },
        { name: `${n}.var`, shape: c, role: 'constant' },
      ];
    }
    case 'layernorm': {
      const axis = a.axis as number;
      if (axis < -x.length || axis >= x.length) {
        b.issues.add(
          `layers[${layer.index}].attrs.axis`,
          String(axis),
          `an axis in [${-x.length}, ${x.length - 1}] for input shape [${x.join(',')}]`,
        );
        return undefined;
      }
      const normalized = x.slice(axis < 0 ? axis + x.length : axis);
      return [
        { name: `${n}.gamma`, shape: normalized, role: 'weight' },
        { name: `${n}.beta`, shape: normalized, role: 'bias' },
      ];
    }
    default:
      return [];
  }
}

function buildLayer(b: Builder, layer: ParsedLayer, laterAt: ReadonlyMap<string, number>): Node | undefined {
  const path = `layers[${layer.index}]`;
  const inputShapes = resolveInputs(b, layer, laterAt);
  if (inputShapes === undefined) return undefined;
  const weights = implicitWeights(b, layer, inputShapes[0]!);
  if (weights === undefined) return undefined;
  let ok = true;
  for (const w of weights) {
    if (
      !defineTensor(
        b,
        { name: w.name, shape: w.shape, role: w.role, dtype: 'float32' },
        `${path} (implicit ${w.role} of ${layer.name})`,
      )
    )
      ok = false;
  }
  if (!ok) return undefined;
  const node = makeNode(layer.name, layer.op, [...layer.inputs, ...weights.map((w) => w.name)], layer.attrs);
  const allShapes = [...inputShapes, ...weights.map((w) => w.shape)];
  const problems = checkNode(node, allShapes);
  if (problems.length > 0) {
    for (const p of problems) b.issues.add(`${path}.${p.path}`, p.value, p.expected);
    return undefined;
  }
  const out = inferNodeShapes(node, allShapes)[0];
  if (
    out === undefined ||
    !out.every((d) => Number.isSafeInteger(d) && d > 0) ||
    !Number.isSafeInteger(out.reduce((x, y) => x * y, 1))
  ) {
    b.issues.add(
      path,
      `output shape ${showValue(out)}`,
      'an output of positive integer dims (check kernel, stride and pads against the input)',
    );
    return undefined;
  }
  if (
    !defineTensor(b, { name: layer.name, shape: out, role: 'activation', dtype: 'float32' }, `${path}.name`)
  )
    return undefined;
  return node;
}

function readOutputs(b: Builder, raw: readonly unknown[] | undefined, nodes: readonly Node[]): string[] {
  if (raw === undefined) {
    const last = nodes[nodes.length - 1];
    return last !== undefined ? [last.name] : [];
  }
  const outputs: string[] = [];
  raw.forEach((o, i) => {
    const path = `outputs[${i}]`;
    let name: string | undefined;
    let when: boolean | undefined = true;
    if (typeof o === 'string' && o.length > 0) name = o;
    else if (isObject(o)) {
      checkKeys(b.issues, o, path, ['name', 'when']);
      name = readString(b.issues, o, 'name', path, true);
      when = evalWhen(b.issues, o.when, `${path}.when`, b.decls, b.params);
    } else b.issues.add(path, showValue(o), 'a tensor name or { name, when }');
    if (name === undefined || when !== true) return;
    if (b.tensors.has(name)) {
      if (!outputs.includes(name)) outputs.push(name);
    } else if (!b.poisoned.has(name)) {
      const excludedBy = b.excluded.get(name);
      b.issues.add(
        path,
        JSON.stringify(name),
        excludedBy !== undefined
          ? `a tensor present for these params (${excludedBy} is excluded by its when)`
          : 'the name of a layer or graph input',
      );
    }
  });
  return outputs;
}

/**
 * Build a Graph from a parsed layer-table document (already JS values). `file` names the source
 * in issues. Throws one InputError listing every problem.
 */
export function buildWorkload(
  raw: unknown,
  file: string,
  overrides: Readonly<Record<string, string>> = {},
  opts: LoadWorkloadOptions = {},
): Graph {
  const issues = new Issues(file);
  if (!isObject(raw)) {
    issues.add(
      '(document)',
      showValue(raw),
      `a workload object { "format": "${WORKLOAD_FORMAT}", inputs, layers, outputs, … }`,
    );
    throw new InputError(issues.list);
  }
  checkKeys(issues, raw, '', TOP_KEYS);
  if (raw.format !== WORKLOAD_FORMAT)
    issues.add('format', showValue(raw.format), JSON.stringify(WORKLOAD_FORMAT));
  const id =
    raw.id === undefined
      ? basename(file, extname(file))
      : (readString(issues, raw, 'id', '', true) ?? 'workload');
  readString(issues, raw, 'description', '', false);
  const source = readString(issues, raw, 'source', '', false);
  const batch = opts.batch ?? 1;
  if (!Number.isSafeInteger(batch) || batch < 1)
    issues.add('batch (option)', showValue(batch), 'a positive integer');
  const decls = readParamDecls(issues, raw.params);
  const params = resolveParams(issues, decls, overrides);
  const quant = readQuantDefaults(issues, raw.quant);
  const b: Builder = {
    issues,
    decls,
    params,
    tensors: new Map(),
    definedAt: new Map(),
    poisoned: new Set(),
    excluded: new Map(),
  };

  const inputList = readArray(issues, raw, 'inputs', '', true) ?? [];
  if (inputList.length === 0 && Array.isArray(raw.inputs))
    issues.add('inputs', '[]', 'at least one graph input');
  const inputs = readGraphInputs(b, inputList, Number.isSafeInteger(batch) && batch >= 1 ? batch : 1);
  readConstants(b, readArray(issues, raw, 'constants', '', false) ?? []);

  const layerList = readArray(issues, raw, 'layers', '', true) ?? [];
  if (layerList.length === 0 && Array.isArray(raw.layers)) issues.add('layers', '[]', 'at least one layer');
  if (layerList.length > WORKLOAD_LIMITS.maxLayers) {
    issues.add('layers', `${layerList.length} layers`, `at most ${WORKLOAD_LIMITS.maxLayers} layers`);
    throw new InputError(issues.list);
  }
  const laterAt = new Map<string, number>();
  layerList.forEach((l, i) => {
    if (isObject(l) && typeof l.name === 'string' && !laterAt.has(l.name)) laterAt.set(l.name, i);
  });
  const nodes: Node[] = [];
  for (const [i, raw] of layerList.entries()) {
    const layer = readLayer(b, raw, i);
    if (layer === undefined) continue;
    const node = buildLayer(b, layer, laterAt);
    if (node !== undefined) nodes.push(node);
    else b.poisoned.add(layer.name);
  }
  const outputs = readOutputs(b, readArray(issues, raw, 'outputs', '', false), nodes);
  if (outputs.length === 0 && issues.list.length === 0)
    issues.add('outputs', showValue(raw.outputs), 'at least one output for these params');
  if (issues.list.length > 0) throw new InputError(issues.list);
  return {
    name: id,
    inputs,
    outputs,
    tensors: b.tensors,
    nodes,
    quant,
    ...(source !== undefined ? { source } : {}),
  };
}

// ---- files -------------------------------------------------------------------------------------

/** Parse JSON or YAML text; syntax errors become issues with line and column. */
export function parseWorkloadText(text: string, file: string): unknown {
  // the built-in zoo is generated JSON (no duplicate keys by construction): parse it directly,
  // which is an order of magnitude faster than the YAML parser on the large transformer tables
  if (file.startsWith(zooDir())) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // fall through to the YAML parser for a precise message
    }
  }
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          file,
          path: pos !== undefined ? `line ${pos.line}, column ${pos.col}` : '(document)',
          value: (e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ''),
          expected: 'well-formed JSON or YAML',
        };
      }),
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw new InputError([
      {
        file,
        path: '(document)',
        value: e instanceof Error ? e.message : String(e),
        expected: 'a document whose aliases refer to earlier anchors (at most 100 alias expansions)',
      },
    ]);
  }
}

/** Parse and build a layer table given as text (JSON or YAML). */
export function parseWorkload(
  text: string,
  file: string,
  overrides: Readonly<Record<string, string>> = {},
  opts: LoadWorkloadOptions = {},
): Graph {
  return buildWorkload(parseWorkloadText(text, file), file, overrides, opts);
}

export function zooDir(): string {
  return join(packageRoot(), 'workloads', 'zoo');
}

function zooIds(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

function readLimited(path: string): string {
  const size = statSync(path).size;
  if (size > WORKLOAD_LIMITS.maxFileBytes) {
    throw new InputError([
      {
        file: path,
        path: '(file)',
        value: `${size} bytes`,
        expected: `at most ${WORKLOAD_LIMITS.maxFileBytes} bytes`,
      },
    ]);
  }
  return readFileSync(path, 'utf8');
}

const ZOO_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Load a workload: a zoo id (`resnet50`), a layer table (`.json`, `.yaml`, `.yml`) or a SCALE-Sim
 * topology (`.csv`, conv or GEMM). `overrides` set params (`{ seq: "256", phase: "decode" }`).
 */
export function loadWorkload(
  idOrPath: string,
  overrides: Readonly<Record<string, string>> = {},
  opts: LoadWorkloadOptions = {},
): Graph {
  const dir = opts.zooDir ?? zooDir();
  const ext = extname(idOrPath).toLowerCase();
  const isTableExt = ext === '.json' || ext === '.yaml' || ext === '.yml';
  const zooPath = join(dir, `${idOrPath}.json`);
  if (ZOO_ID.test(idOrPath) && !isTableExt && ext !== '.csv' && existsSync(zooPath)) {
    return parseWorkload(readLimited(zooPath), `workloads/zoo/${idOrPath}.json`, overrides, opts);
  }
  const exists = existsSync(idOrPath) && statSync(idOrPath).isFile();
  if (exists && ext === '.csv') {
    const unknown = Object.keys(overrides);
    if (unknown.length > 0) {
      throw new InputError(
        unknown.map((k) => ({
          file: idOrPath,
          path: `params.${k} (override)`,
          value: JSON.stringify(k),
          expected: 'nothing: SCALE-Sim topologies have no params',
        })),
      );
    }
    return parseScaleSimCsv(readLimited(idOrPath), idOrPath, {
      ...(opts.csvKind !== undefined ? { kind: opts.csvKind } : {}),
      ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
    });
  }
  if (exists && isTableExt) return parseWorkload(readLimited(idOrPath), idOrPath, overrides, opts);
  const ids = zooIds(dir);
  throw new InputError([
    {
      path: 'workload',
      value: JSON.stringify(idOrPath),
      expected: `a zoo id (${ids.join(', ')}) or the path of an existing .json, .yaml, .yml or .csv file${exists ? ` (${ext === '' ? 'no extension' : ext} is not one of them)` : ''}`,
    },
  ]);
}

export interface ZooEntry {
  readonly id: string;
  readonly description: string;
  readonly source: string;
  readonly params: Readonly<Record<string, ParamDoc>>;
}

/** The built-in workloads, sorted by id. */
export function listZoo(dir: string = zooDir()): ZooEntry[] {
  return zooIds(dir).map((id) => {
    const doc = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as Partial<WorkloadDoc>;
    return { id, description: doc.description ?? '', source: doc.source ?? '', params: doc.params ?? {} };
  });
}

// ---- writing -----------------------------------------------------------------------------------

function canonicalLayer(l: LayerDoc): LayerDoc {
  return {
    name: l.name,
    op: l.op,
    inputs: l.inputs,
    ...(l.attrs !== undefined && Object.keys(l.attrs).length > 0 ? { attrs: l.attrs } : {}),
    ...(l.bias !== undefined ? { bias: l.bias } : {}),
    ...(l.when !== undefined ? { when: l.when } : {}),
  };
}

/**
 * The canonical text of a workload document: fixed key order, one input / constant / layer /
 * output per line, trailing newline. Equal documents give equal bytes.
 */
export function formatWorkloadJson(doc: WorkloadDoc): string {
  const lines: string[] = ['{'];
  const entries: [string, string][] = [];
  const scalar = (k: string, v: unknown): void => {
    if (v !== undefined) entries.push([k, JSON.stringify(v)]);
  };
  const list = (k: string, items: readonly unknown[] | undefined): void => {
    if (items === undefined) return;
    if (items.length === 0) entries.push([k, '[]']);
    else entries.push([k, `[\n${items.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]`]);
  };
  scalar('format', doc.format);
  scalar('id', doc.id);
  scalar('description', doc.description);
  scalar('source', doc.source);
  if (doc.params !== undefined && Object.keys(doc.params).length > 0) {
    const ps = Object.entries(doc.params).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    entries.push(['params', `{\n${ps.join(',\n')}\n  }`]);
  }
  scalar('quant', doc.quant);
  list('inputs', doc.inputs);
  if (doc.constants !== undefined && doc.constants.length > 0) list('constants', doc.constants);
  list('layers', doc.layers.map(canonicalLayer));
  list('outputs', doc.outputs);
  entries.forEach(([k, v], i) =>
    lines.push(`  ${JSON.stringify(k)}: ${v}${i < entries.length - 1 ? ',' : ''}`),
  );
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Number of leading inputs of a node that are activations (the rest are its implicit weights). */
function implicitWeightStart(node: Node): number {
  switch (node.op) {
    case 'conv2d':
    case 'dense':
    case 'batchnorm':
    case 'layernorm':
      return 1;
    default:
      return node.inputs.length;
  }
}

/**
 * The layer-table document of a graph (params resolved, weight values dropped: a layer table
 * carries shapes, not data). Tensors that are neither graph inputs nor layer outputs nor implicit
 * weights become `constants` (with a value when all their elements are equal).
 */
export function graphToWorkloadDoc(graph: Graph): WorkloadDoc {
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const constants: ConstantDoc[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    if (node.outputs.length !== 1)
      throw new Error(
        `graphToWorkloadDoc: node ${node.name} has ${node.outputs.length} outputs; layer tables need exactly one`,
      );
  }
  const layers: LayerDoc[] = graph.nodes.map((node) => {
    const start = implicitWeightStart(node);
    const inputs = node.inputs.slice(0, start);
    for (const t of inputs) {
      if (produced.has(t) || graph.inputs.includes(t) || seen.has(t)) continue;
      const info = graph.tensors.get(t);
      if (info === undefined) continue;
      seen.add(t);
      const d = info.data;
      const uniform = d !== undefined && d.length > 0 && d.every((v) => v === d[0]);
      constants.push({ name: t, shape: [...info.shape], ...(uniform ? { value: d[0]! } : {}) });
    }
    const bias = node.op === 'conv2d' || node.op === 'dense' ? { bias: node.inputs.length > 2 } : {};
    return {
      name: node.outputs[0]!,
      op: node.op,
      inputs,
      attrs: node.attrs as unknown as Readonly<Record<string, unknown>>,
      ...bias,
    };
  });
  return {
    format: WORKLOAD_FORMAT,
    id: graph.name,
    ...(graph.source !== undefined ? { source: graph.source } : {}),
    ...(graph.quant !== undefined ? { quant: graph.quant } : {}),
    inputs: graph.inputs.map((name) => ({ name, shape: [...(graph.tensors.get(name)?.shape ?? [])] })),
    ...(constants.length > 0 ? { constants } : {}),
    layers,
    outputs: [...graph.outputs],
  };
}

/** A graph as canonical layer-table JSON (see graphToWorkloadDoc for what is kept). */
export function workloadToJson(graph: Graph): string {
  return formatWorkloadJson(graphToWorkloadDoc(graph));
}
