/**
 * The `riscv-cluster` target: a PULP cluster (RI5CY/XpulpNN cores, banked TCDM, DMA) with the
 * Reconfigurable Binary Engine, Marsellus preset (docs/riscv-cluster-target.md).
 *
 * Per MAC layer (conv2d, dense, matmul) the compiler picks the RBE where the engine can run it
 * (`validateJob`), the cores otherwise, and records why. RBE layers are timed by the RBE's event
 * model E (closed-form cycles and counts; outputs bit-exact by construction). Core layers run the
 * generated PULP-NN-style kernel on the instruction-set simulator with seeded operands in the
 * layer's formats (one core: the multi-core runner is not wired in yet). Ops without MACs
 * (activations, pooling, layout, softmax …) pass through at 0 cycles.
 */
import type { FormatAssignment } from '../../config/format-flags.js';
import { parseFormat } from '../../formats/index.js';
import type { Graph } from '../../graph/ir.js';
import { convGeometry, gemmView } from '../../mapping/gemm.js';
import { InputError } from '../../units/errors.js';
import { Rng } from '../../units/index.js';
import { TargetConfigError } from '../errors.js';
import type {
  ActionCounts,
  BlockAction,
  InventoryItem,
  LayerResult,
  ShapedNode,
  Support,
  TargetDefinition,
} from '../types.js';
import { codeRange, unsupported, type Bits, type ConvShape, type QuantConv } from './kernels/layout.js';
import type { StallsByCause } from './kernels/cluster-run.js';
import { runTiledOnCluster, type TiledRun } from './kernels/band-tiling.js';
import { MARSELLUS_CLUSTER, withParams, type ClusterParams } from './cluster/params.js';
import { PULP_ICACHE } from './core/timing.js';
import { eventTiming } from './rbe/event.js';
import { rbeDmaSchedule } from './rbe-schedule.js';
import { validateJob, type RbeJob } from './rbe/job.js';
import { MARSELLUS_RBE } from './rbe/params.js';
import { parseRiscvClusterSpec, type RiscvClusterSpec } from './spec.js';

export type RiscvClusterJob =
  | { readonly kind: 'pass'; readonly name: string; readonly op: string }
  | {
      readonly kind: 'rbe';
      readonly name: string;
      readonly op: string;
      readonly rbe: RbeJob;
      /** The RBE job runs once per image (batch) / matmul segment. */
      readonly repeats: number;
      readonly macs: number;
      /** L2 ↔ TCDM bytes of the whole layer: inputs and weights in, outputs out. */
      readonly dmaBytes: DmaBytes;
      /**
       * Signed activation codes, sent offset by 2^(QA−1) with the offset folded into the
       * normalization bias (rbe/signed.ts: exact); outputs signed (no ReLU clip).
       */
      readonly signedActivations: boolean;
    }
  | {
      readonly kind: 'cores';
      readonly name: string;
      readonly op: string;
      /** The kernel's layer (channels padded to what the kernel takes), run once per repeat. */
      readonly conv: ConvShape;
      readonly repeats: number;
      readonly macs: number;
      readonly dmaBytes: DmaBytes;
      /** Why not the RBE. */
      readonly reason: string;
    }
  | { readonly kind: 'refused'; readonly name: string; readonly op: string; readonly reason: string };

/** L2 ↔ TCDM bytes of a layer: per image (repeat) inputs and outputs, weights once. */
export interface DmaBytes {
  readonly input: number;
  readonly weights: number;
  readonly output: number;
}

const MAC_OPS = new Set(['conv2d', 'dense', 'matmul']);

