/**
 * The `systolic` target: R×C systolic arrays with output-, weight- or input-stationary dataflow,
 * double-buffered ifmap/filter/ofmap SRAMs and a DRAM with bandwidth and latency.
 * MAC layers (conv, dense, matmul) run on the array (./plan.ts, ./event.ts); pooling, element-wise
 * and normalisation ops run on a post-processing vector unit of `vector_lanes` lanes, one input
 * element per lane per cycle, or are fused into the array's output path when they only consume
 * one MAC layer's output (activation, batchnorm, requantize); reshape/flatten/transpose/concat are
 * layout only (0 cycles).
 */
import type { FormatAssignment } from '../../config/format-flags.js';
import { parseFormat } from '../../formats/index.js';
import type { Graph, Node } from '../../graph/ir.js';
import { gemmView, type GemmView } from '../../mapping/gemm.js';
import type { ActionCounts } from '../../engine/component.js';
import { sortedCounts } from '../../engine/component.js';
import type {
  CompileOptions,
  InventoryItem,
  LayerResult,
  ShapedNode,
  Support,
  TargetDefinition,
} from '../types.js';
import { checkWithReference } from './check.js';
import { arrayCounts, memoryCounts, scalesimOfmapWriteExtra, scalesimUtilizations } from './counts.js';
import { runEventTiming, type Timeline, type Timing } from './event.js';
import { buildPlan, type LayerPlan, type OperandBytes } from './plan.js';
import { parseSystolicSpec, type SystolicSpec } from './spec.js';

export type SystolicJob =
  | {
      readonly kind: 'gemm';
      readonly name: string;
      readonly op: string;
      readonly view: GemmView;
      readonly bytes: OperandBytes;
      /** Set when the reference stepper runs this layer (with seeded operands in these formats). */
      readonly reference?: FormatAssignment;
    }
  | {
      readonly kind: 'vector';
      readonly name: string;
      readonly op: string;
      readonly inputElements: number;
      readonly fused: boolean;
    }
  | { readonly kind: 'layout'; readonly name: string; readonly op: string };

const MAC_OPS = new Set(['conv2d', 'dense', 'matmul']);
const LAYOUT_OPS = new Set(['reshape', 'flatten', 'transpose', 'concat']);
const FUSABLE_OPS = new Set(['relu', 'relu6', 'clip', 'batchnorm', 'requantize']);

/** Bytes per element of each operand for a format assignment (or a fixed word size). */
export function operandBytes(formats: FormatAssignment, wordBytes: number | undefined): OperandBytes {
  if (wordBytes !== undefined)
    return { ifmap: wordBytes, filter: wordBytes, ofmap: wordBytes, psum: wordBytes };
  const bits = (name: string): number => parseFormat(name).bits;
  return {
    ifmap: bits(formats.activations) / 8,
    filter: bits(formats.weights) / 8,
    ofmap: bits(formats.activations) / 8,
    psum: bits(formats.accumulator) / 8,
  };
}

function supports(s: ShapedNode): Support {
  const op = s.node.op;
  if (MAC_OPS.has(op) || LAYOUT_OPS.has(op) || s.macs === 0) return { ok: true };
  return { ok: false, reason: `${op} has MACs but no systolic mapping` };
}

/** Which non-MAC nodes ride on the array's output path: sole consumers of a MAC layer's output. */
function fusedNodes(graph: Graph): Set<string> {
  const consumers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const producedByArray = new Set<string>();
  const fused = new Set<string>();
  for (const n of graph.nodes) {
    if (MAC_OPS.has(n.op)) {
      for (const o of n.outputs) producedByArray.add(o);
      continue;
    }
    const x = n.inputs[0];
    if (FUSABLE_OPS.has(n.op) && x !== undefined && producedByArray.has(x) && consumers.get(x) === 1) {
      fused.add(n.name);
      for (const o of n.outputs) producedByArray.add(o);
    }
  }
  return fused;
}

