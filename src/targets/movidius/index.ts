/**
 * The `movidius` target: Intel Movidius Neural Compute Sticks, Myriad 2 (NCS) and Myriad X (NCS2),
 * running CNNs in FP16 (hw-configs/movidius/; docs/movidius.md).
 *
 * A calibrated model (./shave.ts): SHAVE vector issue or the NCE for conv and dense layers, CMX
 * tiling and DMA, USB transfers; the SHAVE efficiency and per-layer overhead are fitted to the NCS
 * measurements of ../shared/reference/edge.md §4 by scripts/calibrate-edge.ts. Energy: this
 * device's rows in hw-configs/tech/blocks.yaml (static power per nanosecond, per-action energies),
 * with the cost model's area-based leakage switched off (the static rows carry it).
 */
import type { FormatAssignment } from '../../config/format-flags.js';
import { elementCount, type Graph, type Shape } from '../../graph/ir.js';
import { groupedConvShape } from '../../mapping/gemm.js';
import { InputError } from '../../units/errors.js';
import type {
  ActionCounts,
  InventoryItem,
  LayerResult,
  ShapedNode,
  Support,
  TargetDefinition,
} from '../types.js';
import { FP16_BYTES, movidiusLayer, type MovidiusWork, type UsbTransfer } from './shave.js';
import { parseMovidiusSpec, type MovidiusSpec } from './spec.js';

export type { MovidiusSpec } from './spec.js';

export type MovidiusJob =
  | { readonly kind: 'view'; readonly name: string; readonly op: string; readonly why: string }
  | {
      readonly kind: 'run';
      readonly name: string;
      readonly op: string;
      readonly macs: number;
      readonly work: MovidiusWork;
      readonly usb: UsbTransfer;
    };

const VIEW_OPS = new Set(['reshape', 'flatten', 'concat']);
/** Applied by the conv that produced the input (NCSDK / OpenVINO fuse them): no layer of their own. */
const FUSED_OPS = new Set(['batchnorm', 'relu', 'relu6', 'clip', 'sigmoid']);
/** Ops this model maps (CNN layers). */
const MAPPED = new Set([
  'conv2d',
  'dense',
  'maxpool',
  'avgpool',
  'globalavgpool',
  'add',
  'mul',
  'softmax',
  'lrn',
  'requantize',
  'dequantize',
  ...VIEW_OPS,
  ...FUSED_OPS,
]);

function product(s: Shape | undefined): number {
  return elementCount(s ?? []);
}

function supports(s: ShapedNode): Support {
  if (MAPPED.has(s.node.op)) return { ok: true };
  return {
    ok: false,
    reason: `${s.node.op}: the movidius model maps CNN layers (conv, dense, pooling, element-wise, softmax, LRN); transformer layers (matmul of activations, layer norm, GELU, transposes) are not modelled, and the reference has no measurement of them on a Myriad`,
  };
}

function checkFormats(spec: MovidiusSpec, f: FormatAssignment): void {
  if (f.weights === 'fp16' && f.activations === 'fp16') return;
  throw new InputError([
    {
      path: '--format',
      value: f.weights === f.activations ? f.weights : `${f.weights} weights × ${f.activations} activations`,
      expected: `fp16 for both weights and activations: the ${spec.device === 'myriad2' ? 'Myriad 2 (NCS)' : 'Myriad X (NCS2)'} runs networks in FP16 (edge.md §3, §4: the NCS's FP32 results equal its FP16 ones)`,
    },
  ]);
}

function convWork(s: ShapedNode): MovidiusWork {
  const x = s.inputShapes[0] ?? [];
  const y = s.outputShapes[0] ?? [];
  const shape = groupedConvShape(s.node, x, y);
  if (shape === undefined) throw new Error(`unreachable: ${s.node.op} is not a conv2d or dense node`);
  return {
    kind: 'conv' as const,
    macs: s.macs,
    inElements: elementCount(x),
    weightElements: elementCount(s.inputShapes[1] ?? []),
    outElements: elementCount(y),
    ...shape,
  };
}

/** Simple operations of a non-MAC layer (estimates; these layers are mostly DMA-bound). */
function vectorWork(s: ShapedNode): MovidiusWork {
  const n = s.node;
  const inElements = s.inputShapes.reduce((t, sh) => t + product(sh), 0);
  const outElements = product(s.outputShapes[0]);
  let ops = outElements;
  if (n.op === 'maxpool' || n.op === 'avgpool') ops = outElements * n.attrs.kernel[0] * n.attrs.kernel[1];
  else if (n.op === 'globalavgpool') ops = inElements;
  else if (n.op === 'lrn') ops = outElements * n.attrs.size;
  else if (n.op === 'softmax') ops = 3 * outElements;
  return { kind: 'vector', ops, inElements, outElements };
}

