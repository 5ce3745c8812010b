/**
 * A conv layer on the whole cluster (docs/riscv-cluster-kernels.md, "The layer on the cluster"):
 * the layer's inputs, weights and requantization parameters sit in L2; core 0 programs the DMA to
 * bring them into the TCDM and waits for it; a barrier; every core runs the generated kernel on
 * its share of the output rows (split as evenly as possible; a core with no rows goes straight to
 * the next barrier), each with its own im2col buffers; a barrier; core 0 sends the output back to
 * L2 by DMA. Mixed precision adds a step after the first barrier: every core unpacks its slice of
 * the weights, then a second barrier.
 *
 * All cores run one program (fork-join): each reads its part from a per-core record in the TCDM
 * (kernels/conv.ts `CORE_RECORD`), which the host writes before the run, as a runtime passes a
 * kernel its arguments. Everything else moves through the DMA on the simulated clock.
 */
import { AsmBuilder } from '../asm/builder.js';
import { Cluster } from '../cluster/cluster.js';
import { MARSELLUS_CLUSTER, withParams, type ClusterParams } from '../cluster/params.js';
import { STALL_CAUSES, type StallCauseName } from '../core/memory.js';
import type { ActionCounts } from '../../../engine/component.js';
import { InputError } from '../../../units/errors.js';
import {
  CORE_RECORD,
  CORE_RECORD_BYTES,
  emitConvRows,
  emitUnpackWeights,
  type PerCoreSetup,
} from './conv.js';
import { layoutLayer, outSize, planMemory, unpackCodes, type MemoryPlan, type QuantConv } from './layout.js';

/** Bytes of L2 reserved for the program, from L2's base; the layer's data follows. */
export const CLUSTER_CODE_BYTES = 0x10000;

export interface ClusterConvOptions {
  /** Cores that take part (1 … the parameters' limit). */
  readonly cores: number;
  /** TCDM banks (default: the parameters'). */
  readonly banks?: number;
  /** Cluster parameters (default MARSELLUS_CLUSTER; `cores` and `banks` override theirs). */
  readonly params?: ClusterParams;
  /** Instruction cache: the parameters' (default) or an ideal one (`false`). */
  readonly icache?: boolean;
  /** Send the output back to L2 by DMA at the end (default true); otherwise it stays in the TCDM. */
  readonly dmaOut?: boolean;
  /**
   * The weights and requantization records are already in the TCDM (a previous tile brought them):
   * the program does not DMA them; the host places them before the run. Default false.
   */
  readonly residentWeights?: boolean;
  readonly maxCycles?: number;
}

/** Stall cycles by the causes the issue names (the core's own causes folded into them). */
export interface StallsByCause {
  readonly loadUse: number;
  readonly tcdm: number;
  readonly icache: number;
  /** Waiting for the DMA (p.elw on a DMA wait register; the core's `wfi` cause). */
  readonly dmaWait: number;
  readonly barrier: number;
  /** Multiply latency, multi-cycle ops, taken branches and jumps, misaligned and L2 accesses. */
  readonly other: number;
  readonly total: number;
}

export interface CoreReport {
  /** Cycles until the core's ecall retired (= instructions + stalls). */
  readonly cycles: number;
  readonly instructions: number;
  readonly stalls: StallsByCause;
  /** The core's own stall counters by its causes. */
  readonly stallsRaw: Readonly<Record<StallCauseName, number>>;
  /** Cycles halted before the whole cluster finished. */
  readonly idle: number;
  /** Output rows it computed: [start, end). */
  readonly rows: readonly [number, number];
}

