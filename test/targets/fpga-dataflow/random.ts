/**
 * Random pipelines for the R ≡ E property tests: a recipe of small integers (what fast-check
 * generates and shrinks) is turned into a well-formed pipeline — chains of every op kind, residual
 * diamonds (duplicate → branch → add ← shortcut) and concat diamonds, with legal random foldings,
 * width converters wherever word shapes differ, and random FIFO depths (shallow ones deadlock).
 */
import fc from 'fast-check';
import type { ModuleSpec } from '../../../src/targets/fpga-dataflow/modules.js';
import type { EdgeSpec, PipelineSpec } from '../../../src/targets/fpga-dataflow/pipeline.js';
import type { Depth } from './helpers.js';

export interface OpDraw {
  readonly kind: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

export interface Recipe {
  readonly c0: number;
  readonly h0: number;
  readonly w0: number;
  readonly fold0: number;
  readonly ops: readonly OpDraw[];
  readonly depths: readonly number[];
  readonly frames: number;
}

/** Depth choices: mostly shallow (stalls, deadlocks), some deep, some unbounded. */
export const DEPTHS: readonly Depth[] = [1, 2, 2, 3, 4, 6, 8, 16, 40, 'unbounded'];

const MAX_C = 4;
const MAX_HW = 5;

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

function pick<T>(xs: readonly T[], i: number): T {
  return xs[i % xs.length]!;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

interface Stream {
  readonly from: string;
  readonly port: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  /** Elements per word. */
  readonly elems: number;
}

/** Turns a recipe into a pipeline (the mutable state of one build). */
function builder(r: Recipe) {
  const modules: ModuleSpec[] = [];
  const edges: EdgeSpec[] = [];
  let nextId = 0;
  let nextDepth = 0;
  const name = (op: string): string => `${op}${nextId++}`;
  const depth = (): Depth => pick(DEPTHS, r.depths[nextDepth++ % r.depths.length] ?? 0);
  const connect = (s: Stream, to: string, toPort = 0): void => {
    edges.push({ from: s.from, fromPort: s.port, to, toPort, depthWords: depth() });
  };
  /** Append a one-input, one-output module fed by s. */
  const unary = (s: Stream, m: ModuleSpec, out: Omit<Stream, 'from' | 'port'>): Stream => {
    modules.push(m);
    connect(s, m.name);
    return { ...out, from: m.name, port: 0 };
  };
  const refold = (s: Stream, elems: number): Stream =>
    s.elems === elems
      ? s
      : unary(
          s,
          { op: 'dwc', name: name('dwc'), elements: s.c * s.h * s.w, inElems: s.elems, outElems: elems },
          {
            ...s,
            elems,
          },
        );
  return { modules, edges, name, connect, unary, refold };
}

type Builder = ReturnType<typeof builder>;

function threshold(b: Builder, s0: Stream, foldPick: number): Stream {
  const s = b.refold(s0, pick(divisors(s0.c), foldPick));
  return b.unary(
    s,
    { op: 'threshold', name: b.name('thr'), channels: s.c, pixels: s.h * s.w, pe: s.elems },
    s,
  );
}

function mvau1x1(b: Builder, s0: Stream, c2: number, simdPick: number, pePick: number): Stream {
  const s = b.refold(s0, pick(divisors(s0.c), simdPick));
  const pe = pick(divisors(c2), pePick);
  const m: ModuleSpec = {
    op: 'mvau',
    name: b.name('fc'),
    mw: s.c,
    mh: c2,
    vectors: s.h * s.w,
    pe,
    simd: s.elems,
  };
  return b.unary(s, m, { ...s, c: c2, elems: pe });
}

/** SWG (k×k, stride) then MVAU to c2 channels. */
function conv(b: Builder, s: Stream, k: number, stride: number, c2: number, pePick: number): Stream {
  const swg: ModuleSpec = {
    op: 'swg',
    name: b.name('swg'),
    channels: s.c,
    ifm: [s.h, s.w],
    kernel: [k, k],
    stride: [stride, stride],
    simd: s.elems,
  };
  const oh = Math.floor((s.h - k) / stride) + 1;
  const ow = Math.floor((s.w - k) / stride) + 1;
  const win = b.unary(s, swg, { ...s, h: oh, w: ow });
  const pe = pick(divisors(c2), pePick);
  const m: ModuleSpec = {
    op: 'mvau',
    name: b.name('conv'),
    mw: k * k * s.c,
    mh: c2,
    vectors: oh * ow,
    pe,
    simd: s.elems,
  };
  return b.unary(win, m, { c: c2, h: oh, w: ow, elems: pe });
}

function pad(b: Builder, s: Stream, p: readonly [number, number, number, number]): Stream {
  const m: ModuleSpec = {
    op: 'fmpad',
    name: b.name('pad'),
    channels: s.c,
    ifm: [s.h, s.w],
    pad: p,
    simd: s.elems,
  };
  return b.unary(s, m, { ...s, h: s.h + p[0] + p[2], w: s.w + p[1] + p[3] });
}

function depthwise(b: Builder, s: Stream, k: number, stride: number, simdPick: number): Stream {
  const swg: ModuleSpec = {
    op: 'swg',
    name: b.name('swg'),
    channels: s.c,
    ifm: [s.h, s.w],
    kernel: [k, k],
    stride: [stride, stride],
    simd: s.elems,
  };
  const oh = Math.floor((s.h - k) / stride) + 1;
  const ow = Math.floor((s.w - k) / stride) + 1;
  const pe = s.elems;
  const simd = pick(divisors(k * k), simdPick);
  // the SWG sends windows of pe channels a word; the VVAU takes pe × simd elements a word
  const win = b.unary(s, swg, { c: s.c * k * k, h: oh, w: ow, elems: pe });
  const wide = b.refold(win, pe * simd);
  const m: ModuleSpec = {
    op: 'vvau',
    name: b.name('dw'),
    channels: s.c,
    kernel: [k, k],
    pixels: oh * ow,
    pe,
    simd,
  };
  return b.unary(wide, m, { c: s.c, h: oh, w: ow, elems: pe });
}

function pool(b: Builder, s: Stream, k: number): Stream {
  const swg: ModuleSpec = {
    op: 'swg',
    name: b.name('swg'),
    channels: s.c,
    ifm: [s.h, s.w],
    kernel: [k, k],
    stride: [k, k],
    simd: s.elems,
  };
  const oh = Math.floor((s.h - k) / k) + 1;
  const ow = Math.floor((s.w - k) / k) + 1;
  const win = b.unary(s, swg, { ...s, h: oh, w: ow });
  const m: ModuleSpec = {
    op: 'pool',
    name: b.name('pool'),
    channels: s.c,
    kernel: [k, k],
    outPixels: oh * ow,
    pe: s.elems,
  };
  return b.unary(win, m, { ...s, h: oh, w: ow });
}

/** duplicate → two streams (ports 0 and 1). */
function fork(b: Builder, s: Stream): [Stream, Stream] {
  const dup: ModuleSpec = {
    op: 'duplicate',
    name: b.name('dup'),
    channels: s.c,
    pixels: s.h * s.w,
    pe: s.elems,
    outputs: 2,
  };
  b.modules.push(dup);
  b.connect(s, dup.name);
  return [
    { ...s, from: dup.name, port: 0 },
    { ...s, from: dup.name, port: 1 },
  ];
}

function residual(b: Builder, s: Stream, d: OpDraw): Stream {
  const [branch0, shortcut] = fork(b, s);
  let branch: Stream;
  switch (d.b % 3) {
    case 0:
      branch = threshold(b, branch0, d.c);
      break;
    case 1:
      branch = threshold(b, conv(b, pad(b, branch0, [1, 1, 1, 1]), 3, 1, s.c, d.c), d.a);
      break;
    default:
      branch = mvau1x1(b, branch0, s.c, d.a, d.c);
  }
  branch = b.refold(branch, s.elems);
  const add: ModuleSpec = { op: 'add', name: b.name('add'), channels: s.c, pixels: s.h * s.w, pe: s.elems };
  b.modules.push(add);
  b.connect(branch, add.name, 0);
  b.connect(shortcut, add.name, 1);
  return { ...s, from: add.name, port: 0 };
}

function concat(b: Builder, s: Stream, d: OpDraw): Stream {
  const c2 = 1 + (d.a % Math.max(1, MAX_C + 2 - s.c));
  const [p0, p1] = fork(b, s);
  const left = threshold(b, p0, d.b);
  const right = mvau1x1(b, p1, c2, d.c, d.b >> 2);
  const simd = pick(divisors(gcd(s.c, c2)), d.c >> 2);
  const l = b.refold(left, simd);
  const r = b.refold(right, simd);
  const m: ModuleSpec = { op: 'concat', name: b.name('cat'), channels: [s.c, c2], pixels: s.h * s.w, simd };
  b.modules.push(m);
  b.connect(l, m.name, 0);
  b.connect(r, m.name, 1);
  return { from: m.name, port: 0, c: s.c + c2, h: s.h, w: s.w, elems: simd };
}

/** One recipe step; steps that do not fit the current shape fall back to a threshold. */
function step(b: Builder, s: Stream, d: OpDraw): Stream {
  const kMax = Math.min(s.h, s.w, 3);
  switch (d.kind % 11) {
    case 0:
      return threshold(b, s, d.a);
    case 1: {
      const t = b.refold(s, pick(divisors(s.c), d.a));
      return b.unary(
        t,
        { op: 'channelwise', name: b.name('rq'), channels: t.c, pixels: t.h * t.w, pe: t.elems },
        t,
      );
    }
    case 2:
      return b.refold(s, pick(divisors(s.c), d.a));
    case 3:
      return mvau1x1(b, s, 1 + (d.a % MAX_C), d.b, d.c);
    case 4:
      return conv(b, s, 1 + (d.a % kMax), 1 + (d.b % 2), 1 + (d.c % MAX_C), d.a >> 2);
    case 5: {
      const p: [number, number, number, number] = [d.a & 1, (d.a >> 1) & 1, d.b & 1, (d.b >> 1) & 1];
      return s.h + p[0] + p[2] <= MAX_HW + 1 && s.w + p[1] + p[3] <= MAX_HW + 1
        ? pad(b, s, p)
        : threshold(b, s, d.a);
    }
    case 6:
      return depthwise(b, s, 1 + (d.a % kMax), 1 + (d.b % 2), d.c);
    case 7:
      return pool(b, s, 1 + (d.a % Math.min(kMax, 2)));
    case 8: {
      const t = b.refold(s, pick(divisors(s.c), d.a));
      const m: ModuleSpec = {
        op: 'globalaccpool',
        name: b.name('gap'),
        channels: t.c,
        pixels: t.h * t.w,
        pe: t.elems,
      };
      return b.unary(t, m, { ...t, h: 1, w: 1 });
    }
    case 9:
      return residual(b, s, d);
    default:
      return s.c < MAX_C + 2 ? concat(b, s, d) : threshold(b, s, d.a);
  }
}

export function buildPipeline(r: Recipe): PipelineSpec {
  const b = builder(r);
  const input: ModuleSpec = {
    op: 'input',
    name: 'in',
    channels: r.c0,
    pixels: r.h0 * r.w0,
    simd: pick(divisors(r.c0), r.fold0),
  };
  b.modules.push(input);
  let s: Stream = { from: 'in', port: 0, c: r.c0, h: r.h0, w: r.w0, elems: input.simd };
  for (const d of r.ops) s = step(b, s, d);
  b.modules.push({ op: 'output', name: 'out' });
  b.connect(s, 'out');
  return { modules: b.modules, edges: b.edges, frames: r.frames };
}

const drawArb: fc.Arbitrary<OpDraw> = fc.record({
  kind: fc.nat(40),
  a: fc.nat(31),
  b: fc.nat(31),
  c: fc.nat(31),
});

export function recipeArb(opts: {
  maxOps: number;
  maxFrames: number;
  kinds?: readonly number[];
}): fc.Arbitrary<Recipe> {
  const kinds = opts.kinds;
  const op =
    kinds === undefined
      ? drawArb
      : fc.tuple(drawArb, fc.constantFrom(...kinds)).map(([d, kind]) => ({ ...d, kind }));
  return fc.record({
    c0: fc.integer({ min: 1, max: MAX_C }),
    h0: fc.integer({ min: 1, max: MAX_HW }),
    w0: fc.integer({ min: 1, max: MAX_HW }),
    fold0: fc.nat(7),
    ops: fc.array(op, { minLength: 1, maxLength: opts.maxOps }),
    depths: fc.array(fc.nat(DEPTHS.length - 1), { minLength: 1, maxLength: 12 }),
    frames: fc.integer({ min: 1, max: opts.maxFrames }),
  });
}