function compile(
  graph: Graph,
  nodes: readonly ShapedNode[],
  spec: SystolicSpec,
  formats: FormatAssignment,
  options: CompileOptions,
): SystolicJob[] {
  const bytes = operandBytes(formats, spec.wordBytes);
  const fused = fusedNodes(graph);
  return nodes.map((s): SystolicJob => {
    const node: Node = s.node;
    if (MAC_OPS.has(node.op)) {
      const view = gemmView(node, s.inputShapes, s.outputShapes);
      if (view !== undefined) {
        const job = { kind: 'gemm' as const, name: node.name, op: node.op, view, bytes };
        return options.engine === 'reference' ? { ...job, reference: formats } : job;
      }
    }
    if (LAYOUT_OPS.has(node.op)) return { kind: 'layout', name: node.name, op: node.op };
    let inputElements = 0;
    s.inputShapes.forEach((shape, i) => {
      // parameters (batchnorm statistics, layernorm gamma/beta) are not streamed per element
      if (i === 0 || node.op === 'add' || node.op === 'mul' || node.op === 'concat') {
        inputElements += shape.reduce((a, b) => a * b, 1);
      }
    });
    return { kind: 'vector', name: node.name, op: node.op, inputElements, fused: fused.has(node.name) };
  });
}

/** The full result of one GEMM layer: E's timing, counts and the plan's shape. */
export interface GemmLayerDetail {
  readonly plan: LayerPlan;
  readonly timing: Timing;
  readonly counts: ActionCounts;
}

/** `timeline`, when given, records when rows ran, DRAM reads and ofmap drains (for reports and traces). */
export function simulateGemm(
  job: Extract<SystolicJob, { kind: 'gemm' }>,
  spec: SystolicSpec,
  timeline?: Timeline,
): GemmLayerDetail {
  const plan = buildPlan(job.view, spec, job.bytes);
  const timing = runEventTiming(plan, spec, timeline);
  const counts = { ...arrayCounts(plan), ...memoryCounts(plan, spec, job.bytes.psum) };
  counts['sram.ofmap.write'] = (counts['sram.ofmap.write'] ?? 0) + scalesimOfmapWriteExtra(plan, spec);
  return { plan, timing, counts: sortedCounts(counts) };
}

function runJob(job: SystolicJob, spec: SystolicSpec): LayerResult {
  switch (job.kind) {
    case 'layout':
      return {
        name: job.name,
        op: job.op,
        cycles: 0,
        stallCycles: 0,
        macs: 0,
        utilization: 0,
        counts: {},
        extra: { unit: 'layout' },
      };
    case 'vector': {
      const cycles = job.fused ? 0 : Math.ceil(job.inputElements / spec.vectorLanes);
      const counts: ActionCounts = job.fused
        ? { 'vector.fused_element': job.inputElements }
        : { 'vector.element': job.inputElements };
      return {
        name: job.name,
        op: job.op,
        cycles,
        stallCycles: 0,
        macs: 0,
        utilization: 0,
        counts,
        extra: { unit: job.fused ? 'array-output (fused)' : 'vector' },
      };
    }
    case 'gemm': {
      const d = simulateGemm(job, spec);
      const checked =
        job.reference !== undefined ? checkWithReference(job, job.reference, spec, d) : undefined;
      const { plan, timing } = d;
      const macs = job.view.macs;
      const util = timing.cycles > 0 ? macs / (timing.cycles * spec.rows * spec.cols) : 0;
      const u = scalesimUtilizations(plan);
      return {
        name: job.name,
        op: job.op,
        cycles: timing.cycles,
        stallCycles: timing.stallCycles,
        macs,
        utilization: util,
        counts: d.counts,
        extra: {
          unit: 'array',
          folds: plan.folds.length,
          rowFolds: plan.rowFolds,
          colFolds: plan.colFolds,
          computeCycles: timing.computeCycles,
          readStallCycles: timing.readStallCycles,
          writeStallCycles: timing.writeStallCycles,
          drainCycles: timing.drainCycles,
          mappingEfficiency: u.mappingEfficiency,
          computeUtilization: u.computeUtil,
          ...bandwidths(d, spec),
          ...(checked !== undefined ? { engine: 'reference', outputsChecked: checked } : {}),
        },
      };
    }
  }
}

