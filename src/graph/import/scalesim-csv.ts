/**
 * SCALE-Sim topology import (conv and GEMM CSVs, SCALE-Sim v2 conventions).
 *
 * Conv rows: `name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,
 * Strides,` with an optional 9th value, the column stride. GEMM rows: `name, M, N, K,`. The first
 * line is a header and is always skipped, as SCALE-Sim does; blank lines and lines starting with
 * `#` are skipped. A trailing comma is optional here (SCALE-Sim requires it): the text after the
 * last comma is dropped when it is empty or a `#` comment.
 *
 * SCALE-Sim layers are independent, so every row becomes its own conv2d (or dense) layer with its
 * own graph input. SCALE-Sim never pads and sizes outputs with ceil((H − Fh + S) / S); bitcycle's
 * conv uses floor((H + pads − Fh) / S) + 1, so when the stride does not divide H − Fh the layer gets
 * (E − 1)·S + Fh − H rows of padding at the bottom (columns at the right), which gives the same
 * output size E and the same M·N·K as SCALE-Sim (the partial last window SCALE-Sim keeps is the
 * padded one). A name containing `DP` is depthwise, as in SCALE-Sim (which expands it into
 * Channels single-channel layers of Num Filter filters each): it becomes one conv2d with
 * groups = Channels and Channels × Num Filter output channels. A GEMM row M, N, K is a dense layer
 * with input [M, K] and N units (MACs M·N·K, as SCALE-Sim's 1×K-filter conv).
 */
import { basename, extname } from 'node:path';
import { InputError, showValue, type InputIssue } from '../../units/errors.js';
import type { Graph, Node, QuantDefaults, TensorInfo } from '../ir.js';
import { checkNode, formatProblem, inferNodeShapes } from '../ops/registry.js';

export type ScaleSimKind = 'conv' | 'gemm';

export interface ScaleSimOptions {
  /** conv or GEMM; detected from the header when absent. */
  readonly kind?: ScaleSimKind;
  /** Multiplies the leading dim of every layer input (N of a conv, M of a GEMM). Default 1. */
  readonly batch?: number;
}

export const SCALESIM_CONV_COLUMNS = [
  'Layer name',
  'IFMAP Height',
  'IFMAP Width',
  'Filter Height',
  'Filter Width',
  'Channels',
  'Num Filter',
  'Strides',
] as const;
export const SCALESIM_GEMM_COLUMNS = ['Layer', 'M', 'N', 'K'] as const;

const MAX_ROWS = 100_000;
const MAX_DIM = 2 ** 31 - 1;

/** SCALE-Sim's word is one byte: int8 operands, int32 accumulation. */
const SCALESIM_QUANT: QuantDefaults = {
  weights: 'int8',
  activations: 'int8',
  accumulator: 'int32',
  granularity: 'per-tensor',
};

interface Row {
  readonly line: number;
  readonly fields: readonly string[];
}

function splitRows(text: string): { header: string | undefined; rows: Row[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  const rows: Row[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(',').map((f) => f.trim());
    const last = fields[fields.length - 1];
    if (fields.length > 1 && last !== undefined && (last === '' || last.startsWith('#'))) fields.pop();
    rows.push({ line: i + 1, fields });
  }
  return { header: lines[0], rows };
}

/** conv / gemm from a header line, undefined when it names neither. */
export function detectScaleSimKind(header: string): ScaleSimKind | undefined {
  const f = header
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter((x) => x !== '');
  if (f.length >= 4 && f[1] === 'm' && f[2] === 'n' && f[3] === 'k') return 'gemm';
  if (f.some((x) => x.includes('ifmap') || x.includes('filter'))) return 'conv';
  return undefined;
}

class RowReader {
  readonly issues: InputIssue[] = [];
  constructor(
    private readonly file: string,
    private readonly columns: readonly string[],
  ) {}

  /** The positive integer in column `index`, or undefined (issue recorded). */
  int(row: Row, index: number): number | undefined {
    const column = this.columns[index] ?? `column ${index + 1}`;
    const v = row.fields[index];
    const at = `line ${row.line}, column ${index + 1} "${column}"`;
    if (v === undefined || v === '') {
      this.add(at, '(missing)', `a positive integer (rows are: ${this.columns.join(', ')},)`);
      return undefined;
    }
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_DIM) {
      this.add(
        at,
        JSON.stringify(v),
        `a positive integer${Number.isInteger(n) && n > MAX_DIM ? ` ≤ ${MAX_DIM}` : ''}`,
      );
      return undefined;
    }
    return n;
  }

  name(row: Row): string | undefined {
    const v = row.fields[0] ?? '';
    if (v === '') {
      this.add(
        `line ${row.line}, column 1 "${this.columns[0] ?? 'name'}"`,
        showValue(v),
        'a non-empty layer name',
      );
      return undefined;
    }
    return v;
  }

  add(path: string, value: string, expected: string): void {
    this.issues.push({ file: this.file, path, value, expected });
  }
}

