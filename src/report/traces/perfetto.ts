/**
 * One Chrome trace-event JSON file (`{"traceEvents":[…]}`) of a whole systolic run, for
 * ui.perfetto.dev and chrome://tracing: complete events ("X") on one track per component — layers,
 * array folds, array compute, array stalls, each SRAM, DRAM read, DRAM write, vector unit — and
 * counters ("C") of the DRAM transfer rates. Times are simulated time in microseconds
 * (ts = cycle / clock in MHz); layers are laid end to end (./run.ts). Streamed through a TraceFile
 * (two fixed buffers), one event per line; nothing depends on the wall clock.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesOf } from '../../targets/systolic/plan.js';
import type { SystolicSpec } from '../../targets/systolic/spec.js';
import { accessesBefore, activeRows, FoldWalker, portBlock, SRAM_STREAMS } from './activity.js';
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

/** Track (thread) ids and names, in display order. */
export const PERFETTO_TRACKS = [
  [1, 'layers'],
  [2, 'array: folds'],
  [3, 'array: compute'],
  [4, 'array: stalls'],
  [5, 'sram: ifmap reads'],
  [6, 'sram: filter reads'],
  [7, 'sram: ofmap writes'],
  [8, 'dram: read'],
  [9, 'dram: write'],
  [10, 'vector unit'],
] as const;

const LAYERS = 1;
const FOLDS = 2;
const COMPUTE = 3;
const STALLS = 4;
const SRAM_TRACK = { ifmap: 5, filter: 6, ofmap: 7 } as const;
const SRAM_ARG = { ifmap: 'reads', filter: 'reads', ofmap: 'writes' } as const;
const DRAM_READ = 8;
const DRAM_WRITE = 9;
const VECTOR = 10;
const PID = 1;

class JsonOut {
  events = 0;

  constructor(
    private readonly file: TraceFile,
    private readonly clockHz: number,
  ) {}

  /** Simulated microseconds of a cycle count. */
  us(cycles: number): string {
    return String((cycles * 1e6) / this.clockHz);
  }

  /** Append one event (callers then flush when `full`). */
  event(json: string): void {
    this.file.ascii(this.events === 0 ? '\n' : ',\n');
    this.file.ascii(json);
    this.file.countLine();
    this.events++;
  }

  get full(): boolean {
    return this.file.full;
  }

  async flush(): Promise<void> {
    await this.file.flush();
  }

  /** A complete event [start, end) (global cycles) on a track; `args` is a JSON object or ''. */
  span(tid: number, name: string, start: number, end: number, args = ''): void {
    this.event(
      `{"ph":"X","pid":${PID},"tid":${tid},"name":${name},"ts":${this.us(start)},"dur":${this.us(end - start)}${
        args === '' ? '' : `,"args":${args}`
      }}`,
    );
  }

  counter(name: string, at: number, value: number): void {
    this.event(`{"ph":"C","pid":${PID},"name":${name},"ts":${this.us(at)},"args":{"bytes/cycle":${value}}}`);
  }
}

const q = (s: string): string => `"${s}"`;

/** An array layer's spans (global cycles = base + layer-relative), clipped at the layer's end. */
async function gemmLayer(
  out: JsonOut,
  base: number,
  layer: RunTraceLayer,
  act: GemmActivity,
  spec: SystolicSpec,
): Promise<void> {
  const { plan, timeline: tl, timing } = act;
  const end = layer.cycles;
  const w = new FoldWalker(plan, spec, tl);
  while (w.next()) {
    const f = w.fold!;
    const fi = w.index;
    if (w.start >= end) break;
    out.span(
      FOLDS,
      q(`fold ${fi}`),
      base + w.start,
      base + Math.min(w.end, end),
      `{"fold":${fi},"rows":${f.ur},"cols":${f.uc}}`,
    );
    if (out.full) await out.flush();
    for (let k = 0; k < w.segments; k++) {
      if (k > 0) {
        const s0 = w.busyEnd(k - 1);
        const split = Math.min(w.readUntil[k]!, end);
        const c = Math.min(w.segCycle[k]!, end);
        if (split > s0) {
          out.span(STALLS, q('read stall'), base + s0, base + split, `{"fold":${fi}}`);
          if (out.full) await out.flush();
        }
        if (c > split) {
          out.span(STALLS, q('write stall'), base + split, base + c, `{"fold":${fi}}`);
          if (out.full) await out.flush();
        }
      }
      const s = w.segCycle[k]!;
      const e = Math.min(w.busyEnd(k), end);
      if (e > s) {
        out.span(COMPUTE, q('compute'), base + s, base + e, `{"fold":${fi}}`);
        if (out.full) await out.flush();
      }
    }
    for (const stream of SRAM_STREAMS) {
      const b = portBlock(plan, f, stream);
      const { first, last } = activeRows(b);
      const s = w.cycleOf(first);
      if (s >= end) continue;
      const e = w.cycleOf(last) + 1;
      const n = e <= end ? b.weight * b.ports * b.length : accessesBefore(b, w.rowsBefore(end));
      out.span(
        SRAM_TRACK[stream],
        q(`fold ${fi}`),
        base + s,
        base + Math.min(e, end),
        `{"${SRAM_ARG[stream]}":${n}}`,
      );
      if (out.full) await out.flush();
    }
  }
  if (timing.lastRowEnd < end) {
    out.span(STALLS, q('ofmap drain'), base + timing.lastRowEnd, base + end);
    if (out.full) await out.flush();
  }

  // DRAM reads, one span per chunk transfer, and the read rate
  const rname = q('dram read');
  for (let i = 0; i < tl.readStart.length; i++) {
    const s = tl.readStart[i]!;
    if (s >= end) break;
    const e = Math.min(tl.readEnd[i]!, end);
    const ifmap = tl.readStream[i] === 0;
    const j = tl.readChunk[i]!;
    const bytes = (ifmap ? plan.ifmapChunks : plan.filterChunks)[j]!.bytes;
    out.span(
      DRAM_READ,
      q(`${ifmap ? 'ifmap' : 'filter'} chunk ${j}`),
      base + s,
      base + e,
      `{"chunk":${j},"bytes":${bytes}}`,
    );
    if (out.full) await out.flush();
    if (tl.readEnd[i]! > s) {
      out.counter(rname, base + s, bytes / (tl.readEnd[i]! - s));
      if (out.full) await out.flush();
      if (tl.readStart[i + 1] !== tl.readEnd[i]) {
        out.counter(rname, base + e, 0);
        if (out.full) await out.flush();
      }
    }
  }
  // ofmap drains (DRAM writes) and the write rate
  const wname = q('dram write');
  for (let d = 0; d < tl.drainStart.length; d++) {
    const s = tl.drainStart[d]!;
    if (s >= end) break;
    const e = Math.min(tl.drainEnd[d]!, end);
    const words = tl.drainWords[d]!;
    const bytes = bytesOf(words, plan.ofmapWordBytes);
    out.span(DRAM_WRITE, q(`ofmap drain ${d}`), base + s, base + e, `{"words":${words},"bytes":${bytes}}`);
    if (out.full) await out.flush();
    if (tl.drainEnd[d]! > s) {
      out.counter(wname, base + s, bytes / (tl.drainEnd[d]! - s));
      if (out.full) await out.flush();
      if (tl.drainStart[d + 1] !== tl.drainEnd[d]) {
        out.counter(wname, base + e, 0);
        if (out.full) await out.flush();
      }
    }
  }
}

