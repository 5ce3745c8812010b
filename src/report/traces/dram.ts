/**
 * The DRAM side of a systolic layer, from E's timeline: what each read transfer (one plan chunk)
 * and each ofmap drain moves, cycle by cycle. A line is `cycle,addr,addr,…` with the addresses that
 * complete in that cycle; the line width varies (no −1 padding).
 *
 * Read transfers: chunk j of a stream moves its `elements` distinct addresses over [start, end)
 * at the read bandwidth: element e (0-based, e·b bytes before it) completes in cycle
 * start + ⌈(e+1)·b / bandwidth⌉ − 1 (unlimited bandwidth: all in `start`). Which addresses: the
 * chunk's im2col / weight block (the fold's spatial range × the chunk's temporal range, as
 * targets/systolic/plan.ts cuts it) in the order the array first demands them: by demand row
 * (temporal index + port, the skew), port ascending within a row; a stationary tile in load order.
 * That is SCALE-Sim's USER-mode fetch order (its operand stream, diagonal-unrolled) without the −1
 * padding and without repeats. Kept:
 *  - for an ifmap that fits in half its SRAM (kept on chip): the addresses no earlier chunk brought;
 *  - otherwise: the distinct addresses of the block (im2col duplicates and padding removed).
 * The count is checked against the plan's `elements`, so trace and counts cannot drift apart.
 * Under scalesim conventions the first chunk of each stream is on chip at cycle 0 for free; its
 * fill is stamped before cycle 0, ending at cycle −1 (negative stamps, as SCALE-Sim does).
 *
 * Ofmap drains: the ofmap buffer fills in SRAM write order, so drain d moves the next `words`
 * addresses of the OFMAP SRAM write sequence (partial sums included in ws/is), over its window at
 * the write bandwidth.
 */
import type { GemmSegment, GemmView } from '../../mapping/gemm.js';
import type { Timeline } from '../../targets/systolic/event.js';
import type { Chunk, OperandBytes } from '../../targets/systolic/plan.js';
import type { SystolicSpec } from '../../targets/systolic/spec.js';
import { filterBase, IfmapAddresses } from './addresses.js';
import type { TraceFile } from './sink.js';
import { sramLines, sramPorts, type SramContext, type SramLine } from './sram.js';

export interface DramContext extends SramContext {
  readonly spec: SystolicSpec;
  readonly timeline: Timeline;
  readonly bytes: OperandBytes;
}

/** Cycle in which element e of a transfer starting at `start` completes. */
function completion(start: number, e: number, elementBytes: number, bandwidth: number): number {
  return Number.isFinite(bandwidth) ? start + Math.ceil(((e + 1) * elementBytes) / bandwidth) - 1 : start;
}

/** Cycles a transfer of `bytes` occupies the channel (E's rule). */
function transferCycles(bytes: number, bandwidth: number): number {
  return bytes <= 0 ? 0 : Math.ceil(bytes / bandwidth);
}

/** One transfer: stamps each element with its completion cycle and writes it. */
class Transfer {
  private e = 0;

  constructor(
    private readonly file: TraceFile,
    private readonly start: number,
    private readonly elementBytes: number,
    private readonly bandwidth: number,
    private readonly offset: number,
  ) {}

  get count(): number {
    return this.e;
  }

  /** True when the file wants a flush. */
  put(addr: number): boolean {
    const c = completion(this.start, this.e, this.elementBytes, this.bandwidth);
    this.e++;
    return this.file.cycleValue(c, this.offset + addr);
  }
}

/** IFMAP or FILTER DRAM reads. */
export async function writeReadDram(file: TraceFile, ctx: DramContext, stream: 'ifmap' | 'filter'): Promise<void> {
  const { plan, spec, timeline: tl } = ctx;
  const chunks = stream === 'ifmap' ? plan.ifmapChunks : plan.filterChunks;
  const eb = stream === 'ifmap' ? ctx.bytes.ifmap : ctx.bytes.filter;
  const bw = spec.readBandwidthBytesPerCycle;
  const offset = stream === 'ifmap' ? ctx.ifmapOffset : ctx.filterOffset;
  const blocks = stream === 'ifmap' ? new IfmapBlocks(ctx) : new FilterBlocks(ctx);
  const emit = async (j: number, start: number): Promise<void> => {
    const chunk = chunks[j];
    if (chunk === undefined) throw new Error(`trace: the timeline names ${stream} chunk ${j}, which the plan lacks`);
    if (chunk.elements === 0) return;
    const tr = new Transfer(file, start, eb, bw, offset);
    await blocks.emit(chunk, tr, file);
    if (tr.count !== chunk.elements) {
      throw new Error(`trace: ${stream} chunk ${j} moves ${tr.count} addresses but the plan counts ${chunk.elements}`);
    }
  };
  if (spec.conventions === 'scalesim' && chunks.length > 0) {
    // SCALE-Sim's free first fill: stamped before cycle 0
    const first = chunks[0]!;
    const span = Number.isFinite(bw) ? transferCycles(first.bytes, bw) : 1;
    await emit(0, -Math.max(1, span));
  }
  const want = stream === 'ifmap' ? 0 : 1;
  for (let i = 0; i < tl.readStream.length; i++) {
    if (tl.readStream[i] !== want) continue;
    await emit(tl.readChunk[i]!, tl.readStart[i]!);
  }
  file.endCycleLine();
}