/** Unique names: a repeated layer name gets `_2`, `_3`, … (SCALE-Sim allows repeats). */
class Names {
  private readonly used = new Set<string>();
  take(name: string, suffixes: readonly string[]): string {
    let candidate = name;
    for (let k = 2; [candidate, ...suffixes.map((s) => candidate + s)].some((n) => this.used.has(n)); k++)
      candidate = `${name}_${k}`;
    for (const n of [candidate, ...suffixes.map((s) => candidate + s)]) this.used.add(n);
    return candidate;
  }
}

interface LayerBuild {
  readonly input: TensorInfo;
  readonly weight: TensorInfo;
  readonly node: Node;
}

function finish(
  file: string,
  kind: ScaleSimKind,
  builds: readonly LayerBuild[],
  reader: RowReader,
  noRows: boolean,
): Graph {
  if (noRows)
    reader.add(
      '(file)',
      'no layer rows',
      `at least one ${kind === 'conv' ? 'conv' : 'GEMM'} row after the header line`,
    );
  if (reader.issues.length > 0) throw new InputError(reader.issues);
  const tensors = new Map<string, TensorInfo>();
  const nodes: Node[] = [];
  for (const b of builds) {
    tensors.set(b.input.name, b.input);
    tensors.set(b.weight.name, b.weight);
    const shapes = [b.input.shape, b.weight.shape];
    const problems = checkNode(b.node, shapes);
    if (problems.length > 0)
      throw new Error(
        `scalesim import built an invalid ${b.node.op} ${b.node.name}: ${problems.map(formatProblem).join('; ')}`,
      );
    const out = inferNodeShapes(b.node, shapes)[0]!;
    tensors.set(b.node.name, { name: b.node.name, shape: out, role: 'activation', dtype: 'float32' });
    nodes.push(b.node);
  }
  return {
    name: basename(file, extname(file)),
    inputs: builds.map((b) => b.input.name),
    outputs: nodes.map((n) => n.name),
    tensors,
    nodes,
    quant: SCALESIM_QUANT,
    source: `SCALE-Sim ${kind} topology ${basename(file)}`,
  };
}

function checkBatch(file: string, batch: number): void {
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new InputError([
      { file, path: 'batch (option)', value: showValue(batch), expected: 'a positive integer' },
    ]);
}

function checkRowCount(file: string, rows: readonly Row[]): void {
  if (rows.length > MAX_ROWS)
    throw new InputError([
      { file, path: '(file)', value: `${rows.length} rows`, expected: `at most ${MAX_ROWS} rows` },
    ]);
}

/** SCALE-Sim output size along one axis: ceil((H − F + S) / S). */
export function scaleSimOutputSize(input: number, filter: number, stride: number): number {
  return Math.ceil((input - filter + stride) / stride);
}