/** Write `<dir>/trace.perfetto.json` for the whole run. */
export async function writeRunPerfetto(
  dir: string,
  input: RunTraceInput,
  opts: RunTraceOptions = {},
): Promise<RunTraceStats> {
  await mkdir(dir, { recursive: true });
  const { spec, layers } = input;
  const { starts, total } = layerStarts(layers);
  const longest = layers.reduce((m, l) => Math.max(m, jsonAscii(l.name).length + jsonAscii(l.op).length), 0);
  const title = jsonAscii(`bitcycle: ${input.workload} on ${input.preset}`);
  const reserve = Math.max(4096, 2 * longest + title.length + 512);
  const path = join(dir, RUN_TRACE_FILES.perfetto);
  const file = await TraceFile.create(path, opts.bufferBytes ?? DEFAULT_RUN_BUFFER_BYTES, reserve);
  try {
    const out = new JsonOut(file, spec.clockHz);
    file.ascii(
      `{"displayTimeUnit":"ns","otherData":{"workload":${jsonAscii(input.workload)},"preset":${jsonAscii(input.preset)},` +
        `"clockHz":"${spec.clockHz}","array":"${spec.rows}x${spec.cols} ${spec.dataflow}","conventions":"${spec.conventions}",` +
        `"totalCycles":"${total}","timeUnit":"ts and dur are simulated microseconds: cycles / clock in MHz"},"traceEvents":[`,
    );
    out.event(`{"ph":"M","pid":${PID},"name":"process_name","args":{"name":${title}}}`);
    if (out.full) await out.flush();
    for (const [tid, name] of PERFETTO_TRACKS) {
      out.event(`{"ph":"M","pid":${PID},"tid":${tid},"name":"thread_name","args":{"name":"${name}"}}`);
      if (out.full) await out.flush();
      out.event(`{"ph":"M","pid":${PID},"tid":${tid},"name":"thread_sort_index","args":{"sort_index":${tid}}}`);
      if (out.full) await out.flush();
    }
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      const base = starts[i]!;
      const unit = layer.job.kind === 'gemm' ? 'array' : layer.job.kind;
      out.span(
        LAYERS,
        jsonAscii(layer.name),
        base,
        base + layer.cycles,
        `{"index":${i},"op":${jsonAscii(layer.op)},"unit":"${unit}","startCycle":${base},"cycles":${layer.cycles},"stallCycles":${layer.stallCycles}}`,
      );
      if (out.full) await out.flush();
      const act = gemmActivity(layer, spec);
      if (act !== undefined) await gemmLayer(out, base, layer, act, spec);
      else if (layer.job.kind === 'vector' && layer.cycles > 0) {
        out.span(VECTOR, jsonAscii(layer.name), base, base + layer.cycles, `{"index":${i}}`);
        if (out.full) await out.flush();
      }
    }
    file.ascii('\n]}\n');
    await file.close();
    return {
      file: path,
      bytes: file.bytes,
      lines: file.lines,
      records: out.events, layers: layers.length, cycles: total };
  } catch (e) {
    await file.abort();
    throw e;
  }
}
