/** Builders of small pipelines for the fpga-dataflow engine tests. */
import { modulePorts, type ModuleSpec, type PortShape } from '../../../src/targets/fpga-dataflow/modules.js';
import type { EdgeSpec, PipelineSpec } from '../../../src/targets/fpga-dataflow/pipeline.js';

export type Depth = number | 'unbounded';

/** An input module sending exactly the words of `port`. */
export function sourceFor(name: string, port: PortShape): ModuleSpec {
  return {
    op: 'input',
    name,
    channels: port.elemsPerWord,
    pixels: port.wordsPerFrame,
    simd: port.elemsPerWord,
    bits: port.elemBits,
  };
}

/** A module alone between ideal sources (one per input port) and sinks (one per output port). */
export function isolated(m: ModuleSpec, frames: number, depthWords: Depth = 2): PipelineSpec {
  const ports = modulePorts(m);
  const ins = ports.inputs ?? [];
  const modules: ModuleSpec[] = [
    ...ins.map((p, i) => sourceFor(`src${i}`, p)),
    m,
    ...ports.outputs.map((_, i): ModuleSpec => ({ op: 'output', name: `sink${i}` })),
  ];
  const edges: EdgeSpec[] = [
    ...ins.map((_, i) => ({ from: `src${i}`, to: m.name, toPort: i, depthWords })),
    ...ports.outputs.map((_, i) => ({ from: m.name, fromPort: i, to: `sink${i}`, depthWords })),
  ];
  return { modules, edges, frames };
}

/** A straight chain: each module's port 0 feeds the next one's port 0. */
export function chain(
  modules: readonly ModuleSpec[],
  depths: readonly Depth[] | Depth,
  frames: number,
): PipelineSpec {
  const edges: EdgeSpec[] = [];
  for (let i = 0; i + 1 < modules.length; i++)
    edges.push({
      from: modules[i]!.name,
      to: modules[i + 1]!.name,
      depthWords: typeof depths === 'object' ? (depths[i] ?? 2) : depths,
    });
  return { modules: [...modules], edges, frames };
}

/**
 * A residual block on a C×H×W map (FINN style): input → dup → [fmpad → swg 3×3 → mvau → threshold]
 * → add ← shortcut (dup port 1) → output. `shortcutDepth` is the FIFO on the shortcut.
 */
export function residual(opts: {
  c: number;
  h: number;
  w: number;
  simd: number;
  pe: number;
  shortcutDepth: Depth;
  depth: Depth;
  frames: number;
}): PipelineSpec {
  const { c, h, w, simd, pe } = opts;
  const pixels = h * w;
  const modules: ModuleSpec[] = [
    { op: 'input', name: 'in', channels: c, pixels, simd: pe },
    { op: 'duplicate', name: 'dup', channels: c, pixels, pe, outputs: 2 },
    { op: 'dwc', name: 'dwc0', elements: pixels * c, inElems: pe, outElems: simd },
    { op: 'fmpad', name: 'pad', channels: c, ifm: [h, w], pad: [1, 1, 1, 1], simd },
    { op: 'swg', name: 'swg', channels: c, ifm: [h + 2, w + 2], kernel: [3, 3], stride: [1, 1], simd },
    { op: 'mvau', name: 'mvau', mw: 9 * c, mh: c, vectors: pixels, pe, simd },
    { op: 'threshold', name: 'thr', channels: c, pixels, pe },
    { op: 'add', name: 'add', channels: c, pixels, pe },
    { op: 'output', name: 'out' },
  ];
  const d = opts.depth;
  const edges: EdgeSpec[] = [
    { from: 'in', to: 'dup', depthWords: d },
    { from: 'dup', fromPort: 0, to: 'dwc0', depthWords: d },
    { from: 'dwc0', to: 'pad', depthWords: d },
    { from: 'pad', to: 'swg', depthWords: d },
    { from: 'swg', to: 'mvau', depthWords: d },
    { from: 'mvau', to: 'thr', depthWords: d },
    { from: 'thr', to: 'add', toPort: 0, depthWords: d },
    { from: 'dup', fromPort: 1, to: 'add', toPort: 1, depthWords: opts.shortcutDepth, name: 'shortcut' },
    { from: 'add', to: 'out', depthWords: d },
  ];
  return { modules, edges, frames: opts.frames };
}