/** A SCALE-Sim conv topology CSV as a graph of independent conv2d layers. */
export function parseScaleSimTopology(
  text: string,
  file: string,
  opts: { readonly batch?: number } = {},
): Graph {
  const batch = opts.batch ?? 1;
  checkBatch(file, batch);
  const { rows } = splitRows(text);
  checkRowCount(file, rows);
  const reader = new RowReader(file, [...SCALESIM_CONV_COLUMNS, 'Column Stride']);
  const names = new Names();
  const builds: LayerBuild[] = [];
  for (const row of rows) {
    const name = reader.name(row);
    const v = [1, 2, 3, 4, 5, 6, 7].map((i) => reader.int(row, i));
    const sw = row.fields.length > 8 ? reader.int(row, 8) : v[6];
    const [h, w, fh, fw, c, nf, sh] = v;
    if (
      h === undefined ||
      w === undefined ||
      fh === undefined ||
      fw === undefined ||
      c === undefined ||
      nf === undefined ||
      sh === undefined ||
      sw === undefined
    )
      continue;
    if (fh > h)
      reader.add(
        `line ${row.line}, column 4 "Filter Height"`,
        String(fh),
        `at most the IFMAP Height ${h} (SCALE-Sim does not pad)`,
      );
    if (fw > w)
      reader.add(
        `line ${row.line}, column 5 "Filter Width"`,
        String(fw),
        `at most the IFMAP Width ${w} (SCALE-Sim does not pad)`,
      );
    if (name === undefined || fh > h || fw > w) continue;
    const depthwise = name.includes('DP');
    const layer = names.take(name, ['.ifmap', '.weight']);
    const eh = scaleSimOutputSize(h, fh, sh);
    const ew = scaleSimOutputSize(w, fw, sw);
    const cout = depthwise ? c * nf : nf;
    const input: TensorInfo = {
      name: `${layer}.ifmap`,
      shape: [batch, c, h, w],
      role: 'input',
      dtype: 'float32',
    };
    const weight: TensorInfo = {
      name: `${layer}.weight`,
      shape: [cout, depthwise ? 1 : c, fh, fw],
      role: 'weight',
      dtype: 'float32',
    };
    const node: Node = {
      name: layer,
      op: 'conv2d',
      inputs: [input.name, weight.name],
      outputs: [layer],
      attrs: {
        outChannels: cout,
        kernel: [fh, fw],
        stride: [sh, sw],
        pads: [0, 0, (eh - 1) * sh + fh - h, (ew - 1) * sw + fw - w],
        dilation: [1, 1],
        groups: depthwise ? c : 1,
      },
    };
    builds.push({ input, weight, node });
  }
  return finish(file, 'conv', builds, reader, rows.length === 0);
}

/** A SCALE-Sim GEMM topology CSV (`name, M, N, K,`) as a graph of independent dense layers. */
export function parseScaleSimGemm(text: string, file: string, opts: { readonly batch?: number } = {}): Graph {
  const batch = opts.batch ?? 1;
  checkBatch(file, batch);
  const { rows } = splitRows(text);
  checkRowCount(file, rows);
  const reader = new RowReader(file, SCALESIM_GEMM_COLUMNS);
  const names = new Names();
  const builds: LayerBuild[] = [];
  for (const row of rows) {
    const name = reader.name(row);
    const [m, n, k] = [1, 2, 3].map((i) => reader.int(row, i));
    if (name === undefined || m === undefined || n === undefined || k === undefined) continue;
    const layer = names.take(name, ['.a', '.weight']);
    const input: TensorInfo = { name: `${layer}.a`, shape: [batch * m, k], role: 'input', dtype: 'float32' };
    const weight: TensorInfo = { name: `${layer}.weight`, shape: [k, n], role: 'weight', dtype: 'float32' };
    const node: Node = {
      name: layer,
      op: 'dense',
      inputs: [input.name, weight.name],
      outputs: [layer],
      attrs: { units: n },
    };
    builds.push({ input, weight, node });
  }
  return finish(file, 'gemm', builds, reader, rows.length === 0);
}

/** A SCALE-Sim CSV of either kind: `opts.kind`, else the header, else the first row's width. */
export function parseScaleSimCsv(text: string, file: string, opts: ScaleSimOptions = {}): Graph {
  const { header, rows } = splitRows(text);
  let kind = opts.kind ?? (header !== undefined ? detectScaleSimKind(header) : undefined);
  if (kind === undefined) {
    const width = rows[0]?.fields.length;
    if (width !== undefined && width >= 8) kind = 'conv';
    else if (width === 4) kind = 'gemm';
  }
  if (kind === undefined) {
    throw new InputError([
      {
        file,
        path: 'line 1 (header)',
        value: showValue(header ?? ''),
        expected: `a SCALE-Sim conv header "${SCALESIM_CONV_COLUMNS.join(', ')}," or GEMM header "${SCALESIM_GEMM_COLUMNS.join(', ')},"`,
      },
    ]);
  }
  const batch = opts.batch !== undefined ? { batch: opts.batch } : {};
  return kind === 'conv' ? parseScaleSimTopology(text, file, batch) : parseScaleSimGemm(text, file, batch);
}

/** Multiply-accumulates of one SCALE-Sim conv row as SCALE-Sim counts them (for cross-checks). */
export function scaleSimConvMacs(
  h: number,
  w: number,
  fh: number,
  fw: number,
  c: number,
  nf: number,
  sh: number,
  sw: number = sh,
): number {
  return scaleSimOutputSize(h, fh, sh) * scaleSimOutputSize(w, fw, sw) * fh * fw * c * nf;
}