function supports(s: ShapedNode): Support {
  const n = s.node;
  if (n.op === 'conv2d') {
    const a = n.attrs;
    const why: string[] = [];
    if (a.groups !== 1) why.push(`groups = ${a.groups} (depthwise/grouped convs have no kernel yet)`);
    if (a.dilation[0] !== 1 || a.dilation[1] !== 1) why.push('dilation other than 1');
    if (a.stride[0] !== a.stride[1]) why.push('different strides along H and W');
    return why.length === 0 ? { ok: true } : { ok: false, reason: why.join('; ') };
  }
  if (MAC_OPS.has(n.op) || s.macs === 0) return { ok: true };
  return { ok: false, reason: `${n.op} has MACs but no riscv-cluster mapping (RBE or kernels)` };
}

/** Integer width of a format the kernels / RBE take, or a reason. */
function intBits(name: string): { bits: number; signed: boolean } | string {
  const f = parseFormat(name);
  if (f.kind !== 'int') return `${name} is not an integer format`;
  return { bits: f.bits, signed: f.signed };
}

interface Shape {
  readonly conv: ConvShape;
  readonly repeats: number;
}

/** The kernel's view of a MAC node: one conv per image / segment (dense = 1×1 conv over M pixels). */
function convShape(s: ShapedNode, x: Bits, xSigned: boolean, w: Bits): Shape | undefined {
  const node = s.node;
  const base = { xBits: x, xSigned, wBits: w, yBits: x, ySigned: xSigned };
  if (node.op === 'conv2d') {
    const g = convGeometry(node, s.inputShapes[0] ?? [], s.outputShapes[0] ?? []);
    const p = node.attrs.pads;
    return {
      repeats: g.batch,
      conv: {
        ...base,
        h: g.inH,
        w: g.inW,
        cin: g.inChannels,
        cout: g.outChannels,
        kh: g.kh,
        kw: g.kw,
        stride: g.strideH,
        pads: [p[0], p[1], p[2], p[3]],
      },
    };
  }
  const v = gemmView(node, s.inputShapes, s.outputShapes);
  const seg = v?.segments[0];
  if (v === undefined || seg === undefined) return undefined;
  return {
    repeats: v.segments.length,
    conv: { ...base, h: 1, w: seg.m, cin: seg.k, cout: seg.n, kh: 1, kw: 1, stride: 1, pads: [0, 0, 0, 0] },
  };
}

function rbeJobOf(c: ConvShape, qa: number, qw: number, signedOut: boolean): RbeJob {
  const hOut = Math.floor((c.h + c.pads[0] + c.pads[2] - c.kh) / c.stride) + 1;
  const wOut = Math.floor((c.w + c.pads[1] + c.pads[3] - c.kw) / c.stride) + 1;
  const mode =
    c.kh === 3 && c.kw === 3 ? '3x3' : c.kh === 1 && c.kw === 1 ? '1x1' : (`${c.kh}x${c.kw}` as '3x3');
  return {
    mode,
    hOut,
    wOut,
    kIn: c.cin,
    kOut: c.cout,
    stride: c.stride,
    // the input is padded in L1 by the DMA transfer (the RBE takes padding 0, rbe/job.ts)
    padding: 0,
    qa,
    qw,
    qao: qa,
    norm: {
      scale: new Array<number>(c.cout).fill(1),
      bias: new Array<number>(c.cout).fill(0),
      shift: 1,
      // unsigned outputs: the ReLU clip to [0, 2^QAO); signed: the signed QAO-bit clip
      relu: !signedOut,
    },
    addresses: { x: 0, w: 0, nq: 0, y: 0 },
  };
}

/** Pad Cin to whole words of activations and Cout to the kernel's 4-channel block (zero channels). */
function padForKernel(c: ConvShape): ConvShape {
  const perWord = 32 / c.xBits;
  return { ...c, cin: Math.ceil(c.cin / perWord) * perWord, cout: Math.ceil(c.cout / 4) * 4 };
}

