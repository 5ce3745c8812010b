/** Illegal folding and malformed pipelines are one InputError naming the layer and the rule. */
import { describe, expect, it } from 'vitest';
import type { ModuleSpec } from '../../../src/targets/fpga-dataflow/modules.js';
import { resolvePipeline, type PipelineSpec } from '../../../src/targets/fpga-dataflow/pipeline.js';
import { runReference } from '../../../src/targets/fpga-dataflow/pipeline-ref.js';
import { InputError } from '../../../src/units/errors.js';
import { chain, isolated } from './helpers.js';

function errorOf(spec: PipelineSpec): InputError {
  try {
    resolvePipeline(spec);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('folding legality (fpga.md §1.1 "Folding legality")', () => {
  it.each<[string, ModuleSpec, RegExp]>([
    [
      'MVAU MW % SIMD',
      { op: 'mvau', name: 'conv1', mw: 27, mh: 16, vectors: 4, pe: 4, simd: 4 },
      /layer "conv1" \(mvau, modules\[1\]\)\.simd: got 4; expected a divisor of MW = 27 \(folding rule MW % SIMD == 0, reference fpga\.md §1\.1/,
    ],
    [
      'MVAU MH % PE',
      { op: 'mvau', name: 'fc', mw: 16, mh: 10, vectors: 1, pe: 4, simd: 16 },
      /layer "fc" \(mvau, modules\[1\]\)\.pe: got 4; expected a divisor of MH = 10 \(folding rule MH % PE == 0/,
    ],
    [
      'VVAU (kH·kW) % SIMD',
      { op: 'vvau', name: 'dw', channels: 8, kernel: [3, 3], pixels: 4, pe: 2, simd: 2 },
      /layer "dw" \(vvau, modules\[1\]\)\.simd: got 2; expected a divisor of kH·kW = 9 \(folding rule \(kH·kW\) % SIMD == 0/,
    ],
    [
      'VVAU C % PE',
      { op: 'vvau', name: 'dw', channels: 6, kernel: [3, 3], pixels: 4, pe: 4, simd: 3 },
      /layer "dw" .*\.pe: got 4; expected a divisor of C = 6 \(folding rule C % PE == 0/,
    ],
    [
      'Thresholding MH % PE',
      { op: 'threshold', name: 'act', channels: 10, pixels: 4, pe: 3 },
      /layer "act" .*\.pe: got 3; expected a divisor of MH \(channels\) = 10 \(folding rule MH % PE == 0/,
    ],
    [
      'SWG C % SIMD',
      { op: 'swg', name: 'win', channels: 6, ifm: [5, 5], kernel: [3, 3], stride: [1, 1], simd: 4 },
      /layer "win" .*\.simd: got 4; expected a divisor of C = 6 \(folding rule C % SIMD == 0/,
    ],
    [
      'AddStreams C % PE',
      { op: 'add', name: 'res', channels: 6, pixels: 4, pe: 4 },
      /layer "res" .*\.pe: got 4; expected a divisor of C = 6 \(folding rule C % PE == 0/,
    ],
  ])('%s', (_, m, message) => {
    expect(() => resolvePipeline(isolated(m, 1))).toThrow(message);
  });

  it('reports every illegal layer at once', () => {
    const spec = chain(
      [
        { op: 'input', name: 'in', channels: 6, pixels: 4, simd: 6 },
        { op: 'threshold', name: 'a', channels: 6, pixels: 4, pe: 4 },
        { op: 'mvau', name: 'b', mw: 6, mh: 6, vectors: 4, pe: 5, simd: 4 },
        { op: 'output', name: 'out' },
      ],
      2,
      1,
    );
    const e = errorOf(spec);
    expect(e.issues.map((i) => i.path)).toEqual([
      'layer "a" (threshold, modules[1]).pe',
      'layer "b" (mvau, modules[2]).simd',
      'layer "b" (mvau, modules[2]).pe',
    ]);
  });

  it('is checked before anything runs', () => {
    expect(() =>
      runReference(isolated({ op: 'mvau', name: 'conv1', mw: 27, mh: 16, vectors: 4, pe: 4, simd: 4 }, 1)),
    ).toThrow(InputError);
  });
});

describe('pipeline shape checks', () => {
  const src: ModuleSpec = { op: 'input', name: 'in', channels: 8, pixels: 4, simd: 4 };
  it('a stream whose word shape differs asks for a width converter', () => {
    const spec = chain(
      [src, { op: 'threshold', name: 't', channels: 8, pixels: 4, pe: 2 }, { op: 'output', name: 'out' }],
      2,
      1,
    );
    expect(() => resolvePipeline(spec)).toThrow(/insert a width converter "dwc"/);
  });
  it('unconnected ports, bad depths, unknown modules and cycles are named', () => {
    const t: ModuleSpec = { op: 'threshold', name: 't', channels: 8, pixels: 4, pe: 4 };
    const noOut = errorOf({ modules: [src, t, { op: 'output', name: 'out' }], edges: [], frames: 1 });
    expect(noOut.message).toMatch(
      /layer "t" \(threshold, modules\[1\]\) input port 0: got 0 edges; expected exactly one edge/,
    );
    const bad = errorOf({
      modules: [src, t, { op: 'output', name: 'out' }],
      edges: [
        { from: 'in', to: 't', depthWords: 0 },
        { from: 't', to: 'nowhere', depthWords: 2 },
      ],
      frames: 0,
    });
    expect(bad.message).toMatch(/frames: got 0; expected an integer from 1 to 100000/);
    const bad2 = errorOf({
      modules: [src, t, { op: 'output', name: 'out' }],
      edges: [
        { from: 'in', to: 't', depthWords: 0 },
        { from: 't', to: 'nowhere', depthWords: 2 },
      ],
      frames: 1,
    });
    expect(bad2.message).toMatch(
      /edges\[0\]\.depthWords: got 0; expected a positive integer number of words/,
    );
    expect(bad2.message).toMatch(/edges\[1\]\.to: got "nowhere"; expected a module name/);
    const loop = errorOf({
      modules: [
        src,
        { op: 'add', name: 'a', channels: 8, pixels: 4, pe: 4 },
        { op: 'duplicate', name: 'd', channels: 8, pixels: 4, pe: 4, outputs: 2 },
        { op: 'output', name: 'out' },
      ],
      edges: [
        { from: 'in', to: 'a', toPort: 0, depthWords: 2 },
        { from: 'a', to: 'd', depthWords: 2 },
        { from: 'd', fromPort: 0, to: 'a', toPort: 1, depthWords: 2 },
        { from: 'd', fromPort: 1, to: 'out', depthWords: 2 },
      ],
      frames: 1,
    });
    expect(loop.message).toMatch(/a cycle through a, d; expected a pipeline without feedback loops/);
  });
  it('a window larger than the map is refused', () => {
    const e = errorOf(
      isolated(
        { op: 'swg', name: 'w', channels: 2, ifm: [2, 2], kernel: [3, 3], stride: [1, 1], simd: 2 },
        1,
      ),
    );
    expect(e.message).toMatch(
      /layer "w" \(swg, modules\[1\]\)\.kernel: got \[3,3\]; expected a \(dilated\) window that fits/,
    );
  });
});
