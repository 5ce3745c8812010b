/**
 * One IEEE 1364 value change dump (VCD) of a whole systolic run, for GTKWave and other waveform
 * viewers: the layer, fold and state of the PE array, the port activity and double-buffer swaps of
 * the three SRAMs, the DRAM channels and the vector unit, one time unit per clock cycle, layers end
 * to end (./run.ts). A signal is written only when it changes, so the file grows with folds, stalls
 * and transfers, not with cycles; it is streamed through a TraceFile (two fixed buffers).
 *
 * Signals (docs/traces.md has the full list and their meaning):
 *   bitcycle.layer.index
 *   bitcycle.array.{fold, rows_used, cols_used, pes_used, busy, stall, stall_read, stall_write, drain}
 *   bitcycle.sram.{ifmap,filter}.{reads, chunk}   bitcycle.sram.ofmap.{writes, half}
 *   bitcycle.dram.{read, read_ifmap, read_filter, write}
 *   bitcycle.vector.busy
 *
 * Nothing in the header depends on the wall clock or the machine: the same run gives the same bytes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SystolicSpec } from '../../targets/systolic/spec.js';
import { packageVersion } from '../../units/paths.js';
import { FoldWalker, portBlock, SRAM_STREAMS } from './activity.js';
import {
  DEFAULT_RUN_BUFFER_BYTES,
  gemmActivity,
  jsonAscii,
  layerStarts,
  RUN_TRACE_FILES,
  type GemmActivity,
  type RunTraceInput,
  type RunTraceLayer,
  type RunTraceOptions,
  type RunTraceStats,
} from './run.js';
import { TraceFile } from './sink.js';

interface SignalDef {
  /** Scope path below `bitcycle`, dot-separated. */
  readonly scope: string;
  readonly name: string;
  readonly width: number;
}

// signal indices (the order of SIGNALS)
const INDEX = 0;
const FOLD = 1;
const ROWS = 2;
const COLS = 3;
const PES = 4;
const BUSY = 5;
const STALL = 6;
const STALL_READ = 7;
const STALL_WRITE = 8;
const DRAIN = 9;
const IFMAP_READS = 10;
const IFMAP_CHUNK = 11;
const FILTER_READS = 12;
const FILTER_CHUNK = 13;
const OFMAP_WRITES = 14;
const OFMAP_HALF = 15;
const DRAM_READ = 16;
const DRAM_READ_IFMAP = 17;
const DRAM_READ_FILTER = 18;
const DRAM_WRITE = 19;
const VECTOR_BUSY = 20;

const SRAM_SIGNAL = { ifmap: IFMAP_READS, filter: FILTER_READS, ofmap: OFMAP_WRITES } as const;

const bitsFor = (n: number): number => Math.max(1, Math.floor(n).toString(2).length);

/** The signals, in index order, with widths fitted to the array. */
export function vcdSignals(spec: SystolicSpec): SignalDef[] {
  const ports = bitsFor(Math.max(spec.rows, spec.cols));
  const one = (scope: string, name: string): SignalDef => ({ scope, name, width: 1 });
  return [
    { scope: 'layer', name: 'index', width: 32 },
    { scope: 'array', name: 'fold', width: 32 },
    { scope: 'array', name: 'rows_used', width: bitsFor(spec.rows) },
    { scope: 'array', name: 'cols_used', width: bitsFor(spec.cols) },
    { scope: 'array', name: 'pes_used', width: bitsFor(spec.rows * spec.cols) },
    one('array', 'busy'),
    one('array', 'stall'),
    one('array', 'stall_read'),
    one('array', 'stall_write'),
    one('array', 'drain'),
    { scope: 'sram.ifmap', name: 'reads', width: ports },
    { scope: 'sram.ifmap', name: 'chunk', width: 32 },
    { scope: 'sram.filter', name: 'reads', width: ports },
    { scope: 'sram.filter', name: 'chunk', width: 32 },
    { scope: 'sram.ofmap', name: 'writes', width: ports },
    one('sram.ofmap', 'half'),
    one('dram', 'read'),
    one('dram', 'read_ifmap'),
    one('dram', 'read_filter'),
    one('dram', 'write'),
    one('vector', 'busy'),
  ];
}