function compileNode(s: ShapedNode, spec: RiscvClusterSpec, formats: FormatAssignment): RiscvClusterJob {
  const { name, op } = s.node;
  if (!MAC_OPS.has(op)) return { kind: 'pass', name, op };
  const refuse = (reason: string): RiscvClusterJob => ({ kind: 'refused', name, op, reason });
  const a = intBits(formats.activations);
  const w = intBits(formats.weights);
  if (typeof a === 'string' || typeof w === 'string')
    return refuse([a, w].filter((x) => typeof x === 'string').join('; '));
  const kBits = (b: number): b is Bits => b === 8 || b === 4 || b === 2;
  const shape =
    kBits(a.bits) && kBits(w.bits) ? convShape(s, a.bits, a.signed, w.bits) : convShape(s, 8, a.signed, 8);
  if (shape === undefined) return refuse('no GEMM view of this node');
  const c = shape.conv;
  const bytes = (n: number, bits: number): number => Math.ceil((n * bits) / 8);
  const hOut = Math.floor((c.h + c.pads[0] + c.pads[2] - c.kh) / c.stride) + 1;
  const wOut = Math.floor((c.w + c.pads[1] + c.pads[3] - c.kw) / c.stride) + 1;
  const dmaBytes: DmaBytes = {
    input: bytes(c.h * c.w * c.cin, a.bits),
    weights: bytes(c.kh * c.kw * c.cin * c.cout, w.bits),
    output: bytes(hOut * wOut * c.cout, a.bits),
  };
  // RBE first: unsigned activations (it takes x in [0, 2^QA)), signed weights, validateJob.
  const rbeWhy: string[] = [];
  if (!spec.rbe) rbeWhy.push('the RBE is off in the preset (rbe: false)');
  else {
    if (!w.signed) rbeWhy.push(`weights ${formats.weights} are unsigned (the RBE takes signed weights)`);
    rbeWhy.push(...validateJob(rbeJobOf(c, a.bits, w.bits, a.signed), MARSELLUS_RBE));
  }
  if (rbeWhy.length === 0) {
    return {
      kind: 'rbe',
      name,
      op,
      rbe: rbeJobOf(c, a.bits, w.bits, a.signed),
      repeats: shape.repeats,
      macs: s.macs,
      dmaBytes,
      signedActivations: a.signed,
    };
  }
  const coreWhy: string[] = [];
  if (!kBits(a.bits) || !kBits(w.bits))
    coreWhy.push(`the kernels take 8-, 4- or 2-bit codes, not ${formats.weights} × ${formats.activations}`);
  if (!w.signed)
    coreWhy.push(`weights ${formats.weights} are unsigned (the kernels take symmetric signed weights)`);
  const padded = padForKernel(c);
  if (coreWhy.length === 0) coreWhy.push(...unsupported(padded));
  if (coreWhy.length > 0) return refuse(`RBE: ${rbeWhy.join('; ')}. Cores: ${coreWhy.join('; ')}`);
  return {
    kind: 'cores',
    name,
    op,
    conv: padded,
    repeats: shape.repeats,
    macs: s.macs,
    dmaBytes,
    reason: rbeWhy.join('; '),
  };
}

function compile(
  _graph: Graph,
  nodes: readonly ShapedNode[],
  spec: RiscvClusterSpec,
  formats: FormatAssignment,
): RiscvClusterJob[] {
  return nodes.map((s) => compileNode(s, spec, formats));
}

/** Seeded operands in the layer's formats, with multipliers that keep most outputs unsaturated. */
export function seededLayer(c: ConvShape, seed: number): QuantConv {
  const rng = new Rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));
  const xr = codeRange(c.xBits, c.xSigned);
  const wHi = 2 ** (c.wBits - 1) - 1;
  const k = c.kh * c.kw * c.cin;
  const x = new Int32Array(c.h * c.w * c.cin).map(() => int(xr.lo, xr.hi));
  const weights = new Int32Array(c.cout * k).map(() => int(-wHi, wHi));
  const yr = codeRange(c.yBits, c.ySigned);
  const m = Math.min(
    0.5,
    (yr.hi - yr.lo + 1) / (Math.sqrt(k) * Math.max(1, wHi) * Math.max(1, xr.hi - xr.lo)),
  );
  return {
    ...c,
    x,
    xZero: 0,
    weights,
    bias: new Int32Array(c.cout).map(() => int(-64, 64)),
    multiplier: new Float64Array(c.cout).fill(m),
    yZero: 0,
  };
}