export interface ClusterConvRun {
  /** Output codes, HWC. */
  readonly y: Int32Array;
  /** Cycles from the start until the last core halted. */
  readonly cycles: number;
  readonly macs: number;
  readonly macPerCycle: number;
  readonly cores: readonly CoreReport[];
  /** Summed over the cores. */
  readonly stalls: StallsByCause;
  readonly tcdmAccessesPerBank: readonly number[];
  readonly tcdmConflictsPerBank: readonly number[];
  readonly tcdmConflicts: number;
  readonly dmaBytes: { readonly toTcdm: number; readonly toL2: number };
  /** The cluster's counters (cluster.ts `counts()`). */
  readonly counts: ActionCounts;
  readonly plan: MemoryPlan;
  readonly source: string;
}

const align = (v: number, a: number): number => Math.ceil(v / a) * a;

/** Output rows [start, end) of each of `cores` cores: as even as possible, the first ones one more. */
export function splitRows(rows: number, cores: number): [number, number][] {
  const base = Math.floor(rows / cores);
  const extra = rows % cores;
  const out: [number, number][] = [];
  let at = 0;
  for (let i = 0; i < cores; i++) {
    const n = base + (i < extra ? 1 : 0);
    out.push([at, at + n]);
    at += n;
  }
  return out;
}

/** Where everything goes in the TCDM, and what each core does. */
interface ClusterLayout {
  readonly plan: MemoryPlan;
  readonly perCore: PerCoreSetup;
  /** Per core: first im2col buffer. */
  readonly bufA: readonly number[];
  readonly rows: readonly [number, number][];
  /** Per core: [source, destination, source words] of its weight-unpacking slice. */
  readonly unpack: readonly [number, number, number][];
  /** DMA transfers in: [TCDM address, bytes]; out: the output. */
  readonly dmaIn: readonly [number, number][];
  readonly dmaOut: readonly [number, number];
  readonly end: number;
}

function layoutCluster(q: QuantConv, cores: number, tcdmBase: number): ClusterLayout {
  const tableBytes = align(cores * CORE_RECORD_BYTES, 16);
  const plan = planMemory(q, tcdmBase + tableBytes);
  // each core's buffers: A, B, a 16-byte scratch, each followed by a spare word
  const bufBytes = align(plan.rowBytes + 4, 16);
  const bufBOffset = bufBytes;
  const scratchOffset = 2 * bufBytes;
  const perCoreBytes = scratchOffset + 32;
  const bufA = Array.from({ length: cores }, (_, i) => plan.end + i * perCoreBytes);
  const end = plan.end + cores * perCoreBytes;
  const { ho, wo } = outSize(q);
  const rows = splitRows(ho, cores);
  const k = q.kh * q.kw * q.cin;
  const srcWords = (plan.coutPadded * k * q.wBits) / 32;
  const ratio = q.xBits / q.wBits;
  const unpack = splitRows(srcWords, cores).map(([s, e]): [number, number, number] => [
    plan.weights + 4 * s,
    plan.wUnpacked + 4 * s * ratio,
    e - s,
  ]);
  const words = (bytes: number): number => align(bytes, 4);
  const dmaIn: [number, number][] = [
    [plan.x, words(plan.hp * plan.wp * plan.pixelBytes)],
    [plan.weights, words((plan.coutPadded * k * q.wBits) / 8)],
    [plan.params, plan.coutPadded * 6 * 4],
  ];
  return {
    plan,
    perCore: { table: tcdmBase, bufBOffset, scratchOffset },
    bufA,
    rows,
    unpack,
    dmaIn,
    dmaOut: [plan.y, words(ho * wo * plan.outPixelBytes)],
    end,
  };
}