/** Characters of identifiers: printable ASCII 33…126 but `$`, so that no identifier looks like a keyword. */
const ID_CHARS = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter((c) => c !== '$');

/** Short VCD identifier of signal i (base 93). */
export function vcdId(i: number): string {
  let s = '';
  let n = i;
  do {
    s += ID_CHARS[n % ID_CHARS.length]!;
    n = Math.floor(n / ID_CHARS.length);
  } while (n > 0);
  return s;
}

/**
 * The timescale that makes one VCD time unit one clock cycle ("1 ns" at 1 GHz, "10 ns" at 100 MHz),
 * or "1 ns" marked inexact when the period is not 1, 10 or 100 of a VCD unit (time is still cycles).
 */
export function vcdTimescale(clockHz: number): { readonly timescale: string; readonly exact: boolean } {
  const periodFs = 1e15 / clockHz;
  const units = [
    ['fs', 1],
    ['ps', 1e3],
    ['ns', 1e6],
    ['us', 1e9],
    ['ms', 1e12],
    ['s', 1e15],
  ] as const;
  for (const [unit, fs] of units) {
    for (const m of [1, 10, 100]) {
      if (Math.abs(periodFs - m * fs) <= 1e-9 * periodFs) return { timescale: `${m} ${unit}`, exact: true };
    }
  }
  return { timescale: '1 ns', exact: false };
}

/** Text for a $comment: no `$` (it would end the section), ASCII only. */
function commentText(s: string): string {
  return jsonAscii(s).replace(/\$/g, '\\u0024');
}

/**
 * Value changes with one timestamp per group: `set` records the new value of a signal at a time
 * (times must not decrease; at equal times the last value holds), and a group is written when time
 * moves on, with only the signals whose value differs from the last one written.
 */
class VcdOut {
  private readonly written: Float64Array;
  private readonly pending: Float64Array;
  private readonly dirty: Int32Array;
  private readonly marked: Uint8Array;
  private dirtyCount = 0;
  private time = 0;
  private dumped = false;
  private lastStamp = -1;
  /** Timestamps written. */
  stamps = 0;
  private readonly vector: boolean[];
  private readonly suffix: string[];

  constructor(
    private readonly file: TraceFile,
    defs: readonly SignalDef[],
  ) {
    const n = defs.length;
    this.written = new Float64Array(n);
    this.pending = new Float64Array(n);
    this.dirty = new Int32Array(n);
    this.marked = new Uint8Array(n);
    this.vector = defs.map((d) => d.width > 1);
    this.suffix = defs.map((d, i) => (d.width > 1 ? ` ${vcdId(i)}\n` : `${vcdId(i)}\n`));
  }

  set(t: number, sig: number, value: number): void {
    if (t !== this.time) {
      if (t < this.time) throw new Error(`trace: VCD time ${t} after ${this.time}`);
      this.commit();
      this.time = t;
    }
    if (this.marked[sig] === 0) {
      this.marked[sig] = 1;
      this.dirty[this.dirtyCount++] = sig;
    }
    this.pending[sig] = value;
  }

  private put(sig: number, value: number): void {
    const f = this.file;
    if (this.vector[sig]!) {
      f.ascii('b');
      f.bin(value);
    } else f.ascii(value === 0 ? '0' : '1');
    f.ascii(this.suffix[sig]!);
    f.countLine();
    this.written[sig] = value;
  }

  private stamp(): void {
    this.file.ascii('#');
    this.file.int(this.time);
    this.file.ascii('\n');
    this.file.countLine();
    this.lastStamp = this.time;
    this.stamps++;
  }