/**
 * Average and peak bandwidths of a layer. Averages are over the layer's cycles. The peak is the most
 * a single cycle moves: a transfer moves the channel's bandwidth each cycle (its last cycle moves the
 * rest), and with unlimited bandwidth a whole chunk / ofmap half moves in one cycle.
 */
function bandwidths(d: GemmLayerDetail, spec: SystolicSpec): Record<string, number> {
  const cycles = Math.max(1, d.timing.cycles);
  const c = d.counts;
  const dramRead = (c['dram.ifmap.read.bytes'] ?? 0) + (c['dram.filter.read.bytes'] ?? 0);
  const dramWrite = c['dram.ofmap.write.bytes'] ?? 0;
  let largestRead = 0;
  for (const ch of d.plan.ifmapChunks) largestRead = Math.max(largestRead, ch.bytes);
  for (const ch of d.plan.filterChunks) largestRead = Math.max(largestRead, ch.bytes);
  const largestWrite = d.plan.ofmapHalfWords * d.plan.ofmapWordBytes;
  return {
    avgSramReadWordsPerCycle: ((c['sram.ifmap.read'] ?? 0) + (c['sram.filter.read'] ?? 0)) / cycles,
    avgSramWriteWordsPerCycle: (c['sram.ofmap.write'] ?? 0) / cycles,
    avgDramReadBytesPerCycle: dramRead / cycles,
    peakDramReadBytesPerCycle: Math.min(largestRead, spec.readBandwidthBytesPerCycle),
    avgDramWriteBytesPerCycle: dramWrite / cycles,
    peakDramWriteBytesPerCycle: dramWrite > 0 ? Math.min(largestWrite, spec.writeBandwidthBytesPerCycle) : 0,
  };
}

export const systolicTarget: TargetDefinition<SystolicSpec, SystolicJob> = {
  id: 'systolic',
  description: 'R×C systolic array (os/ws/is), double-buffered SRAMs, DRAM bandwidth; SCALE-Sim compatible',
  fidelity: 'cycle-accurate',
  parseSpec: parseSystolicSpec,
  supports: (node) => supports(node),
  compile,
  runJob,
  clockHz: (spec) => spec.clockHz,
  peakMacsPerCycle: (spec) => spec.rows * spec.cols,
  presetFormats: (spec) => spec.formats,
  inventory: systolicInventory,
  technology: (spec) => spec.technology,
};

/**
 * A systolic array's components: R×C MAC units; per PE an activation register, a weight register
 * and an accumulator (the registers the values hop through); three double-buffered SRAMs, each two
 * single-port macros of half the capacity, one operand element wide; the vector unit; the DRAM.
 */
export function systolicInventory(spec: SystolicSpec, formats: FormatAssignment): InventoryItem[] {
  const bits = (name: string): number => parseFormat(name).bits;
  const w = bits(formats.weights);
  const a = bits(formats.activations);
  const acc = bits(formats.accumulator);
  const pes = spec.rows * spec.cols;
  const word = (b: number): number => (spec.wordBytes !== undefined ? spec.wordBytes * 8 : b);
  const sram = (id: string, bytes: number, wordBits: number): InventoryItem => ({
    kind: 'sram',
    id,
    macros: 2,
    bytesPerMacro: bytes / 2,
    wordBits,
    ports: 1,
  });
  return [
    {
      kind: 'mac-array',
      id: 'pe',
      macs: pes,
      weights: formats.weights,
      activations: formats.activations,
      accumulator: formats.accumulator,
    },
    { kind: 'registers', id: 'pe.ifmap_reg', count: pes, bits: a },
    { kind: 'registers', id: 'pe.filter_reg', count: pes, bits: w },
    { kind: 'registers', id: 'pe.acc_reg', count: pes, bits: acc },
    sram('sram.ifmap', spec.ifmapSramBytes, word(a)),
    sram('sram.filter', spec.filterSramBytes, word(w)),
    sram('sram.ofmap', spec.ofmapSramBytes, word(a)),
    { kind: 'vector-unit', id: 'vector', lanes: spec.vectorLanes, bits: a },
    { kind: 'dram', id: 'dram', technology: spec.technology?.dram ?? 'unspecified' },
  ];
}