/** Where a chunk's block lies: the fold's spatial range and the chunk's temporal range. */
interface Block {
  readonly seg: GemmSegment;
  /** Stationary tile (ws weights / is inputs): loaded in rows 0…ur−1, bottom PE row first. */
  readonly stationary: boolean;
  readonly k0: number;
  readonly k1: number;
  /** m range (ifmap) or n range (filter). */
  readonly s0: number;
  readonly s1: number;
}

function blockOf(ctx: SramContext, segs: Map<number, GemmSegment>, stream: 'ifmap' | 'filter', ch: Chunk): Block {
  const { plan } = ctx;
  const f = plan.folds[ch.fold];
  if (f === undefined) throw new Error(`trace: chunk of fold ${ch.fold}, which the plan lacks`);
  const seg = segs.get(f.segment);
  if (seg === undefined) throw new Error(`trace: fold refers to segment ${f.segment}, which the GEMM view lacks`);
  const R = plan.rows;
  const C = plan.cols;
  const stationary = ch.t0 === -1;
  switch (plan.dataflow) {
    case 'os':
      // ifmap: m over the fold's rows, k over the chunk; filter: k over the chunk, n over the columns
      return stream === 'ifmap'
        ? { seg, stationary, k0: ch.t0, k1: ch.t1, s0: f.fr * R, s1: f.fr * R + f.ur }
        : { seg, stationary, k0: ch.t0, k1: ch.t1, s0: f.fc * C, s1: f.fc * C + f.uc };
    case 'ws':
      // filter: the fold's weight tile; ifmap: m over the chunk, k over the fold's rows
      return stream === 'filter'
        ? { seg, stationary, k0: f.fr * R, k1: f.fr * R + f.ur, s0: f.fc * C, s1: f.fc * C + f.uc }
        : { seg, stationary, k0: f.fr * R, k1: f.fr * R + f.ur, s0: ch.t0, s1: ch.t1 };
    case 'is':
      // ifmap: the fold's input tile (m over columns); filter: k over the fold's rows, n over the chunk
      return stream === 'ifmap'
        ? { seg, stationary, k0: f.fr * R, k1: f.fr * R + f.ur, s0: f.fc * C, s1: f.fc * C + f.uc }
        : { seg, stationary, k0: f.fr * R, k1: f.fr * R + f.ur, s0: ch.t0, s1: ch.t1 };
  }
}

class IfmapBlocks {
  private readonly A: IfmapAddresses;
  private readonly segs: Map<number, GemmSegment>;
  /** Resident ifmap: addresses already on chip. */
  private readonly seen: Uint8Array | undefined;
  /** Non-resident: generation stamps to keep each address once per chunk. */
  private readonly stamp: Int32Array | undefined;
  private generation = 0;
  /** os: ports carry m (the temporal index is k); ws: ports carry k (temporal m). */
  private readonly mPorts: boolean;

  constructor(private readonly ctx: DramContext) {
    const { plan, spec, view } = ctx;
    this.segs = new Map(view.segments.map((s) => [s.index, s]));
    this.A = new IfmapAddresses(view, Math.max(plan.rows, plan.cols, 1));
    // the plan's rule: an ifmap that fits in half its SRAM is fetched once and kept
    const half = Math.floor(spec.ifmapSramBytes / 2 / ctx.bytes.ifmap);
    const resident = view.aElements <= half;
    this.seen = resident ? new Uint8Array(view.aElements) : undefined;
    this.stamp = resident ? undefined : new Int32Array(view.aElements);
    this.mPorts = plan.dataflow === 'os';
  }

  /** Is address a (−1: padding) to be fetched by this chunk? Marks it. */
  private fresh(a: number, gen: number): boolean {
    if (a < 0) return false;
    const seen = this.seen;
    if (seen !== undefined) {
      if (seen[a] === 1) return false;
      seen[a] = 1;
      return true;
    }
    const stamp = this.stamp!;
    if (stamp[a] === gen) return false;
    stamp[a] = gen;
    return true;
  }