/**
 * The actions the cost model prices (./inventory below names a price for each). Every other counter
 * of a run is a statistic (instruction mix, stalls, per-bank traffic) and goes to the layer's extra
 * fields, never into `counts`, so nothing is priced twice.
 */
export const PRICED_ACTIONS = [
  'cores.insn.total',
  'cores.insn.mul',
  'cores.insn.mulh',
  'cores.insn.div',
  'cores.mac.int32',
  'cores.mac.int16',
  'cores.mac.int8',
  'cores.mac.int4',
  'cores.mac.int2',
  'cores.icache.refill.shared',
  'cores.icache.refill.l2',
  'tcdm.access',
  'l2.core.access',
  'l2.dma.read.bytes',
  'l2.dma.write.bytes',
  'rbe.l1.word.read',
  'rbe.l1.word.write',
  'rbe.inputbuffer.write',
  'rbe.bitop',
  'rbe.accumulator.update',
  'rbe.normquant.op',
] as const;
const PRICED = new Set<string>(PRICED_ACTIONS);

/** Counters that only restate others per core / per DMA port; left out of the layer's figures. */
const PER_PORT = /^(core\d+\.|eu\.core\d+\.|tcdm\.core\d+\.|tcdm\.dma\d+\.)/;

interface SplitCounts {
  readonly counts: ActionCounts;
  readonly stats: Record<string, number>;
}

/** A run's counters × repeats, split into priced actions and statistics. */
function splitCounts(raw: ActionCounts, repeats: number): SplitCounts {
  const counts: ActionCounts = {};
  const stats: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (PER_PORT.test(k) || k === 'cycles') continue;
    if (PRICED.has(k)) counts[k] = v * repeats;
    else stats[k] = v * repeats;
  }
  return { counts, stats };
}

function addCount(c: ActionCounts, key: string, n: number): void {
  c[key] = (c[key] ?? 0) + n;
}

function sorted<T>(c: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(c).sort(([x], [y]) => x.localeCompare(y)));
}

/** The stall causes the reports name, per layer (summed over cores and repeats). */
function stallExtras(st: StallsByCause, repeats: number): Record<string, number> {
  return {
    'stalls.loadUse': st.loadUse * repeats,
    'stalls.tcdmConflict': st.tcdm * repeats,
    'stalls.icache': st.icache * repeats,
    'stalls.dmaWait': st.dmaWait * repeats,
    'stalls.barrier': st.barrier * repeats,
    'stalls.other': st.other * repeats,
  };
}

/** The cluster model's parameters for this preset (cores, banks, TCDM, L2, DMA bandwidth). */
function clusterParams(spec: RiscvClusterSpec): ClusterParams {
  return withParams(MARSELLUS_CLUSTER, {
    tcdmBytes: spec.tcdmBytes,
    l2Bytes: spec.l2Bytes,
    dmaBytesPerCycle: spec.dmaBytesPerCycle,
  });
}

interface EngineResult {
  readonly cycles: number;
  readonly stallCycles: number;
  readonly counts: ActionCounts;
  readonly peakMacPerCycle: number;
  readonly extra: Record<string, number | string>;
}

/**
 * An RBE layer: the event model's cycles and counts. The RBE reads its operands from the TCDM, so
 * the layer's DMA traffic (inputs and weights in, outputs out; from the layer's sizes) is counted
 * as L2 bytes and TCDM words, but its time is not on the clock (no tiling for the RBE yet).
 */