  /** Write the group of the current time. The first group is the initial dump of every signal. */
  private commit(): void {
    const f = this.file;
    if (!this.dumped) {
      this.dumped = true;
      this.stamp();
      f.ascii('$dumpvars\n');
      for (let s = 0; s < this.written.length; s++) this.put(s, this.marked[s] === 1 ? this.pending[s]! : 0);
      f.ascii('$end\n');
      for (let i = 0; i < this.dirtyCount; i++) this.marked[this.dirty[i]!] = 0;
      this.dirtyCount = 0;
      return;
    }
    let stamped = false;
    for (let i = 0; i < this.dirtyCount; i++) {
      const s = this.dirty[i]!;
      this.marked[s] = 0;
      const v = this.pending[s]!;
      if (v === this.written[s]) continue;
      if (!stamped) {
        this.stamp();
        stamped = true;
      }
      this.put(s, v);
    }
    this.dirtyCount = 0;
  }

  /** Write what is pending, and a last timestamp at `end` so viewers show the run to its end. */
  finish(end: number): void {
    if (end > this.time) {
      this.commit();
      this.time = end;
    }
    this.commit();
    if (this.lastStamp < end) {
      this.time = end;
      this.stamp();
    }
  }
}

/** Events of a fold: at most 2^SEQ_BITS, so that (time, sequence) packs into one exact double. */
const SEQ_BITS = 20;
const SEQ = 2 ** SEQ_BITS;

/** The current fold's value changes, sorted by time (stable: at equal times the later push wins). */
class FoldEvents {
  private readonly t: number[] = [];
  private readonly s: number[] = [];
  private readonly v: number[] = [];
  private keys = new Float64Array(1024);
  private cur = 0;
  size = 0;
  pos = 0;

  clear(): void {
    this.size = 0;
    this.pos = 0;
  }

  push(t: number, sig: number, value: number): void {
    const i = this.size++;
    this.t[i] = t;
    this.s[i] = sig;
    this.v[i] = value;
  }

  /** Sort by (time, push order): keys time·2^20 + i are exact below 2^53 and sort as plain numbers. */
  sort(): void {
    const n = this.size;
    if (this.keys.length < n) this.keys = new Float64Array(2 * n);
    const keys = this.keys.subarray(0, n);
    let last = 0;
    for (let i = 0; i < n; i++) {
      const t = this.t[i]!;
      if (t > last) last = t;
      keys[i] = t * SEQ + i;
    }
    if (n >= SEQ || last >= 2 ** (53 - SEQ_BITS)) {
      throw new Error(`trace: a fold of ${n} value changes reaching cycle ${last} is too large for a VCD trace`);
    }
    keys.sort();
    this.pos = 0;
    this.seek();
  }

  private seek(): void {
    if (this.pos < this.size) {
      const k = this.keys[this.pos]!;
      this.cur = k - Math.floor(k / SEQ) * SEQ;
    }
  }

  advance(): void {
    this.pos++;
    this.seek();
  }

  get time(): number {
    return this.t[this.cur]!;
  }

  get sig(): number {
    return this.s[this.cur]!;
  }

  get value(): number {
    return this.v[this.cur]!;
  }
}

/** Value changes of one fold (layer-relative cycles): array state, chunk swaps, SRAM port activity. */
function foldEvents(ev: FoldEvents, w: FoldWalker, next: { ifmap: number; filter: number }): void {
  const f = w.fold!;
  const plan = w.plan;
  const fi = w.index;
  ev.push(w.start, FOLD, fi);
  ev.push(w.start, ROWS, f.ur);
  ev.push(w.start, COLS, f.uc);
  ev.push(w.start, PES, f.ur * f.uc);
  for (let k = 0; k < w.segments; k++) {
    const c = w.segCycle[k]!;
    if (k > 0) {
      const s0 = w.busyEnd(k - 1);
      const split = w.readUntil[k]!;
      ev.push(s0, BUSY, 0);
      ev.push(s0, STALL, 1);
      if (split > s0) ev.push(s0, STALL_READ, 1);
      if (c > split) {
        ev.push(split, STALL_READ, 0);
        ev.push(split, STALL_WRITE, 1);
      }
      ev.push(c, STALL, 0);
      ev.push(c, STALL_READ, 0);
      ev.push(c, STALL_WRITE, 0);
    }
    ev.push(c, BUSY, 1);
  }
  ev.push(w.end, BUSY, 0);
  const ic = plan.ifmapChunks;
  while (next.ifmap < ic.length && ic[next.ifmap]!.fold === fi) {
    ev.push(w.cycleOf(ic[next.ifmap]!.row), IFMAP_CHUNK, next.ifmap);
    next.ifmap++;
  }
  const fc = plan.filterChunks;
  while (next.filter < fc.length && fc[next.filter]!.fold === fi) {
    ev.push(w.cycleOf(fc[next.filter]!.row), FILTER_CHUNK, next.filter);
    next.filter++;
  }
  for (const stream of SRAM_STREAMS) {
    const sig = SRAM_SIGNAL[stream];
    w.sramChanges(portBlock(plan, f, stream), (cycle, accesses) => {
      ev.push(cycle, sig, accesses);
    });
  }
}

