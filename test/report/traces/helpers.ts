import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filterAddress, ifmapAddress, ofmapAddress, type GemmView } from '../../../src/mapping/gemm.js';
import { newTimeline, rowCycle, runEventTiming, type Timeline, type Timing } from '../../../src/targets/systolic/event.js';
import { buildPlan, type LayerPlan, type OperandBytes } from '../../../src/targets/systolic/plan.js';
import type { SystolicSpec } from '../../../src/targets/systolic/spec.js';
import type { TraceLayer } from '../../../src/report/traces/index.js';

export const ONE_BYTE: OperandBytes = { ifmap: 1, filter: 1, ofmap: 1, psum: 1 };

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bitcycle-traces-'));
  return { dir, remove: () => { rmSync(dir, { recursive: true, force: true }); } };
}

export interface Layer extends TraceLayer {
  readonly timing: Timing;
}

export function layerOf(view: GemmView, spec: SystolicSpec, bytes: OperandBytes = ONE_BYTE): Layer {
  const plan = buildPlan(view, spec, bytes);
  const timeline = newTimeline();
  const timing = runEventTiming(plan, spec, timeline);
  return { view, plan, spec, timeline, bytes, timing };
}

/** Lines of a trace file as numbers (SCALE-Sim's DRAM traces print floats: `-66.0`). */
export function readTrace(path: string): number[][] {
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`${path}: last line not terminated`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => l.split(',').map((v) => Number(v)));
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** One access of an SRAM stream, by fold, fold row and port (address with offset). */
export interface Access {
  readonly fold: number;
  readonly row: number;
  readonly port: number;
  readonly addr: number;
}

export type Stream = 'ifmap' | 'filter' | 'ofmap';

/**
 * Straight from the dataflow definitions in plan.ts's header (not from src/report/traces): every
 * port of every fold row, with gemm.ts's address functions. Padded im2col positions give −1.
 */
export function naiveAccesses(view: GemmView, plan: LayerPlan, spec: SystolicSpec, stream: Stream): Access[] {
  const out: Access[] = [];
  const segs = new Map(view.segments.map((s) => [s.index, s]));
  const R = plan.rows;
  const C = plan.cols;
  const off = stream === 'ifmap' ? spec.ifmapOffset : stream === 'filter' ? spec.filterOffset : spec.ofmapOffset;
  plan.folds.forEach((f, fi) => {
    const seg = segs.get(f.segment)!;
    const A = (m: number, k: number): number => ifmapAddress(view, seg, m, k);
    const B = (k: number, n: number): number => filterAddress(view, seg, k, n);
    const O = (m: number, n: number): number => ofmapAddress(view, seg, m, n);
    const push = (row: number, port: number, a: number): void => {
      out.push({ fold: fi, row, port, addr: a < 0 ? -1 : off + a });
    };
    const T = f.t;
    for (let t = 0; t < f.length; t++) {
      switch (plan.dataflow) {
        case 'os': {
          const m0 = f.fr * R;
          const n0 = f.fc * C;
          if (stream === 'ifmap') for (let i = 0; i < f.ur; i++) if (t - i >= 0 && t - i < T) push(t, i, A(m0 + i, t - i));
          if (stream === 'filter') for (let j = 0; j < f.uc; j++) if (t - j >= 0 && t - j < T) push(t, j, B(t - j, n0 + j));
          if (stream === 'ofmap')
            for (let j = 0; j < f.uc; j++) {
              const i = t - (T - 1) - j;
              if (i >= 0 && i < f.ur) push(t, j, O(m0 + i, n0 + j));
            }
          break;
        }
        case 'ws': {
          const k0 = f.fr * R;
          const n0 = f.fc * C;
          if (stream === 'filter' && t < f.ur) for (let j = 0; j < f.uc; j++) push(t, j, B(k0 + f.ur - 1 - t, n0 + j));
          if (stream === 'ifmap')
            for (let i = 0; i < f.ur; i++) {
              const m = t - R - i;
              if (m >= 0 && m < T) push(t, i, A(m, k0 + i));
            }
          if (stream === 'ofmap')
            for (let j = 0; j < f.uc; j++) {
              const m = t - (2 * R - 1) - j;
              if (m >= 0 && m < T) push(t, j, O(m, n0 + j));
            }
          break;
        }
        case 'is': {
          const k0 = f.fr * R;
          const m0 = f.fc * C;
          if (stream === 'ifmap' && t < f.ur) for (let j = 0; j < f.uc; j++) push(t, j, A(m0 + j, k0 + f.ur - 1 - t));
          if (stream === 'filter')
            for (let i = 0; i < f.ur; i++) {
              const n = t - R - i;
              if (n >= 0 && n < T) push(t, i, B(k0 + i, n));
            }
          if (stream === 'ofmap')
            for (let j = 0; j < f.uc; j++) {
              const n = t - (2 * R - 1) - j;
              if (n >= 0 && n < T) push(t, j, O(m0 + j, n));
            }
          break;
        }
      }
    }
  });
  return out;
}

export function ports(plan: LayerPlan, stream: Stream): number {
  if (stream === 'ofmap') return plan.cols;
  if (plan.dataflow === 'is') return stream === 'ifmap' ? plan.cols : plan.rows;
  return stream === 'ifmap' ? plan.rows : plan.cols;
}

/** The expected trace text: one line per fold row with a valid access, stamped from the timeline. */
export function naiveSramText(layer: Layer, stream: Stream): string {
  const { view, plan, spec, timeline } = layer;
  const shift = spec.conventions === 'scalesim' && stream !== 'ofmap' ? 1 : 0;
  const rows = new Map<string, { fold: number; row: number; addr: number[] }>();
  const order: string[] = [];
  for (const a of naiveAccesses(view, plan, spec, stream)) {
    if (a.addr < 0) continue;
    const key = `${a.fold}:${a.row}`;
    let r = rows.get(key);
    if (r === undefined) {
      r = { fold: a.fold, row: a.row, addr: new Array<number>(ports(plan, stream)).fill(-1) };
      rows.set(key, r);
      order.push(key);
    }
    r.addr[a.port] = a.addr;
  }
  let text = '';
  for (const key of order) {
    const r = rows.get(key)!;
    text += `${rowCycle(timeline, r.fold, r.row) + shift},${r.addr.join(',')}\n`;
  }
  return text;
}

/** Global demand row of (fold, row) when every fold of the layer has the same length (one segment shape). */
export function globalRow(plan: LayerPlan, fold: number, row: number): number {
  return fold * plan.folds[0]!.length + row;
}

/** Map from stamp to (fold, row) of every fold row, from the timeline. */
export function stampToRow(layer: Layer, shift: number): Map<number, { fold: number; row: number }> {
  const map = new Map<number, { fold: number; row: number }>();
  layer.plan.folds.forEach((f, fi) => {
    for (let t = 0; t < f.length; t++) map.set(rowCycle(layer.timeline, fi, t) + shift, { fold: fi, row: t });
  });
  return map;
}

export type { Timeline };