function runRbe(job: Extract<RiscvClusterJob, { kind: 'rbe' }>, spec: RiscvClusterSpec): EngineResult {
  const t = eventTiming(job.rbe, MARSELLUS_RBE);
  const d = rbeDmaSchedule({
    rbeCycles: t.cycles,
    inputBytes: job.dmaBytes.input,
    weightBytes: job.dmaBytes.weights,
    outputBytes: job.dmaBytes.output,
    tcdmBytes: spec.tcdmBytes,
    dmaBytesPerCycle: spec.dmaBytesPerCycle,
  });
  const { counts, stats } = splitCounts(t.counts, job.repeats);
  const bytesIn = d.bytesIn * job.repeats;
  const bytesOut = d.bytesOut * job.repeats;
  addCount(counts, 'l2.dma.read.bytes', bytesIn);
  addCount(counts, 'l2.dma.write.bytes', bytesOut);
  addCount(counts, 'tcdm.access', Math.ceil(bytesIn / 4) + Math.ceil(bytesOut / 4));
  const p = MARSELLUS_RBE;
  const rows = job.rbe.mode === '3x3' ? p.blocksPerColumn : job.rbe.qw;
  return {
    cycles: d.cycles * job.repeats,
    stallCycles: d.dmaWaitCycles * job.repeats,
    counts,
    peakMacPerCycle: (p.columns * rows * p.binconvsPerBlock * p.binconvWidth) / (job.rbe.qa * job.rbe.qw),
    extra: {
      ...stats,
      'stalls.dmaWait': d.dmaWaitCycles * job.repeats,
      rbeCycles: t.cycles * job.repeats,
      rbeMode: job.rbe.mode,
      dmaTiles: d.tiles,
      dmaWeightSlices: d.weightSlices,
      ...(job.signedActivations
        ? { rbeActivationOffset: `signed codes + 2^${job.rbe.qa - 1}, folded into the bias (rbe/signed.ts)` }
        : {}),
      model: d.fits
        ? 'RBE event model E (rbe/event.ts) after the DMA load and before the store (the layer fits the TCDM; rbe-schedule.ts)'
        : 'RBE event model E (rbe/event.ts) in an analytic double-buffered DMA tiling (rbe-schedule.ts)',
    },
  };
}

function issMacsOf(c: ConvShape): number {
  const ho = Math.floor((c.h + c.pads[0] + c.pads[2] - c.kh) / c.stride) + 1;
  const wo = Math.floor((c.w + c.pads[1] + c.pads[3] - c.kw) / c.stride) + 1;
  return ho * wo * c.cout * c.kh * c.kw * c.cin;
}

/** A core layer: the generated kernel on the ISS, on the cluster model when it fits the TCDM. */
function runCores(job: Extract<RiscvClusterJob, { kind: 'cores' }>, spec: RiscvClusterSpec): EngineResult {
  const c = job.conv;
  const issMacs = issMacsOf(c);
  if (issMacs > spec.issMaxMacsPerLayer) {
    throw new TargetConfigError(
      'simulation.iss_max_macs_per_layer',
      String(spec.issMaxMacsPerLayer),
      `at least ${issMacs} MACs: this layer runs on the cores' instruction-set simulator, which runs every instruction (raise the limit, or run it on the RBE: ${job.reason})`,
    );
  }
  const layer = seededLayer(c, spec.seed);
  let r: TiledRun;
  try {
    r = runTiledOnCluster(layer, { cores: spec.cores, banks: spec.tcdmBanks, params: clusterParams(spec) });
  } catch (e) {
    if (e instanceof InputError)
      throw new TargetConfigError(
        'cluster.tcdm_kib',
        String(spec.tcdmBytes / 1024),
        `a TCDM that holds a tile of this layer: ${e.issues.map((i) => `${i.value}, expected ${i.expected}`).join('; ')}`,
      );
    throw e;
  }
  const { counts, stats } = splitCounts(r.counts, job.repeats);
  // the critical path: cycles in which the busiest core was not retiring an instruction
  const busiest = r.instructionsPerCore.reduce((m, n) => Math.max(m, n), 0);
  const p = r.plan;
  return {
    cycles: r.cycles * job.repeats,
    stallCycles: (r.cycles - busiest) * job.repeats,
    counts,
    peakMacPerCycle: (32 / c.xBits) * spec.cores,
    extra: {
      ...stats,
      ...stallExtras({ ...r.stalls, dmaWait: r.exposedDmaCycles }, job.repeats),
      rbeRefused: job.reason,
      coresUsed: spec.cores,
      tiles: p.tiles.length,
      tileRows: p.rowsPerTile,
      tileChannels: p.channelsPerSlice,
      tcdmConflicts: r.tcdmConflicts * job.repeats,
      issInstructions: r.instructionsPerCore.reduce((s2, n) => s2 + n, 0) * job.repeats,
      model: p.whole
        ? `ISS, ${spec.cores} cores on the cluster model (TCDM banks, DMA in/out, barriers; kernels/cluster-run.ts)`
        : `ISS, ${spec.cores} cores on the cluster model, ${p.tiles.length} tiles through half the TCDM each, DMA double-buffered (kernels/band-tiling.ts)`,
    },
  };
}