/** An array layer: merge the fold events with the DRAM reads and drains, up to the layer's end. */
async function gemmLayer(
  out: VcdOut,
  file: TraceFile,
  base: number,
  layer: RunTraceLayer,
  act: GemmActivity,
  spec: SystolicSpec,
): Promise<void> {
  const { plan, timeline: tl, timing } = act;
  const end = layer.cycles;
  const walker = new FoldWalker(plan, spec, tl);
  const ev = new FoldEvents();
  const next = { ifmap: 0, filter: 0 };
  let folds = true;
  let tail = true;
  /** Load the next fold's events (then the drain tail); false when nothing is left. */
  const refill = (): boolean => {
    ev.clear();
    if (folds && walker.next()) {
      foldEvents(ev, walker, next);
      ev.sort();
      return true;
    }
    folds = false;
    if (!tail) return false;
    tail = false;
    // bitcycle conventions: after the last row the layer waits for the last ofmap drain
    if (timing.lastRowEnd < end) ev.push(timing.lastRowEnd, DRAIN, 1);
    ev.sort();
    return true;
  };
  let more = true;
  const reads = tl.readStart.length;
  let ri = 0;
  let readOn = false;
  const drains = tl.drainStart.length;
  let di = 0;
  let drainOn = false;
  let half = 0;
  for (;;) {
    while (more && ev.pos >= ev.size) more = refill();
    const tf = ev.pos < ev.size ? ev.time : Infinity;
    const tr = ri < reads ? (readOn ? tl.readEnd[ri]! : tl.readStart[ri]!) : Infinity;
    const td = di < drains ? (drainOn ? tl.drainEnd[di]! : tl.drainStart[di]!) : Infinity;
    const t = Math.min(tf, tr, td);
    if (!(t < end)) break;
    const g = base + t;
    while (ev.pos < ev.size && ev.time === t) {
      out.set(g, ev.sig, ev.value);
      ev.advance();
    }
    while (ri < reads && (readOn ? tl.readEnd[ri]! : tl.readStart[ri]!) === t) {
      if (!readOn) {
        out.set(g, DRAM_READ, 1);
        out.set(g, tl.readStream[ri] === 0 ? DRAM_READ_IFMAP : DRAM_READ_FILTER, 1);
        readOn = true;
      } else {
        out.set(g, DRAM_READ, 0);
        out.set(g, DRAM_READ_IFMAP, 0);
        out.set(g, DRAM_READ_FILTER, 0);
        readOn = false;
        ri++;
      }
    }
    while (di < drains && (drainOn ? tl.drainEnd[di]! : tl.drainStart[di]!) === t) {
      if (!drainOn) {
        out.set(g, DRAM_WRITE, 1);
        // a drain started by a row swaps the ofmap halves; the last one (after the last row) does not
        if (t < timing.lastRowEnd) {
          half ^= 1;
          out.set(g, OFMAP_HALF, half);
        }
        drainOn = true;
      } else {
        out.set(g, DRAM_WRITE, 0);
        drainOn = false;
        di++;
      }
    }
    if (file.full) await file.flush();
  }
}

