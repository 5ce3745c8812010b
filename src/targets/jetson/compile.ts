/**
 * Graph → one job per node for the jetson target (docs/jetson.md, "What runs where"):
 *
 *  - which kernel a TensorRT-like builder makes of each node: conv/dense/matmul → a GEMM kernel
 *    (depthwise conv → a direct CUDA-core kernel); batch norm, activations, requantization and a
 *    residual add behind a GEMM whose output has no other consumer → fused into its epilogue
 *    (the add reads its other operand); reshape / flatten / concat → views, no kernel; pooling,
 *    softmax, LRN, layer norm, transposes and unfused element-wise ops → their own kernels;
 *  - on the DLA engine, which unit runs it: the conv core (conv, dense), SDP on the fly behind a
 *    conv or as its own pass (element-wise, batch norm, activations), PDP (pooling), CDP (LRN);
 *    everything else falls back to the GPU, and each change of unit costs a copy of the tensor
 *    crossing it (written by one unit, reformatted, read by the other).
 */
import type { FormatAssignment } from '../../config/format-flags.js';
import { elementCount, type Graph, type Node, type Shape } from '../../graph/ir.js';
import { groupedConvShape } from '../../mapping/gemm.js';
import { InputError } from '../../units/errors.js';
import type { ShapedNode } from '../types.js';
import type { DlaWork } from './dla.js';
import type { GpuWork } from './gpu.js';
import type { JetsonSpec, Precision } from './spec.js';

export type Unit = 'gpu' | 'dla';

export type JetsonRun =
  | { readonly kind: 'view'; readonly why: string }
  | {
      /** Done in the epilogue / SDP of the kernel that produced its input. */
      readonly kind: 'fused';
      readonly into: string;
      readonly unit: Unit;
      /** Elements of a second operand read from DRAM (a residual add's other input). */
      readonly extraInElements: number;
    }
  | {
      readonly kind: 'gpu';
      readonly work: GpuWork;
      /** On the DLA engine: why this node runs on the GPU, and the tensor crossing over. */
      readonly fallback?: { readonly reason: string; readonly switchElements: number };
    }
  | { readonly kind: 'dla'; readonly work: DlaWork; readonly switchElements: number };

export interface JetsonJob {
  readonly name: string;
  readonly op: string;
  readonly precision: Precision;
  readonly macs: number;
  readonly run: JetsonRun;
}

const GEMM_OPS = new Set(['conv2d', 'dense', 'matmul']);
const VIEW_OPS = new Set(['reshape', 'flatten', 'concat']);
/** Ops a GEMM epilogue takes on the GPU. */
const GPU_EPILOGUE = new Set([
  'batchnorm',
  'relu',
  'relu6',
  'clip',
  'sigmoid',
  'gelu',
  'add',
  'mul',
  'requantize',
  'dequantize',
]);
/** Ops the DLA's SDP takes (on the fly behind a conv, or as its own pass). */
const DLA_SDP = new Set([
  'batchnorm',
  'relu',
  'relu6',
  'clip',
  'sigmoid',
  'add',
  'mul',
  'requantize',
  'dequantize',
]);
const DLA_PDP = new Set(['maxpool', 'avgpool', 'globalavgpool']);

/** Simple operations per output element of a non-GEMM kernel (estimates; these are memory-bound). */
const OPS_PER_ELEMENT: Readonly<Record<string, number>> = {
  softmax: 3,
  layernorm: 5,
  gelu: 8,
  batchnorm: 2,
  requantize: 2,
  dequantize: 1,
  transpose: 0,
};

function product(s: Shape | undefined): number {
  return elementCount(s ?? []);
}

/** The one precision both operands share, or undefined. */
export function precisionOf(f: FormatAssignment): Precision | undefined {
  if (f.weights !== f.activations) return undefined;
  return f.weights === 'fp32' || f.weights === 'fp16' || f.weights === 'int8' ? f.weights : undefined;
}

