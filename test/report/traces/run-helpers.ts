/**
 * Readers for the whole-run traces, written for the tests from the formats' definitions (not from
 * src/report/traces): a small VCD parser that checks well-formedness (IEEE 1364 §18: header sections,
 * scopes, $var declarations, #time lines, scalar and vector value changes), a Chrome trace-event
 * JSON reader that validates every event, and the per-cycle expectations of a layer taken straight
 * from E's timeline and plan.ts's dataflow definitions.
 */
import type { RunTraceInput, RunTraceLayer } from '../../../src/report/traces/index.js';
import { rowCycle } from '../../../src/targets/systolic/event.js';
import type { SystolicSpec } from '../../../src/targets/systolic/spec.js';
import { naiveAccesses, type Layer, type Stream } from './helpers.js';

export interface VcdVar {
  readonly id: string;
  /** Full dotted path, e.g. `bitcycle.sram.ifmap.reads`. */
  readonly path: string;
  readonly width: number;
}

export interface Vcd {
  readonly date: string;
  readonly version: string;
  readonly comment: string;
  readonly timescale: string;
  readonly vars: ReadonlyMap<string, VcdVar>;
  /** Value changes per variable path, in time order (the initial dump at the first time included). */
  readonly changes: ReadonlyMap<string, readonly { readonly t: number; readonly v: number }[]>;
  /** Every #time, in file order. */
  readonly times: readonly number[];
}