/** Write `<dir>/trace.vcd` for the whole run. */
export async function writeRunVcd(
  dir: string,
  input: RunTraceInput,
  opts: RunTraceOptions = {},
): Promise<RunTraceStats> {
  await mkdir(dir, { recursive: true });
  const { spec, layers } = input;
  const defs = vcdSignals(spec);
  const { starts, total } = layerStarts(layers);
  const longest = layers.reduce(
    (m, l) => Math.max(m, commentText(l.name).length + commentText(l.op).length),
    commentText(input.workload).length + commentText(input.preset).length,
  );
  const reserve = Math.max(4096, longest + 256);
  const path = join(dir, RUN_TRACE_FILES.vcd);
  const file = await TraceFile.create(path, opts.bufferBytes ?? DEFAULT_RUN_BUFFER_BYTES, reserve);
  try {
    const out = new VcdOut(file, defs);
    const line = async (s: string): Promise<void> => {
      file.ascii(s);
      file.ascii('\n');
      file.countLine();
      if (file.full) await file.flush();
    };
    await writeHeader(line, input, defs, starts, total);
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      const base = starts[i]!;
      out.set(base, INDEX, i);
      const act = gemmActivity(layer, spec);
      if (act !== undefined) await gemmLayer(out, file, base, layer, act, spec);
      else if (layer.job.kind === 'vector' && layer.cycles > 0) out.set(base, VECTOR_BUSY, 1);
      for (let s = 1; s < defs.length; s++) out.set(base + layer.cycles, s, 0);
      if (file.full) await file.flush();
    }
    out.finish(total);
    await file.close();
    return {
      file: path,
      bytes: file.bytes,
      lines: file.lines,
      records: out.stamps, layers: layers.length, cycles: total };
  } catch (e) {
    await file.abort();
    throw e;
  }
}

async function writeHeader(
  line: (s: string) => Promise<void>,
  input: RunTraceInput,
  defs: readonly SignalDef[],
  starts: readonly number[],
  total: number,
): Promise<void> {
  const { spec } = input;
  const ts = vcdTimescale(spec.clockHz);
  await line('$date');
  await line('  (none: bitcycle traces are reproducible byte for byte)');
  await line('$end');
  await line('$version');
  await line(`  bitcycle ${packageVersion().replace(/[^\x21-\x23\x25-\x7e]/g, '_')}`);
  await line('$end');
  await line('$comment');
  await line(`  workload ${commentText(input.workload)} on ${commentText(input.preset)}`);
  await line(
    `  ${spec.rows}x${spec.cols} ${spec.dataflow} array, ${spec.conventions} conventions, clock ${spec.clockHz} Hz`,
  );
  await line(
    `  one time unit = one clock cycle${ts.exact ? '' : ` (the timescale is nominal: a cycle is ${1e9 / spec.clockHz} ns)`}`,
  );
  await line(`  ${input.layers.length} layers, ${total} cycles; layer.index = i below:`);
  for (let i = 0; i < input.layers.length; i++) {
    const l = input.layers[i]!;
    await line(
      `  layer ${i} ${commentText(l.name)} op ${commentText(l.op)} start ${starts[i]!} cycles ${l.cycles} stall ${l.stallCycles}`,
    );
  }
  await line('$end');
  await line(`$timescale ${ts.timescale} $end`);
  await line('$scope module bitcycle $end');
  let open: string[] = [];
  for (let i = 0; i < defs.length; i++) {
    const d = defs[i]!;
    const path = d.scope.split('.');
    let common = 0;
    while (common < open.length && common < path.length && open[common] === path[common]) common++;
    for (let j = open.length; j > common; j--) await line('$upscope $end');
    for (let j = common; j < path.length; j++) await line(`$scope module ${path[j]!} $end`);
    open = path;
    const range = d.width > 1 ? ` [${d.width - 1}:0]` : '';
    await line(`$var wire ${d.width} ${vcdId(i)} ${d.name}${range} $end`);
  }
  for (let j = open.length; j > 0; j--) await line('$upscope $end');
  await line('$upscope $end');
  await line('$enddefinitions $end');
}