/** The formats each unit computes in (refusals name them). */
export function checkFormats(spec: JetsonSpec, f: FormatAssignment): Precision {
  const p = precisionOf(f);
  const gpuOk =
    'fp32, fp16 or int8 for both weights and activations (the Volta GPU: CUDA cores in FP32, tensor cores in FP16 and INT8)';
  const dlaOk =
    'fp16 or int8 for both weights and activations (the DLA computes in FP16 and INT8 only; it has no FP32, edge.md §4)';
  if (p === undefined || (spec.engine === 'dla' && p === 'fp32')) {
    throw new InputError([
      {
        path: '--format',
        value:
          f.weights === f.activations ? f.weights : `${f.weights} weights × ${f.activations} activations`,
        expected: `a format the ${spec.engine === 'dla' ? 'DLA' : 'GPU'} of ${spec.name} runs: ${spec.engine === 'dla' ? dlaOk : gpuOk}`,
      },
    ]);
  }
  return p;
}

function gemmWork(s: ShapedNode): GpuWork {
  const n = s.node;
  const x = s.inputShapes[0] ?? [];
  const y = s.outputShapes[0] ?? [];
  const inElements = product(x);
  const outElements = product(y);
  const weightElements = product(s.inputShapes[1]);
  if (n.op === 'conv2d') {
    const a = n.attrs;
    const cin = x[1] ?? 1;
    const cinG = cin / a.groups;
    const cout = y[1] ?? 1;
    if (a.groups > 1 && cinG === 1) {
      return { kind: 'direct', macs: s.macs, inElements, weightElements, outElements };
    }
    const winograd =
      a.kernel[0] === 3 && a.kernel[1] === 3 && a.stride[0] === 1 && a.stride[1] === 1 && a.groups === 1;
    const isUndilated = a.dilation[0] === 1 && a.dilation[1] === 1;
    return {
      kind: 'gemm',
      m: (y[0] ?? 1) * (y[2] ?? 1) * (y[3] ?? 1),
      n: cout / a.groups,
      k: cinG * a.kernel[0] * a.kernel[1],
      groups: a.groups,
      inElements,
      weightElements,
      outElements,
      ...(winograd && isUndilated
        ? { winograd: { tiles: (y[0] ?? 1) * Math.ceil((y[2] ?? 1) / 2) * Math.ceil((y[3] ?? 1) / 2), cin } }
        : {}),
    };
  }
  if (n.op === 'dense') {
    const k = x[x.length - 1] ?? 1;
    return {
      kind: 'gemm',
      m: inElements / k,
      n: n.attrs.units,
      k,
      groups: 1,
      inElements,
      weightElements,
      outElements,
    };
  }
  // matmul: one GEMM per batch entry of the output, run as a batched GEMM (groups)
  const m = x[x.length - 2] ?? 1;
  const k = x[x.length - 1] ?? 1;
  const ncols = y[y.length - 1] ?? 1;
  return {
    kind: 'gemm',
    m,
    n: ncols,
    k,
    groups: Math.max(1, outElements / (m * ncols)),
    inElements,
    weightElements,
    outElements,
  };
}

function memoryWork(s: ShapedNode): GpuWork {
  const n = s.node;
  const inElements = s.inputShapes.reduce((t, sh) => t + product(sh), 0);
  const outElements = product(s.outputShapes[0]);
  let ops: number;
  if (n.op === 'maxpool' || n.op === 'avgpool') ops = outElements * n.attrs.kernel[0] * n.attrs.kernel[1];
  else if (n.op === 'globalavgpool') ops = inElements;
  else if (n.op === 'lrn') ops = outElements * n.attrs.size;
  else ops = outElements * (OPS_PER_ELEMENT[n.op] ?? 1);
  return { kind: 'memory', ops, inElements, outElements };
}

function dlaConvWork(s: ShapedNode): DlaWork {
  const x = s.inputShapes[0] ?? [];
  const y = s.outputShapes[0] ?? [];
  const shape = groupedConvShape(s.node, x, y);
  if (shape === undefined) throw new Error(`unreachable: ${s.node.op} is not a conv2d or dense node`);
  return {
    kind: 'conv' as const,
    inElements: elementCount(x),
    weightElements: elementCount(s.inputShapes[1] ?? []),
    outElements: elementCount(y),
    ...shape,
  };
}