/**
 * A 20-module CNV-like pipeline on a 16×16×3 image: three 3×3 convs (SWG + MVAU + thresholds), a
 * 2×2 pool, a residual block (duplicate, pad, conv, add), a global pool and a classifier MVAU.
 * `depth` is every FIFO's depth (the shortcut's too).
 */
export function cnvLike(depth: Depth | readonly Depth[], frames: number): PipelineSpec {
  const modules: ModuleSpec[] = [
    { op: 'input', name: 'in', channels: 3, pixels: 256, simd: 3 },
    { op: 'swg', name: 'swg1', channels: 3, ifm: [16, 16], kernel: [3, 3], stride: [1, 1], simd: 3 },
    { op: 'mvau', name: 'conv1', mw: 27, mh: 16, vectors: 196, pe: 4, simd: 3 },
    { op: 'threshold', name: 'thr1', channels: 16, pixels: 196, pe: 4 },
    { op: 'dwc', name: 'dwc1', elements: 196 * 16, inElems: 4, outElems: 8 },
    { op: 'swg', name: 'swg2', channels: 16, ifm: [14, 14], kernel: [3, 3], stride: [1, 1], simd: 8 },
    { op: 'mvau', name: 'conv2', mw: 144, mh: 16, vectors: 144, pe: 8, simd: 8 },
    { op: 'threshold', name: 'thr2', channels: 16, pixels: 144, pe: 8 },
    { op: 'swg', name: 'swg3', channels: 16, ifm: [12, 12], kernel: [2, 2], stride: [2, 2], simd: 8 },
    { op: 'pool', name: 'pool', channels: 16, kernel: [2, 2], outPixels: 36, pe: 8 },
    { op: 'duplicate', name: 'dup', channels: 16, pixels: 36, pe: 8, outputs: 2 },
    { op: 'fmpad', name: 'pad', channels: 16, ifm: [6, 6], pad: [1, 1, 1, 1], simd: 8 },
    { op: 'swg', name: 'swg4', channels: 16, ifm: [8, 8], kernel: [3, 3], stride: [1, 1], simd: 8 },
    { op: 'mvau', name: 'conv3', mw: 144, mh: 16, vectors: 36, pe: 4, simd: 8 },
    { op: 'threshold', name: 'thr3', channels: 16, pixels: 36, pe: 4 },
    { op: 'dwc', name: 'dwc2', elements: 36 * 16, inElems: 4, outElems: 8 },
    { op: 'add', name: 'add', channels: 16, pixels: 36, pe: 8 },
    { op: 'globalaccpool', name: 'gap', channels: 16, pixels: 36, pe: 8 },
    { op: 'mvau', name: 'fc', mw: 16, mh: 10, vectors: 1, pe: 2, simd: 8 },
    { op: 'output', name: 'out' },
  ];
  const links: [string, number, string, number][] = [
    ['in', 0, 'swg1', 0],
    ['swg1', 0, 'conv1', 0],
    ['conv1', 0, 'thr1', 0],
    ['thr1', 0, 'dwc1', 0],
    ['dwc1', 0, 'swg2', 0],
    ['swg2', 0, 'conv2', 0],
    ['conv2', 0, 'thr2', 0],
    ['thr2', 0, 'swg3', 0],
    ['swg3', 0, 'pool', 0],
    ['pool', 0, 'dup', 0],
    ['dup', 0, 'pad', 0],
    ['pad', 0, 'swg4', 0],
    ['swg4', 0, 'conv3', 0],
    ['conv3', 0, 'thr3', 0],
    ['thr3', 0, 'dwc2', 0],
    ['dwc2', 0, 'add', 0],
    ['dup', 1, 'add', 1],
    ['add', 0, 'gap', 0],
    ['gap', 0, 'fc', 0],
    ['fc', 0, 'out', 0],
  ];
  const edges: EdgeSpec[] = links.map(([from, fromPort, to, toPort], i) => ({
    from,
    fromPort,
    to,
    toPort,
    depthWords: typeof depth === 'object' ? depth[i]! : depth,
  }));
  return { modules, edges, frames };
}