function runJob(job: RiscvClusterJob, spec: RiscvClusterSpec): LayerResult {
  const opPoint = spec.operatingPoint;
  if (job.kind === 'refused')
    throw new TargetConfigError('formats', job.op, `a layer the RBE or the kernels take: ${job.reason}`);
  if (job.kind === 'pass') {
    return {
      name: job.name,
      op: job.op,
      cycles: 0,
      stallCycles: 0,
      macs: 0,
      utilization: 0,
      counts: {},
      extra: { engine: 'pass-through' },
    };
  }
  const r = job.kind === 'rbe' ? runRbe(job, spec) : runCores(job, spec);
  const seconds = r.cycles / opPoint.clockHz;
  const ops = 2 * job.macs;
  return {
    name: job.name,
    op: job.op,
    cycles: r.cycles,
    stallCycles: r.stallCycles,
    macs: job.macs,
    utilization: r.cycles > 0 ? job.macs / (r.cycles * r.peakMacPerCycle) : 0,
    counts: sorted(r.counts),
    extra: sorted({
      engine: job.kind,
      ...r.extra,
      macPerCycle: r.cycles > 0 ? job.macs / r.cycles : 0,
      peakMacPerCycle: r.peakMacPerCycle,
      gopsPerS: seconds > 0 ? ops / seconds / 1e9 : 0,
      operatingPoint: opPoint.name,
    }),
  };
}

/** Peak MAC/cycle of the whole cluster: every core at 2-bit SIMD (16 MACs) plus the RBE at 2×2 bits. */
function peakMacsPerCycle(spec: RiscvClusterSpec): number {
  const p = MARSELLUS_RBE;
  const rbePeak2x2 = (p.columns * p.blocksPerColumn * p.binconvsPerBlock * p.binconvWidth) / 4;
  return spec.cores * 16 + (spec.rbe ? rbePeak2x2 : 0);
}

export const riscvClusterTarget: TargetDefinition<RiscvClusterSpec, RiscvClusterJob> = {
  id: 'riscv-cluster',
  description:
    'PULP cluster: RI5CY/XpulpNN cores on an ISS, banked TCDM, DMA, and the RBE (Marsellus); RBE where legal, cores otherwise',
  fidelity: 'cycle-accurate',
  parseSpec: parseRiscvClusterSpec,
  supports: (node) => supports(node),
  compile: (graph, nodes, spec, formats) => compile(graph, nodes, spec, formats),
  runJob,
  clockHz: (spec) => spec.operatingPoint.clockHz,
  peakMacsPerCycle,
  presetFormats: (spec) => spec.formats,
  inventory: riscvClusterInventory,
  technology: (spec) => ({
    nodeNm: spec.nodeNm,
    voltageV: spec.operatingPoint.voltageV,
    leakageFactor: spec.operatingPoint.leakageFactor,
  }),
  presetFields: { 'op-point': 'operating_point', rbe: 'rbe' },
  operatingPoint: (spec) => ({
    name: spec.operatingPoint.name,
    clockHz: spec.operatingPoint.clockHz,
    voltageV: spec.operatingPoint.voltageV,
  }),
};