function dlaPassWork(s: ShapedNode): DlaWork {
  const w = memoryWork(s);
  if (w.kind !== 'memory') throw new Error('unreachable');
  const op = s.node.op;
  const unit = DLA_PDP.has(op) ? 'pdp' : op === 'lrn' ? 'cdp' : 'sdp';
  return { kind: 'pass', unit, ops: w.ops, inElements: w.inElements, outElements: w.outElements };
}

/** Why the DLA cannot run a node (it then runs on the GPU), or undefined when it can. */
export function dlaRefusal(node: Node): string | undefined {
  if (node.op === 'conv2d' || node.op === 'dense') return undefined;
  if (DLA_SDP.has(node.op) || DLA_PDP.has(node.op) || node.op === 'lrn') return undefined;
  if (node.op === 'matmul')
    return 'a product of two activations has no DLA mapping (the conv core takes weights)';
  return `${node.op} has no DLA unit (conv core, SDP, PDP, CDP)`;
}

interface Producer {
  readonly node: string;
  readonly unit: Unit;
  /** The kernel is a GEMM / DLA conv (or an op fused into one): its epilogue can take more. */
  readonly epilogue: boolean;
}

export function compileJetson(
  _graph: Graph,
  nodes: readonly ShapedNode[],
  spec: JetsonSpec,
  precision: Precision,
): JetsonJob[] {
  const consumers = new Map<string, number>();
  for (const s of nodes) for (const t of s.node.inputs) consumers.set(t, (consumers.get(t) ?? 0) + 1);
  const producer = new Map<string, Producer>();
  let lastUnit: Unit | undefined;
  const jobs: JetsonJob[] = [];
  for (const s of nodes) {
    const n = s.node;
    const job = (run: JetsonRun): JetsonJob => ({ name: n.name, op: n.op, precision, macs: s.macs, run });
    const setOutputs = (p: Producer): void => {
      for (const t of n.outputs) producer.set(t, p);
    };
    if (VIEW_OPS.has(n.op)) {
      const p = producer.get(n.inputs[0] ?? '');
      if (p !== undefined) setOutputs({ ...p, epilogue: false });
      jobs.push(
        job({ kind: 'view', why: `${n.op}: a view, or written in place by its producers (no kernel)` }),
      );
      continue;
    }
    const unitFor: Unit = spec.engine === 'dla' && dlaRefusal(n) === undefined ? 'dla' : 'gpu';
    // fusion into the producer's epilogue (GPU) or SDP (DLA)
    const fusable = unitFor === 'dla' ? DLA_SDP.has(n.op) : GPU_EPILOGUE.has(n.op);
    if (fusable) {
      const idx = n.inputs.findIndex((t) => {
        const p = producer.get(t);
        return p !== undefined && p.epilogue && p.unit === unitFor && consumers.get(t) === 1;
      });
      const host = idx >= 0 ? producer.get(n.inputs[idx] ?? '') : undefined;
      if (host !== undefined) {
        const extra =
          n.op === 'add' || n.op === 'mul'
            ? s.inputShapes.reduce((t, sh, i) => (i === idx ? t : t + product(sh)), 0)
            : 0;
        setOutputs(host);
        jobs.push(job({ kind: 'fused', into: host.node, unit: unitFor, extraInElements: extra }));
        continue;
      }
    }
    const crossing = lastUnit !== undefined && lastUnit !== unitFor ? product(s.inputShapes[0]) : 0;
    lastUnit = unitFor;
    const isGemm = GEMM_OPS.has(n.op);
    if (unitFor === 'dla') {
      const work = n.op === 'conv2d' || n.op === 'dense' ? dlaConvWork(s) : dlaPassWork(s);
      setOutputs({ node: n.name, unit: 'dla', epilogue: work.kind === 'conv' });
      jobs.push(job({ kind: 'dla', work, switchElements: crossing }));
      continue;
    }
    const work = isGemm ? gemmWork(s) : memoryWork(s);
    setOutputs({ node: n.name, unit: 'gpu', epilogue: isGemm });
    const why = spec.engine === 'dla' ? dlaRefusal(n) : undefined;
    jobs.push(
      job(
        why === undefined
          ? { kind: 'gpu', work }
          : { kind: 'gpu', work, fallback: { reason: why, switchElements: crossing } },
      ),
    );
  }
  return jobs;
}