  async emit(ch: Chunk, tr: Transfer, file: TraceFile): Promise<void> {
    const b = blockOf(this.ctx, this.segs, 'ifmap', ch);
    const A = this.A;
    A.setSegment(b.seg);
    const gen = ++this.generation;
    if (b.stationary) {
      // is: the input tile in load order (row t holds k = k1−1−t), columns (m) across
      const width = b.s1 - b.s0;
      for (let s = 0; s < width; s++) A.setSlot(s, b.s0 + s);
      for (let k = b.k1 - 1; k >= b.k0; k--) {
        for (let s = 0; s < width; s++) {
          const a = A.at(s, k);
          if (this.fresh(a, gen) && tr.put(a)) await file.flush();
        }
      }
    } else if (this.mPorts) {
      // os: port p carries m = s0 + p, temporal index k; demanded at row k + p
      const P = b.s1 - b.s0;
      for (let p = 0; p < P; p++) A.setSlot(p, b.s0 + p);
      for (let d = b.k0; d < b.k1 + P - 1; d++) {
        const hi = Math.min(P - 1, d - b.k0);
        for (let p = Math.max(0, d - b.k1 + 1); p <= hi; p++) {
          const a = A.at(p, d - p);
          if (this.fresh(a, gen) && tr.put(a)) await file.flush();
        }
      }
    } else {
      // ws: port p carries k = k0 + p, temporal index m; demanded at row R + m + p. The P m's of a
      // diagonal are consecutive, so slot (m − s0) mod P never collides.
      const P = b.k1 - b.k0;
      for (let d = b.s0; d < b.s1 + P - 1; d++) {
        if (d < b.s1) A.setSlot((d - b.s0) % P, d);
        const hi = Math.min(P - 1, d - b.s0);
        for (let p = Math.max(0, d - b.s1 + 1); p <= hi; p++) {
          const a = A.at((d - p - b.s0) % P, b.k0 + p);
          if (this.fresh(a, gen) && tr.put(a)) await file.flush();
        }
      }
    }
  }
}

class FilterBlocks {
  private readonly segs: Map<number, GemmSegment>;
  private readonly view: GemmView;

  constructor(private readonly ctx: DramContext) {
    this.view = ctx.view;
    this.segs = new Map(ctx.view.segments.map((s) => [s.index, s]));
  }

  async emit(ch: Chunk, tr: Transfer, file: TraceFile): Promise<void> {
    const b = blockOf(this.ctx, this.segs, 'filter', ch);
    const K = b.seg.k;
    const base = filterBase(this.view, b.seg);
    if (b.stationary) {
      // ws: the weight tile in load order (row t holds k = k1−1−t), columns (n) across
      for (let k = b.k1 - 1; k >= b.k0; k--) {
        for (let n = b.s0; n < b.s1; n++) if (tr.put(base + n * K + k)) await file.flush();
      }
    } else if (this.ctx.plan.dataflow === 'os') {
      // port p carries n = s0 + p, temporal index k; demanded at row k + p
      const P = b.s1 - b.s0;
      const col = base + b.s0 * K;
      for (let d = b.k0; d < b.k1 + P - 1; d++) {
        const hi = Math.min(P - 1, d - b.k0);
        for (let p = Math.max(0, d - b.k1 + 1); p <= hi; p++) if (tr.put(col + p * K + d - p)) await file.flush();
      }
    } else {
      // is: port p carries k = k0 + p, temporal index n; demanded at row R + n + p
      const P = b.k1 - b.k0;
      for (let d = b.s0; d < b.s1 + P - 1; d++) {
        const hi = Math.min(P - 1, d - b.s0);
        for (let p = Math.max(0, d - b.s1 + 1); p <= hi; p++) if (tr.put(base + (d - p) * K + b.k0 + p)) await file.flush();
      }
    }
  }
}

/** OFMAP DRAM writes: the drains of E's timeline, filled from the OFMAP SRAM write sequence. */
export async function writeOfmapDram(file: TraceFile, ctx: DramContext): Promise<void> {
  const { plan, spec, timeline: tl } = ctx;
  const bw = spec.writeBandwidthBytesPerCycle;
  const wb = plan.ofmapWordBytes;
  const ports = sramPorts(plan.dataflow, 'ofmap', plan.rows, plan.cols);
  const writes = sramLines({ ...ctx, ofmapOffset: 0 }, 'ofmap');
  let line: SramLine | undefined;
  let p = ports;
  const next = (): number | undefined => {
    for (;;) {
      if (line !== undefined) {
        while (p < ports) {
          const a = line.addr[p++]!;
          if (a >= 0) return a;
        }
      }
      const r = writes.next();
      if (r.done === true) return undefined;
      line = r.value;
      p = 0;
    }
  };
  for (let d = 0; d < tl.drainStart.length; d++) {
    const words = tl.drainWords[d]!;
    const tr = new Transfer(file, tl.drainStart[d]!, wb, bw, ctx.ofmapOffset);
    for (let e = 0; e < words; e++) {
      const a = next();
      if (a === undefined) throw new Error(`trace: ofmap drain ${d} moves more words than the array wrote`);
      if (tr.put(a)) await file.flush();
    }
  }
  if (next() !== undefined) throw new Error('trace: the array wrote ofmap words that no drain moved');
  file.endCycleLine();
}