const row = (id: string): BlockAction => ({ row: id });
const lane = (bits: number): BlockAction => ({
  mac: { weights: `int${bits}`, activations: `int${bits}`, accumulator: 'int32' },
});

/**
 * What the cluster is made of and what prices each of its actions (the cost model's tables:
 * hw-configs/tech/blocks.yaml for the cores, the RBE and the interconnect; the CACTI SRAM model for
 * the TCDM banks, I-caches and L2; the MAC model for one SIMD lane at each width).
 */
export function riscvClusterInventory(spec: RiscvClusterSpec): InventoryItem[] {
  const lineBits = (PULP_ICACHE.shared ?? PULP_ICACHE.private).lineBytes * 8;
  const tcdmWord = { access: 'read', bits: 32 } as const;
  const items: InventoryItem[] = [
    {
      kind: 'block',
      id: 'cores',
      count: spec.cores,
      areaRow: 'pulp.core.area',
      actions: {
        'cores.insn.total': row('pulp.core.instruction.energy'),
        'cores.insn.mul': row('pulp.core.mul.energy'),
        'cores.insn.mulh': row('pulp.core.mul.energy'),
        'cores.insn.div': row('pulp.core.mul.energy'),
        'cores.mac.int32': lane(32),
        'cores.mac.int16': lane(16),
        'cores.mac.int8': lane(8),
        'cores.mac.int4': lane(4),
        'cores.mac.int2': lane(2),
      },
    },
    {
      kind: 'sram',
      id: 'icache.private',
      macros: spec.cores,
      bytesPerMacro: spec.icachePrivateBytes,
      wordBits: lineBits,
      ports: 1,
    },
    {
      kind: 'sram',
      id: 'icache.shared',
      macros: 1,
      bytesPerMacro: spec.icacheSharedBytes,
      wordBits: lineBits,
      ports: 1,
      actions: { 'cores.icache.refill.shared': { access: 'read', bits: lineBits } },
    },
    {
      kind: 'sram',
      id: 'tcdm',
      macros: spec.tcdmBanks,
      bytesPerMacro: spec.tcdmBytes / spec.tcdmBanks,
      wordBits: 32,
      ports: 1,
      actions: {
        'tcdm.access': tcdmWord,
        'rbe.l1.word.read': tcdmWord,
        'rbe.l1.word.write': { access: 'write', bits: 32 },
      },
    },
    {
      kind: 'sram',
      id: 'l2',
      macros: 1,
      bytesPerMacro: spec.l2Bytes,
      wordBits: 64,
      ports: 1,
      actions: {
        'l2.dma.read.bytes': { access: 'read', bits: 8 },
        'l2.dma.write.bytes': { access: 'write', bits: 8 },
        'l2.core.access': { access: 'read', bits: 32 },
        'cores.icache.refill.l2': { access: 'read', bits: lineBits },
      },
    },
    {
      kind: 'block',
      id: 'cluster.infrastructure',
      count: 1,
      areaRow: 'pulp.cluster-infrastructure.area',
      actions: {
        'tcdm.access': row('pulp.interconnect.word.energy'),
        'rbe.l1.word.read': row('pulp.interconnect.word.energy'),
        'rbe.l1.word.write': row('pulp.interconnect.word.energy'),
      },
    },
  ];
  if (spec.rbe) {
    items.push({
      kind: 'block',
      id: 'rbe',
      count: 1,
      areaRow: 'pulp.rbe.area',
      actions: {
        'rbe.bitop': row('pulp.rbe.bitop.energy'),
        'rbe.accumulator.update': row('pulp.rbe.accumulate.energy'),
        'rbe.normquant.op': row('pulp.rbe.normquant.energy'),
        'rbe.inputbuffer.write': row('pulp.rbe.buffer.write.energy'),
      },
    });
  }
  return items;
}