/** The program every core runs. */
function clusterProgram(
  q: QuantConv,
  lay: ClusterLayout,
  p: ClusterParams,
  l2Of: (a: number) => number,
  dmaOut: boolean,
): AsmBuilder {
  const map = p.map;
  const barrier = map.eventUnitBase + map.barrierWaitOffset;
  const b = new AsmBuilder();
  const dmaProgram = (tcdm: number, bytes: number, toTcdm: boolean): void => {
    b.insn('li', 't0', tcdm);
    b.insn('sw', 't0', '0(s2)');
    b.insn('li', 't0', l2Of(tcdm));
    b.insn('sw', 't0', '4(s2)');
    b.insn('li', 't0', bytes);
    b.insn('sw', 't0', '8(s2)');
    b.insn('li', 't0', toTcdm ? 1 : 0);
    b.insn('sw', 't0', '24(s2)');
  };
  const sync = (): void => {
    b.insn('li', 's1', barrier);
    b.insn('p.elw', 'zero', '0(s1)');
  };
  b.label('_start');
  b.insn('csrr', 's0', 'mhartid');
  b.insn('bnez', 's0', 'Lin');
  // core 0: bring the layer in and wait for it
  b.insn('li', 's2', map.dmaBase);
  for (const [addr, bytes] of lay.dmaIn) dmaProgram(addr, bytes, true);
  b.insn('p.elw', 'zero', '28(s2)');
  b.label('Lin');
  sync();
  if (q.wBits !== q.xBits) {
    emitUnpackWeights(b, q, lay.plan, lay.perCore);
    sync();
  }
  const { ho } = outSize(q);
  emitConvRows(
    b,
    {
      layer: q,
      plan: lay.plan,
      rowStart: 0,
      rowEnd: ho,
      rounding: q.rounding ?? 'nearest-even',
      yZero: q.yZero,
      perCore: lay.perCore,
    },
    'Lconvdone',
  );
  sync();
  if (dmaOut) {
    b.insn('csrr', 's0', 'mhartid');
    b.insn('bnez', 's0', 'Lend');
    b.insn('li', 's2', map.dmaBase);
    dmaProgram(lay.dmaOut[0], lay.dmaOut[1], false);
    b.insn('p.elw', 'zero', '28(s2)');
    b.label('Lend');
  }
  b.insn('ecall');
  return b;
}

function foldStalls(s: Readonly<Record<StallCauseName, number>>): StallsByCause {
  const total = STALL_CAUSES.reduce((a, k) => a + s[k], 0);
  const loadUse = s.loadUse;
  const tcdm = s.tcdm;
  const icache = s.icache;
  const dmaWait = s.wfi;
  const barrier = s.barrier;
  return {
    loadUse,
    tcdm,
    icache,
    dmaWait,
    barrier,
    other: total - loadUse - tcdm - icache - dmaWait - barrier,
    total,
  };
}

function sumStalls(all: readonly StallsByCause[]): StallsByCause {
  const keys = ['loadUse', 'tcdm', 'icache', 'dmaWait', 'barrier', 'other', 'total'] as const;
  const out = { loadUse: 0, tcdm: 0, icache: 0, dmaWait: 0, barrier: 0, other: 0, total: 0 };
  for (const s of all) for (const k of keys) out[k] += s[k];
  return out;
}

