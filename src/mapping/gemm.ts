/**
 * Hardware-neutral lowering of MAC ops to GEMM views (SCALE-Sim's convention, reference/scalesim.md
 * §1.1): a conv becomes, per group and batch image, an M×K (im2col) by K×N product with
 *   M = Ho·Wo (output pixels), K = Fh·Fw·Cg (window, order filter-row, filter-col, channel innermost),
 *   N = Cout/groups.
 * Addresses follow SCALE-Sim's layout: IFMAP pixel (r, c, ch) of image b at
 * ((b·H + r)·W + c)·C + ch; FILTER (k, n) at n·K + k within its group; OFMAP (m, n) at m·N + n.
 * Padded window positions have no address (−1): the array is fed a zero made on chip, so they cost
 * no DRAM traffic (the SRAM-port count of the systolic target still counts the zero fed to the
 * array edge, as SCALE-Sim does).
 */
import type { Node, Shape } from '../graph/ir.js';

export interface ConvGeometry {
  readonly batch: number;
  readonly inChannels: number;
  readonly inH: number;
  readonly inW: number;
  readonly outChannels: number;
  readonly outH: number;
  readonly outW: number;
  readonly kh: number;
  readonly kw: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly groups: number;
}

/** One GEMM of a lowered op: out[M×N] = A[M×K] · B[K×N]. */
export interface GemmSegment {
  /** Which group / batch image / matmul batch this is (for addressing). */
  readonly index: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

export type GemmKind = 'conv' | 'dense' | 'matmul';

/** The GEMM view of a node: segments run one after another on the array. */
export interface GemmView {
  readonly kind: GemmKind;
  readonly segments: readonly GemmSegment[];
  /** Set for convs: how A's rows/cols map back to input pixels. */
  readonly conv?: ConvGeometry;
  /** Elements of A's source tensor (the ifmap / first operand), all segments. */
  readonly aElements: number;
  /** Elements of B's source tensor (weights / second operand), all segments. */
  readonly bElements: number;
  /** Distinct B matrices: segment i uses B number i mod bSlots (groups for convs, 1 for dense). */
  readonly bSlots: number;
  /** MACs = Σ m·n·k. */
  readonly macs: number;
}

export function convGeometry(node: Extract<Node, { op: 'conv2d' }>, x: Shape, y: Shape): ConvGeometry {
  const a = node.attrs;
  return {
    batch: x[0] ?? 1,
    inChannels: x[1] ?? 1,
    inH: x[2] ?? 1,
    inW: x[3] ?? 1,
    outChannels: y[1] ?? 1,
    outH: y[2] ?? 1,
    outW: y[3] ?? 1,
    kh: a.kernel[0],
    kw: a.kernel[1],
    strideH: a.stride[0],
    strideW: a.stride[1],
    padTop: a.pads[0],
    padLeft: a.pads[1],
    dilationH: a.dilation[0],
    dilationW: a.dilation[1],
    groups: a.groups,
  };
}

/** A conv2d or dense node seen as a grouped convolution (dense: a 1×1 conv over its rows). */
export interface GroupedConvShape {
  /** Images (conv) or rows: images / tokens (dense). */
  readonly batch: number;
  readonly groups: number;
  readonly outH: number;
  readonly outW: number;
  readonly kh: number;
  readonly kw: number;
  /** Input and output channels per group. */
  readonly cinG: number;
  readonly coutG: number;
}

/** The grouped-conv shape of a conv2d or dense node (other ops: undefined). */
export function groupedConvShape(node: Node, x: Shape, y: Shape): GroupedConvShape | undefined {
  if (node.op === 'conv2d') {
    const g = convGeometry(node, x, y);
    return {
      batch: y[0] ?? 1,
      groups: g.groups,
      outH: g.outH,
      outW: g.outW,
      kh: g.kh,
      kw: g.kw,
      cinG: g.inChannels / g.groups,
      coutG: g.outChannels / g.groups,
    };
  }
  if (node.op !== 'dense') return undefined;
  const k = x[x.length - 1] ?? 1;
  const rows = x.reduce((a, b) => a * b, 1) / k;
  return { batch: rows, groups: 1, outH: 1, outW: 1, kh: 1, kw: 1, cinG: k, coutG: node.attrs.units };
}

/**
 * Lower a node to its GEMM view, or undefined when the op has no MACs for an array to run.
 * Conv: one segment per (image, group). Dense: one segment, M = rows of x. Matmul: one per batch.
 */
export function gemmView(
  node: Node,
  inputShapes: readonly Shape[],
  outputShapes: readonly Shape[],
): GemmView | undefined {
  const x = inputShapes[0] ?? [];
  const y = outputShapes[0] ?? [];
  switch (node.op) {
    case 'conv2d': {
      const g = convGeometry(node, x, y);
      const m = g.outH * g.outW;
      const k = (g.inChannels / g.groups) * g.kh * g.kw;
      const n = g.outChannels / g.groups;
      const segments: GemmSegment[] = [];
      for (let b = 0; b < g.batch; b++) {
        for (let gi = 0; gi < g.groups; gi++) segments.push({ index: b * g.groups + gi, m, n, k });
      }
      return {
        kind: 'conv',
        segments,
        conv: g,
        aElements: g.batch * g.inChannels * g.inH * g.inW,
        bElements: g.outChannels * k,
        bSlots: g.groups,
        macs: segments.length * m * n * k,
      };
    }
    case 'dense': {
      const k = x[x.length - 1] ?? 1;
      const rows = product(x) / k;
      const n = node.attrs.units;
      return {
        kind: 'dense',
        segments: [{ index: 0, m: rows, n, k }],
        aElements: rows * k,
        bElements: k * n,
        bSlots: 1,
        macs: rows * n * k,
      };
    }
    case 'matmul': {
      const b = inputShapes[1] ?? [];
      const m = x[x.length - 2] ?? 1;
      const k = x[x.length - 1] ?? 1;
      const n = node.attrs.transB ? (b[b.length - 2] ?? 1) : (b[b.length - 1] ?? 1);
      const batches = product(y) / (m * n);
      const segments: GemmSegment[] = [];
      for (let i = 0; i < batches; i++) segments.push({ index: i, m, n, k });
      return {
        kind: 'matmul',
        segments,
        aElements: product(x),
        bElements: product(b),
        bSlots: Math.max(1, product(b) / (k * n)),
        macs: batches * m * n * k,
      };
    }
    default:
      return undefined;
  }
}

function product(s: Shape): number {
  let p = 1;
  for (const d of s) p *= d;
  return p;
}

/**
 * Address of im2col element (m, k) of segment `seg` in the IFMAP address space (SCALE-Sim layout),
 * or −1 for a padded position. For dense/matmul A is already a matrix: address = seg·M·K + m·K + k.
 */
export function ifmapAddress(view: GemmView, seg: GemmSegment, m: number, k: number): number {
  const g = view.conv;
  if (g === undefined) return seg.index * seg.m * seg.k + m * seg.k + k;
  const cg = g.inChannels / g.groups;
  const image = Math.floor(seg.index / g.groups);
  const group = seg.index % g.groups;
  const oy = Math.floor(m / g.outW);
  const ox = m - oy * g.outW;
  const c = k % cg;
  const window = (k - c) / cg;
  const j = window % g.kw;
  const i = (window - j) / g.kw;
  const r = oy * g.strideH - g.padTop + i * g.dilationH;
  const col = ox * g.strideW - g.padLeft + j * g.dilationW;
  if (r < 0 || r >= g.inH || col < 0 || col >= g.inW) return -1;
  return ((image * g.inH + r) * g.inW + col) * g.inChannels + group * cg + c;
}

/** Address of B element (k, n) of a segment: weights per group at group·K·N + n·K + k. */
export function filterAddress(view: GemmView, seg: GemmSegment, k: number, n: number): number {
  const slot = seg.index % view.bSlots;
  return slot * seg.k * seg.n + n * seg.k + k;
}

/** Address of OFMAP element (m, n) of a segment. */
export function ofmapAddress(_view: GemmView, seg: GemmSegment, m: number, n: number): number {
  return seg.index * seg.m * seg.n + m * seg.n + n;
}