function compile(
  graph: Graph,
  nodes: readonly ShapedNode[],
  spec: MovidiusSpec,
  formats: FormatAssignment,
): MovidiusJob[] {
  checkFormats(spec, formats);
  const consumers = new Map<string, number>();
  for (const s of nodes) for (const t of s.node.inputs) consumers.set(t, (consumers.get(t) ?? 0) + 1);
  const inputs = new Set(graph.inputs);
  const outputs = new Set(graph.outputs);
  /** Tensors written by a conv (or an op fused into one) that nothing else reads yet. */
  const convOut = new Set<string>();
  return nodes.map((s): MovidiusJob => {
    const n = s.node;
    if (VIEW_OPS.has(n.op))
      return { kind: 'view', name: n.name, op: n.op, why: `${n.op}: a view (no layer)` };
    const src = n.inputs[0] ?? '';
    if (FUSED_OPS.has(n.op) && convOut.has(src) && consumers.get(src) === 1) {
      for (const t of n.outputs) convOut.add(t);
      return {
        kind: 'view',
        name: n.name,
        op: n.op,
        why: `${n.op}: applied by the conv that produced its input`,
      };
    }
    const isConv = n.op === 'conv2d' || n.op === 'dense';
    if (isConv) for (const t of n.outputs) convOut.add(t);
    const usb: UsbTransfer = {
      inBytes:
        s.inputShapes.reduce((t, sh, i) => (inputs.has(n.inputs[i] ?? '') ? t + product(sh) : t), 0) *
        FP16_BYTES,
      outBytes:
        s.outputShapes.reduce((t, sh, i) => (outputs.has(n.outputs[i] ?? '') ? t + product(sh) : t), 0) *
        FP16_BYTES,
    };
    return {
      kind: 'run',
      name: n.name,
      op: n.op,
      macs: s.macs,
      work: isConv ? convWork(s) : vectorWork(s),
      usb,
    };
  });
}

/** The expected error of every report (the calibration band), or why there is none. */
export function movidiusErrorBand(spec: MovidiusSpec): string {
  const b = spec.calibration.errorBand;
  if (b === undefined)
    return `no measurement of ${spec.name} in the reference: parameters transferred from the NCS fit, uncalibrated (docs/movidius.md)`;
  return `inferences/s within ±${b.inferencesPerSPct} %, inferences/s/W within ±${b.inferencesPerSPerWPct} % over the ${b.points} calibration points (edge.md §4; docs/movidius.md)`;
}

/** MACs per cycle at best: every SHAVE lane, plus the NCE. */
export function movidiusPeakMacsPerCycle(spec: MovidiusSpec): number {
  return spec.shaves * spec.lanes + (spec.nceMacsPerCycle ?? 0);
}

function sorted<T>(c: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(c).sort(([x], [y]) => x.localeCompare(y)));
}

export function runMovidiusJob(job: MovidiusJob, spec: MovidiusSpec): LayerResult {
  const common = { fidelity: 'calibrated', errorBand: movidiusErrorBand(spec), precision: 'fp16' };
  if (job.kind === 'view') {
    return {
      name: job.name,
      op: job.op,
      cycles: 0,
      stallCycles: 0,
      macs: 0,
      utilization: 0,
      counts: {},
      extra: sorted({ ...common, unit: 'none', kernel: job.why }),
    };
  }
  const t = movidiusLayer(job.work, spec, job.usb);
  const counts: ActionCounts = { ...t.counts, 'module.static.ns': (t.cycles / spec.clockHz) * 1e9 };
  return {
    name: job.name,
    op: job.op,
    cycles: t.cycles,
    stallCycles: t.cycles - Math.min(t.cycles, t.computeCycles),
    macs: job.macs,
    utilization: t.cycles > 0 ? job.macs / (t.cycles * movidiusPeakMacsPerCycle(spec)) : 0,
    counts: sorted(counts),
    extra: sorted({
      ...common,
      ...t.extra,
      dmaCycles: t.dmaCycles,
      usbCycles: t.usbCycles,
      overheadCycles: t.overheadCycles,
      latencyS: t.cycles / spec.clockHz,
    }),
  };
}

/** Blocks priced by this device's rows in hw-configs/tech/blocks.yaml; the SoC area is one row. */
export function movidiusInventory(spec: MovidiusSpec): InventoryItem[] {
  const dev = spec.energyRows;
  const row = (id: string): { row: string } => ({ row: id });
  const vpu: Record<string, { row: string }> = {
    'shave.mac.fp16': row(`${dev}.shave.mac.fp16`),
    'shave.op': row(`${dev}.shave.op`),
    'cmx.bytes': row(`${dev}.cmx.byte`),
  };
  if (spec.nceMacsPerCycle !== undefined) vpu['nce.mac.fp16'] = row(`${dev}.nce.mac.fp16`);
  return [
    {
      kind: 'block',
      id: 'module',
      count: 1,
      areaRow: `${dev}.soc.area`,
      actions: { 'module.static.ns': row(`${dev}.static`) },
    },
    { kind: 'block', id: 'vpu', count: 1, areaRow: 'edge.area.in-soc', actions: vpu },
    {
      kind: 'block',
      id: 'dram',
      count: 1,
      areaRow: 'edge.area.in-soc',
      actions: { 'dram.bytes': row(`${dev}.dram.byte`) },
    },
  ];
}

export const movidiusTarget: TargetDefinition<MovidiusSpec, MovidiusJob> = {
  id: 'movidius',
  description:
    'Intel Movidius NCS (Myriad 2) and NCS2 (Myriad X): SHAVE vector cores / NCE, CMX tiling with DMA, USB transfers; FP16; calibrated to edge.md §4',
  fidelity: 'calibrated',
  parseSpec: parseMovidiusSpec,
  supports: (node) => supports(node),
  compile: (graph, nodes, spec, formats) => compile(graph, nodes, spec, formats),
  runJob: runMovidiusJob,
  clockHz: (spec) => spec.clockHz,
  peakMacsPerCycle: movidiusPeakMacsPerCycle,
  presetFormats: (spec) => spec.formats,
  inventory: (spec) => movidiusInventory(spec),
  technology: (spec) => ({ nodeNm: spec.nodeNm, leakageFactor: 0 }),
};
