/**
 * dense: x [..., K] · W [K, units] (+ b [units]) → [..., units].
 * matmul: a [..., M, K] × b [..., K, N] (b [..., N, K] with transB) → [...batch, M, N], the batch
 * dims broadcast numpy-style. Both accumulate in float64 and round once per output to float32.
 */
import { elementCount, type FloatTensor, type NodeOf, type Shape } from '../ir.js';
import {
  checkBoolean,
  checkInputCount,
  checkMinRank,
  checkPositiveInt,
  checkShapeEquals,
  inputPath,
  problem,
  showShape,
  type OpProblem,
} from './check.js';
import { defineOp, rolesFrom } from './define.js';
import { broadcastOffsets, broadcastShapes, broadcastStrides } from './tensor.js';

// ---- dense -------------------------------------------------------------------------------------

function checkDense(node: NodeOf<'dense'>, shapes: readonly Shape[]): OpProblem[] {
  const attrs = checkPositiveInt('attrs.units', node.attrs.units);
  const count = checkInputCount(shapes.length, 2, 3, '[x, weight, bias?]');
  if (count.length > 0) return [...count, ...attrs];
  const rank = checkMinRank(0, 'x', shapes[0]!, 1);
  if (rank.length > 0 || attrs.length > 0) return [...attrs, ...rank];
  const x = shapes[0]!;
  const k = x[x.length - 1]!;
  const units = node.attrs.units;
  const out = checkShapeEquals(
    1,
    'weight',
    shapes[1]!,
    [k, units],
    `[K, units] with K = ${k} from x ${showShape(x)} and units = ${units}`,
  );
  const b = shapes[2];
  if (b !== undefined) out.push(...checkShapeEquals(2, 'bias', b, [units], 'one per unit'));
  return out;
}

function inferDense(node: NodeOf<'dense'>, shapes: readonly Shape[]): Shape[] {
  const x = shapes[0]!;
  return [[...x.slice(0, -1), node.attrs.units]];
}

/** (elements of x / K)·K·units = elements of x · units */
function denseMacs(node: NodeOf<'dense'>, inputShapes: readonly Shape[]): number {
  return elementCount(inputShapes[0]!) * node.attrs.units;
}

function denseReference(node: NodeOf<'dense'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const [xT, wT, bT] = inputs;
  const x = xT!.data;
  const wt = wT!.data;
  const units = node.attrs.units;
  const k = xT!.shape[xT!.shape.length - 1]!;
  const rows = x.length / k;
  const out = new Float32Array(rows * units);
  const acc = new Float64Array(units);
  for (let r = 0; r < rows; r++) {
    if (bT) acc.set(bT.data);
    else acc.fill(0);
    for (let i = 0; i < k; i++) {
      const xv = x[r * k + i]!;
      const wBase = i * units;
      for (let u = 0; u < units; u++) acc[u]! += xv * wt[wBase + u]!;
    }
    out.set(acc, r * units);
  }
  return [{ shape: inferDense(node, [xT!.shape])[0]!, data: out }];
}

export const denseOp = defineOp({
  op: 'dense',
  inputRole: rolesFrom(['x', 'weight', 'bias']),
  checkOp: checkDense,
  inferShapes: inferDense,
  macs: denseMacs,
  reference: denseReference,
});

// ---- matmul ------------------------------------------------------------------------------------

interface MatMulDims {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly batch: Shape;
}

/** M, K, N and the broadcast batch shape (undefined when batch dims do not broadcast). */
function matmulDims(transB: boolean, a: Shape, b: Shape): MatMulDims | undefined {
  const batch = broadcastShapes([a.slice(0, -2), b.slice(0, -2)]);
  if (batch === undefined) return undefined;
  const m = a[a.length - 2]!;
  const k = a[a.length - 1]!;
  const n = transB ? b[b.length - 2]! : b[b.length - 1]!;
  return { m, k, n, batch };
}

function checkMatMul(node: NodeOf<'matmul'>, shapes: readonly Shape[]): OpProblem[] {
  const attrs = checkBoolean('attrs.transB', node.attrs.transB);
  const count = checkInputCount(shapes.length, 2, 2, '[a, b]');
  if (count.length > 0) return [...count, ...attrs];
  const ranks = [...checkMinRank(0, 'a', shapes[0]!, 2), ...checkMinRank(1, 'b', shapes[1]!, 2)];
  if (ranks.length > 0 || attrs.length > 0) return [...attrs, ...ranks];
  const a = shapes[0]!;
  const b = shapes[1]!;
  const transB = node.attrs.transB;
  const kb = transB ? b[b.length - 1]! : b[b.length - 2]!;
  const out: OpProblem[] = [];
  if (kb !== a[a.length - 1]) {
    const where = transB ? 'last dim (transB)' : 'second-to-last dim';
    out.push(
      problem(
        inputPath(1, 'b'),
        `shape ${showShape(b)}`,
        `its ${where} to equal K = ${a[a.length - 1]!}, the last dim of a ${showShape(a)}`,
      ),
    );
  }
  if (matmulDims(transB, a, b) === undefined) {
    out.push(
      problem(
        inputPath(1, 'b'),
        `shape ${showShape(b)}`,
        `batch dims ${showShape(b.slice(0, -2))} that broadcast with a's batch dims ${showShape(a.slice(0, -2))}`,
      ),
    );
  }
  return out;
}

function inferMatMul(node: NodeOf<'matmul'>, shapes: readonly Shape[]): Shape[] {
  const d = matmulDims(node.attrs.transB, shapes[0]!, shapes[1]!)!;
  return [[...d.batch, d.m, d.n]];
}

/** batch·M·N·K */
function matmulMacs(node: NodeOf<'matmul'>, inputShapes: readonly Shape[]): number {
  const d = matmulDims(node.attrs.transB, inputShapes[0]!, inputShapes[1]!)!;
  return elementCount(d.batch) * d.m * d.n * d.k;
}

function matmulReference(node: NodeOf<'matmul'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const [aT, bT] = inputs;
  const transB = node.attrs.transB;
  const d = matmulDims(transB, aT!.shape, bT!.shape)!;
  const { m, k, n } = d;
  // Offsets of each batch matrix: broadcast over the batch shape, in units of whole matrices.
  const aBatch = aT!.shape.slice(0, -2);
  const bBatch = bT!.shape.slice(0, -2);
  const [aOff, bOff] = broadcastOffsets(d.batch, [
    broadcastStrides(aBatch, d.batch),
    broadcastStrides(bBatch, d.batch),
  ]);
  const batches = elementCount(d.batch);
  const a = aT!.data;
  const b = bT!.data;
  // b element (kk, j): [K, N] row-major, or [N, K] with transB.
  const bRow = transB ? 1 : n;
  const bCol = transB ? k : 1;
  const out = new Float32Array(batches * m * n);
  for (let t = 0; t < batches; t++) {
    const aBase = aOff![t]! * m * k;
    const bBase = bOff![t]! * k * n;
    const oBase = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let kk = 0; kk < k; kk++) acc += a[aBase + i * k + kk]! * b[bBase + kk * bRow + j * bCol]!;
        out[oBase + i * n + j] = acc;
      }
    }
  }
  return [{ shape: [...d.batch, m, n], data: out }];
}

export const matmulOp = defineOp({
  op: 'matmul',
  inputRole: rolesFrom(['a', 'b']),
  checkOp: checkMatMul,
  inferShapes: inferMatMul,
  macs: matmulMacs,
  reference: matmulReference,
});