/** Parse and check a VCD file; throws on anything malformed. */
export function parseVcd(text: string): Vcd {
  const fail = (msg: string): never => {
    throw new Error(`VCD: ${msg}`);
  };
  const defsEnd = text.indexOf('$enddefinitions');
  if (defsEnd < 0) fail('no $enddefinitions');
  const headerTokens = text.slice(0, defsEnd).split(/\s+/).filter((s) => s !== '');
  const afterDefs = text.slice(defsEnd).split('\n');
  if (afterDefs[0]!.trim() !== '$enddefinitions $end') fail(`bad $enddefinitions line: ${afterDefs[0]!}`);
  const sections = new Map<string, string>();
  const vars = new Map<string, VcdVar>();
  const byId = new Map<string, VcdVar>();
  const scopes: string[] = [];
  let i = 0;
  const until = (): string[] => {
    const out: string[] = [];
    for (;;) {
      const t = headerTokens[i++];
      if (t === undefined) return fail('section without $end');
      if (t === '$end') return out;
      if (t.startsWith('$')) fail(`keyword ${t} inside a section`);
      out.push(t);
    }
  };
  while (i < headerTokens.length) {
    const kw = headerTokens[i++]!;
    switch (kw) {
      case '$date':
      case '$version':
      case '$comment':
      case '$timescale': {
        const body = until().join(' ');
        sections.set(kw, (sections.has(kw) ? `${sections.get(kw)!}\n` : '') + body);
        break;
      }
      case '$scope': {
        const [type, name, ...rest] = until();
        if (type !== 'module' || name === undefined || rest.length > 0) fail(`bad $scope ${type ?? ''} ${name ?? ''}`);
        scopes.push(name!);
        break;
      }
      case '$upscope':
        if (until().length !== 0 || scopes.pop() === undefined) fail('unbalanced $upscope');
        break;
      case '$var': {
        const [type, w, id, name, range, ...rest] = until();
        const width = Number(w);
        if (type !== 'wire' || !Number.isInteger(width) || width < 1 || id === undefined || name === undefined) {
          fail(`bad $var ${type ?? ''} ${w ?? ''} ${id ?? ''}`);
        }
        if (rest.length > 0) fail(`extra tokens in $var ${name!}`);
        if (width > 1 ? range !== `[${width - 1}:0]` : range !== undefined) fail(`bad range of ${name!}`);
        if (scopes.length === 0) fail(`$var ${name!} outside any scope`);
        if (byId.has(id!)) fail(`identifier ${id!} declared twice`);
        if (!/^[!-~]+$/.test(id!)) fail(`identifier ${id!} not printable ASCII`);
        const v = { id: id!, path: [...scopes, name!].join('.'), width };
        if (vars.has(v.path)) fail(`variable ${v.path} declared twice`);
        vars.set(v.path, v);
        byId.set(v.id, v);
        break;
      }
      default:
        fail(`unexpected header token ${kw}`);
    }
  }
  if (scopes.length !== 0) fail('scopes left open');
  for (const s of ['$date', '$version', '$timescale']) if (!sections.has(s)) fail(`no ${s}`);
  const timescale = sections.get('$timescale')!;
  if (!/^(1|10|100) ?(s|ms|us|ns|ps|fs)$/.test(timescale)) fail(`bad timescale ${timescale}`);

  const changes = new Map<string, { t: number; v: number }[]>([...vars.keys()].map((p) => [p, []]));
  const times: number[] = [];
  let time = -1;
  let inDump = false;
  let dumped = false;
  const dumpedIds = new Set<string>();
  for (let li = 1; li < afterDefs.length; li++) {
    const line = afterDefs[li]!;
    if (line === '') {
      if (li !== afterDefs.length - 1) fail(`empty line ${li}`);
      continue;
    }
    if (line.startsWith('#')) {
      const t = Number(line.slice(1));
      if (!/^#\d+$/.test(line) || t <= time) fail(`time ${line} after #${time}`);
      if (inDump) fail('#time inside $dumpvars');
      time = t;
      times.push(t);
      continue;
    }
    if (line === '$dumpvars') {
      if (dumped || times.length !== 1) fail('$dumpvars not right after the first #time');
      inDump = true;
      continue;
    }
    if (line === '$end') {
      if (!inDump) fail('$end outside $dumpvars');
      inDump = false;
      dumped = true;
      continue;
    }
    if (time < 0) fail(`value before the first #time: ${line}`);
    let id: string;
    let v: number;
    if (line.startsWith('b')) {
      const m = /^b([01]+) (\S+)$/.exec(line);
      if (m === null) return fail(`bad vector change ${line}`);
      id = m[2]!;
      v = parseInt(m[1]!, 2);
      const decl = byId.get(id);
      if (decl === undefined) fail(`undeclared identifier ${id}`);
      if (decl!.width === 1 || m[1]!.length > decl!.width) fail(`${line}: wider than ${decl!.path}`);
    } else {
      const m = /^([01])(\S+)$/.exec(line);
      if (m === null) return fail(`bad scalar change ${line}`);
      id = m[2]!;
      v = Number(m[1]);
      const decl = byId.get(id);
      if (decl === undefined) fail(`undeclared identifier ${id}`);
      if (decl!.width !== 1) fail(`${line}: scalar change of vector ${decl!.path}`);
    }
    if (inDump) dumpedIds.add(id);
    const list = changes.get(byId.get(id)!.path)!;
    if (list.length > 0 && list[list.length - 1]!.t === time) fail(`${id} changes twice at #${time}`);
    list.push({ t: time, v });
  }
  if (inDump || !dumped) fail('no complete $dumpvars');
  if (times[0] !== 0) fail('first time is not #0');
  for (const id of byId.keys()) if (!dumpedIds.has(id)) fail(`${id} has no initial value`);
  return {
    date: sections.get('$date')!,
    version: sections.get('$version')!,
    comment: sections.get('$comment') ?? '',
    timescale,
    vars,
    changes,
    times,
  };
}

/** A variable's value in each cycle of [0, length). */
export function waveform(vcd: Vcd, path: string, length: number): Float64Array {
  const list = vcd.changes.get(path);
  if (list === undefined) throw new Error(`no variable ${path}`);
  const out = new Float64Array(length);
  list.forEach((c, i) => {
    const end = Math.min(length, list[i + 1]?.t ?? length);
    out.fill(c.v, Math.min(c.t, length), end);
  });
  return out;
}

/** Change times of a variable after the initial dump, with values. */
export function changesOf(vcd: Vcd, path: string): [number, number][] {
  return (vcd.changes.get(path) ?? []).slice(1).map((c) => [c.t, c.v]);
}

export interface Span {
  readonly tid: number;
  readonly name: string;
  /** Cycles (ts and dur converted back at the clock). */
  readonly start: number;
  readonly end: number;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface Counter {
  readonly name: string;
  readonly at: number;
  readonly value: number;
}

export interface Perfetto {
  readonly spans: readonly Span[];
  readonly counters: readonly Counter[];
  readonly threads: ReadonlyMap<number, string>;
  readonly process: string;
}

/** Parse a Chrome trace-event JSON file and check every event; ts/dur back to cycles. */
export function parsePerfetto(text: string, clockHz: number): Perfetto {
  const fail = (msg: string): never => {
    throw new Error(`trace events: ${msg}`);
  };
  const doc = JSON.parse(text) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('not an object');
  const top = doc as Record<string, unknown>;
  if (top.displayTimeUnit !== 'ns') fail('displayTimeUnit is not ns');
  if (!Array.isArray(top.traceEvents)) return fail('no traceEvents array');
  const other = top.otherData;
  if (other !== undefined) {
    if (typeof other !== 'object' || other === null) fail('otherData is not an object');
    for (const [k, v] of Object.entries(other as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`otherData.${k} is not a string`);
    }
  }
  const cycles = (us: unknown, what: string): number => {
    if (typeof us !== 'number' || !Number.isFinite(us) || us < 0) return fail(`${what} ${String(us)}`);
    const c = (us * clockHz) / 1e6;
    const r = Math.round(c);
    if (Math.abs(c - r) > 1e-6 * Math.max(1, r)) fail(`${what} ${us} µs is not a whole number of cycles`);
    return r;
  };
  const spans: Span[] = [];
  const counters: Counter[] = [];
  const threads = new Map<number, string>();
  let process = '';
  for (const raw of top.traceEvents as unknown[]) {
    if (typeof raw !== 'object' || raw === null) return fail('event is not an object');
    const e = raw as Record<string, unknown>;
    if (typeof e.pid !== 'number') fail(`event without pid: ${JSON.stringify(e)}`);
    if (typeof e.name !== 'string') fail(`event without name: ${JSON.stringify(e)}`);
    const args = (e.args ?? {}) as Record<string, unknown>;
    if (typeof args !== 'object') fail('args is not an object');
    switch (e.ph) {
      case 'M':
        if (e.name === 'process_name') process = String(args.name);
        else if (e.name === 'thread_name') {
          if (typeof e.tid !== 'number' || typeof args.name !== 'string') fail('bad thread_name');
          threads.set(e.tid as number, args.name as string);
        } else if (e.name !== 'thread_sort_index') fail(`unknown metadata ${e.name as string}`);
        break;
      case 'X': {
        if (typeof e.tid !== 'number') fail('X event without tid');
        const start = cycles(e.ts, 'ts');
        const dur = cycles(e.dur, 'dur');
        spans.push({ tid: e.tid as number, name: e.name as string, start, end: start + dur, args });
        break;
      }
      case 'C': {
        const vals = Object.values(args);
        if (vals.length !== 1 || typeof vals[0] !== 'number' || !Number.isFinite(vals[0])) fail('bad counter args');
        counters.push({ name: e.name as string, at: cycles(e.ts, 'ts'), value: vals[0] as number });
        break;
      }
      default:
        fail(`unexpected phase ${String(e.ph)}`);
    }
  }
  for (const s of spans) if (!threads.has(s.tid)) fail(`span on unnamed track ${s.tid}`);
  return { spans, counters, threads, process };
}

/** Spans of one track by its name. */
export function track(p: Perfetto, name: string): Span[] {
  const tid = [...p.threads].find(([, n]) => n === name)?.[0];
  if (tid === undefined) throw new Error(`no track ${name}`);
  return p.spans.filter((s) => s.tid === tid);
}

/** A run of array layers (and vector layers given as a cycle count) for the run-trace writers. */
export function runOf(spec: SystolicSpec, parts: readonly (Layer | number)[]): RunTraceInput {
  const layers: RunTraceLayer[] = parts.map((p, i) =>
    typeof p === 'number'
      ? {
          name: `v${i}`,
          op: 'add',
          cycles: p,
          stallCycles: 0,
          job: { kind: 'vector', name: `v${i}`, op: 'add', inputElements: p * spec.vectorLanes, fused: false },
        }
      : {
          name: `g${i}`,
          op: 'dense',
          cycles: p.timing.cycles,
          stallCycles: p.timing.stallCycles,
          job: { kind: 'gemm', name: `g${i}`, op: 'dense', view: p.view, bytes: p.bytes },
        },
  );
  return { workload: 'test', preset: spec.name, spec, layers };
}

/** What each cycle of a layer [0, cycles) holds, from E's timeline and the dataflow definitions. */
export interface Expected {
  readonly busy: Uint8Array;
  /** Fold of each busy cycle (−1 elsewhere). */
  readonly fold: Int32Array;
  readonly read: Uint8Array;
  readonly write: Uint8Array;
  readonly sram: Readonly<Record<Stream, Float64Array>>;
}

export function expectedLayer(layer: Layer): Expected {
  const { plan, timeline: tl, timing, view, spec } = layer;
  const n = timing.cycles;
  const busy = new Uint8Array(n);
  const fold = new Int32Array(n).fill(-1);
  plan.folds.forEach((f, fi) => {
    for (let t = 0; t < f.length; t++) {
      const c = rowCycle(tl, fi, t);
      if (c >= n) continue;
      if (busy[c] === 1) throw new Error(`two rows in cycle ${c}`);
      busy[c] = 1;
      fold[c] = fi;
    }
  });
  const span = (starts: number[], ends: number[]): Uint8Array => {
    const a = new Uint8Array(n);
    starts.forEach((s, i) => a.fill(1, Math.min(s, n), Math.min(ends[i]!, n)));
    return a;
  };
  const sram = {} as Record<Stream, Float64Array>;
  for (const stream of ['ifmap', 'filter', 'ofmap'] as const) {
    const a = new Float64Array(n);
    for (const acc of naiveAccesses(view, plan, spec, stream)) {
      const c = rowCycle(tl, acc.fold, acc.row);
      if (c < n) a[c]!++;
    }
    sram[stream] = a;
  }
  return {
    busy,
    fold,
    read: span(tl.readStart, tl.readEnd),
    write: span(tl.drainStart, tl.drainEnd),
    sram,
  };
}

/** Sum of span lengths. */
export const total = (spans: readonly Span[]): number => spans.reduce((s, x) => s + x.end - x.start, 0);