/** Run `q` on `opts.cores` cores of the cluster; see the file header. */
export function runConvOnCluster(q: QuantConv, opts: ClusterConvOptions): ClusterConvRun {
  const base = opts.params ?? MARSELLUS_CLUSTER;
  const params = withParams(base, {
    cores: opts.cores,
    ...(opts.banks === undefined ? {} : { tcdmBanks: opts.banks }),
    ...(opts.icache === false ? { icache: null } : {}),
  });
  const map = params.map;
  const lay = layoutCluster(q, opts.cores, map.tcdmBase);
  if (lay.end > map.tcdmBase + params.tcdmBytes) {
    throw new InputError([
      {
        path: 'conv',
        value: `${lay.end - map.tcdmBase} bytes of TCDM (input, weights, parameters, output, ${opts.cores} cores' buffers)`,
        expected: `at most ${params.tcdmBytes} bytes (tiling through L1 is not implemented yet)`,
      },
    ]);
  }
  const l2Data = map.l2Base + CLUSTER_CODE_BYTES;
  const l2Of = (a: number): number => l2Data + (a - map.tcdmBase);
  if (l2Of(lay.end) > map.l2Base + params.l2Bytes) {
    throw new InputError([
      { path: 'conv', value: `${lay.end - map.tcdmBase} bytes`, expected: `a layer that fits L2` },
    ]);
  }
  const dmaOut = opts.dmaOut ?? true;
  const resident = opts.residentWeights === true;
  const program0 = resident
    ? { ...lay, dmaIn: lay.dmaIn.filter(([a]) => a !== lay.plan.weights && a !== lay.plan.params) }
    : lay;
  const builder = clusterProgram(q, program0, params, l2Of, dmaOut);
  const source = builder.text();
  const program = builder.build({ source: 'cluster-conv.s', base: map.l2Base });
  if (program.bytes.length > CLUSTER_CODE_BYTES) {
    throw new InputError([
      {
        path: 'program',
        value: `${program.bytes.length} bytes`,
        expected: `at most ${CLUSTER_CODE_BYTES} bytes`,
      },
    ]);
  }
  const cluster = new Cluster({ code: program, params });
  // the layer in L2; the per-core records in the TCDM
  for (const [addr, bytes] of layoutLayer(q, lay.plan)) {
    cluster.load(l2Of(addr), bytes);
    if (resident && (addr === lay.plan.weights || addr === lay.plan.params)) cluster.load(addr, bytes);
  }
  lay.rows.forEach(([r0, r1], i) => {
    const { wo } = outSize(q);
    const p = lay.plan;
    const rec = new Array<number>(CORE_RECORD_BYTES / 4).fill(0);
    rec[CORE_RECORD.xwin / 4] = p.x + r0 * q.stride * p.wp * p.pixelBytes;
    rec[CORE_RECORD.ypix / 4] = p.y + r0 * wo * p.outPixelBytes;
    rec[CORE_RECORD.rows / 4] = r1 - r0;
    rec[CORE_RECORD.bufA / 4] = lay.bufA[i]!;
    const [src, dst, words] = lay.unpack[i]!;
    rec[CORE_RECORD.unpackSrc / 4] = src;
    rec[CORE_RECORD.unpackDst / 4] = dst;
    rec[CORE_RECORD.unpackWords / 4] = words;
    cluster.loadWords(lay.perCore.table + i * CORE_RECORD_BYTES, rec);
  });
  const cycles = cluster.runUntilAllHalt(opts.maxCycles ?? 1e9);

  const { ho, wo } = outSize(q);
  const count = ho * wo * q.cout;
  const yAddr = dmaOut ? l2Of(lay.plan.y) : lay.plan.y;
  const yBytes = (count * q.yBits) / 8;
  const mem = dmaOut ? cluster.l2.bytes : cluster.tcdm.bytes;
  const off = dmaOut ? yAddr - cluster.l2.base : yAddr - cluster.tcdm.base;
  const y = unpackCodes(mem.subarray(off, off + yBytes), q.yBits, count, q.ySigned);

  const coreReports = cluster.cores.map((core, i): CoreReport => {
    const raw = Object.fromEntries(STALL_CAUSES.map((k, j) => [k, core.stalls[j]!])) as Record<
      StallCauseName,
      number
    >;
    return {
      cycles: core.cycle - core.idleCycles,
      instructions: core.instret,
      stalls: foldStalls(raw),
      stallsRaw: raw,
      idle: core.idleCycles,
      rows: lay.rows[i]!,
    };
  });
  const macs = ho * wo * q.cout * q.kh * q.kw * q.cin;
  const t = cluster.tcdm;
  return {
    y,
    cycles,
    macs,
    macPerCycle: macs / cycles,
    cores: coreReports,
    stalls: sumStalls(coreReports.map((c) => c.stalls)),
    tcdmAccessesPerBank: Array.from(t.bankAccesses),
    tcdmConflictsPerBank: Array.from(t.bankConflicts),
    tcdmConflicts: t.conflicts,
    dmaBytes: { toTcdm: cluster.dma.bytesToTcdm, toL2: cluster.dma.bytesToL2 },
    counts: cluster.counts(),
    plan: lay.plan,
    source,
  };
}
