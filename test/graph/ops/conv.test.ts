import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Conv2dAttrs, FloatTensor } from '../../../src/graph/ir.js';
import { conv, ft, macsOf, node, problemsOf, randomTensor, run, shapesOf } from './helpers.js';
import { closeness, tfConv2d, tfDepthwise } from './tf-oracle.js';

const IN3 = ['x', 'w', 'b'];

describe('conv2d shapes and MACs', () => {
  it('ResNet-18 conv1: 7×7/2, pad 3', () => {
    const n = node(
      'conv2d',
      conv({ outChannels: 64, kernel: [7, 7], stride: [2, 2], pads: [3, 3, 3, 3] }),
      IN3,
    );
    const s = [[1, 3, 224, 224], [64, 3, 7, 7], [64]];
    // floor((224 + 6 − 6 − 1)/2) + 1 = floor(223/2) + 1 = 112
    expect(shapesOf(n, s)).toEqual([[1, 64, 112, 112]]);
    // 1·64·112·112·3·7·7 = 118 013 952
    expect(macsOf(n, s)).toBe(118_013_952);
  });

  it('dilated 3×3, dilation 2, pad 2 keeps 32×32', () => {
    const n = node(
      'conv2d',
      conv({ outChannels: 16, kernel: [3, 3], pads: [2, 2, 2, 2], dilation: [2, 2] }),
      ['x', 'w'],
    );
    const s = [
      [1, 8, 32, 32],
      [16, 8, 3, 3],
    ];
    // floor((32 + 4 − 2·2 − 1)/1) + 1 = 31 + 1 = 32
    expect(shapesOf(n, s)).toEqual([[1, 16, 32, 32]]);
    // 1·16·32·32·8·3·3 = 16·1024·72 = 1 179 648
    expect(macsOf(n, s)).toBe(1_179_648);
  });

  it('grouped, strided, asymmetric pads, non-square kernel', () => {
    const n = node(
      'conv2d',
      conv({ outChannels: 6, kernel: [3, 2], stride: [2, 3], pads: [1, 0, 0, 2], groups: 2 }),
      ['x', 'w'],
    );
    const s = [
      [2, 4, 10, 9],
      [6, 2, 3, 2],
    ];
    // Ho = floor((10 + 1 + 0 − 2 − 1)/2) + 1 = 4 + 1 = 5; Wo = floor((9 + 0 + 2 − 1 − 1)/3) + 1 = 3 + 1 = 4
    expect(shapesOf(n, s)).toEqual([[2, 6, 5, 4]]);
    // 2·6·5·4·(4/2)·3·2 = 240·12 = 2880
    expect(macsOf(n, s)).toBe(2880);
  });

  it('depthwise MobileNet layer', () => {
    const n = node('conv2d', conv({ outChannels: 32, kernel: [3, 3], pads: [1, 1, 1, 1], groups: 32 }), [
      'x',
      'w',
    ]);
    const s = [
      [1, 32, 112, 112],
      [32, 1, 3, 3],
    ];
    expect(shapesOf(n, s)).toEqual([[1, 32, 112, 112]]);
    // 32·112·112·1·9 = 32·12544·9 = 3 612 672
    expect(macsOf(n, s)).toBe(3_612_672);
  });
});

describe('conv2d validation', () => {
  const ok = conv({ outChannels: 64, kernel: [7, 7], stride: [2, 2], pads: [3, 3, 3, 3] });

  it('names the weight mismatch against x channels', () => {
    const n = node('conv2d', ok, ['x', 'w']);
    expect(
      problemsOf(n, [
        [1, 4, 224, 224],
        [64, 3, 7, 7],
      ]),
    ).toEqual([
      'inputs[1] (weight): got shape [64,3,7,7]; expected [64,4,7,7] ([outChannels 64, x channels 4 / groups 1, kernel 7, 7])',
    ]);
  });

  it('reports every bad attr at once', () => {
    const bad = {
      outChannels: 0,
      kernel: [0, 3],
      stride: [1],
      pads: [1, 1, -1, 1],
      dilation: [1, 1.5],
      groups: 'x',
    } as unknown as Conv2dAttrs;
    expect(
      problemsOf(node('conv2d', bad, ['x', 'w']), [
        [1, 3, 8, 8],
        [1, 3, 3, 3],
      ]),
    ).toEqual([
      'attrs.outChannels: got 0; expected a positive integer',
      'attrs.kernel: got [0,3]; expected two positive integers [h, w]',
      'attrs.stride: got [1]; expected two positive integers [h, w]',
      'attrs.pads: got [1,1,-1,1]; expected four non-negative integers [top, left, bottom, right]',
      'attrs.dilation: got [1,1.5]; expected two positive integers [h, w]',
      'attrs.groups: got "x"; expected a positive integer',
    ]);
  });

  it('rejects groups that divide neither channels nor outChannels', () => {
    const n = node('conv2d', conv({ outChannels: 6, kernel: [1, 1], groups: 4 }), ['x', 'w']);
    expect(
      problemsOf(n, [
        [1, 6, 4, 4],
        [6, 1, 1, 1],
      ]),
    ).toEqual([
      'attrs.groups: got 4; expected a divisor of both the input channels (6) and attrs.outChannels (6)',
    ]);
  });

  it('checks bias shape, input count, rank, zero dims and window size', () => {
    const n = node('conv2d', conv({ outChannels: 2, kernel: [3, 3] }), IN3);
    expect(problemsOf(n, [[1, 1, 5, 5], [2, 1, 3, 3], [3]])).toEqual([
      'inputs[2] (bias): got shape [3]; expected [2] (one per output channel)',
    ]);
    expect(problemsOf(n, [[1, 1, 5, 5]])).toEqual([
      'inputs: got 1 input; expected 2 to 3 inputs [x, weight, bias?]',
    ]);
    expect(
      problemsOf(n, [
        [1, 5, 5],
        [2, 1, 3, 3],
      ]),
    ).toEqual(['inputs[0] (x): got shape [1,5,5] (rank 3); expected rank 4']);
    expect(
      problemsOf(n, [
        [1, 1, 0, 5],
        [2, 1, 3, 3],
      ]),
    ).toEqual(['inputs[0] (x): got shape [1,1,0,5]; expected a shape of positive integer dims']);
    expect(
      problemsOf(n, [
        [1, 1, 2, 5],
        [2, 1, 3, 3],
      ]),
    ).toEqual([
      'attrs.kernel: got [3,3]; expected a window no larger than the padded input 2×5 (x [1,1,2,5], pads [0,0,0,0])',
    ]);
    const dil = node('conv2d', conv({ outChannels: 2, kernel: [3, 3], dilation: [3, 1] }), ['x', 'w']);
    expect(
      problemsOf(dil, [
        [1, 1, 6, 6],
        [2, 1, 3, 3],
      ]),
    ).toEqual([
      'attrs.kernel: got [3,3] (dilated extent 7×3); expected a window no larger than the padded input 6×6 (x [1,1,6,6], pads [0,0,0,0])',
    ]);
  });
});

describe('conv2d reference, hand-computed', () => {
  const x = ft([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('2×2 difference kernel with bias', () => {
    // y[i][j] = x[i][j] − x[i+1][j+1] = −4 everywhere; + 0.5 → −3.5
    const n = node('conv2d', conv({ outChannels: 1, kernel: [2, 2] }), IN3);
    const y = run(n, [x, ft([1, 1, 2, 2], [1, 0, 0, -1]), ft([1], [0.5])]);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data)).toEqual([-3.5, -3.5, -3.5, -3.5]);
  });

  it('3×3 box filter with pad 1 sums each neighbourhood', () => {
    const n = node('conv2d', conv({ outChannels: 1, kernel: [3, 3], pads: [1, 1, 1, 1] }), ['x', 'w']);
    const y = run(n, [x, ft([1, 1, 3, 3], new Array<number>(9).fill(1))]);
    // corners 1+2+4+5 = 12, 2+3+5+6 = 16, 4+5+7+8 = 24, 5+6+8+9 = 28; edges 21, 27, 33, 39; centre 45
    expect(Array.from(y.data)).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });

  it('stride 2 with only bottom/right padding and two output channels', () => {
    // pads [0,0,1,1] → padded 4×4; windows 2×2 at (0,0),(0,2),(2,0),(2,2)
    // channel 0 (w = ones): 1+2+4+5 = 12, 3+0+6+0 = 9, 7+8+0+0 = 15, 9 → 9
    // channel 1 (w = top-left only, ×2): 2, 6, 14, 18
    const n = node('conv2d', conv({ outChannels: 2, kernel: [2, 2], stride: [2, 2], pads: [0, 0, 1, 1] }), [
      'x',
      'w',
    ]);
    const y = run(n, [x, ft([2, 1, 2, 2], [1, 1, 1, 1, 2, 0, 0, 0])]);
    expect(y.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(y.data)).toEqual([12, 9, 15, 9, 2, 6, 14, 18]);
  });

  it('dilation 2 picks the corners of a 3×3 input', () => {
    // 2×2 kernel, dilation 2 → taps (0,0),(0,2),(2,0),(2,2) = 1, 3, 7, 9 with weights 1, 10, 100, 1000
    const n = node('conv2d', conv({ outChannels: 1, kernel: [2, 2], dilation: [2, 2] }), ['x', 'w']);
    const y = run(n, [x, ft([1, 1, 2, 2], [1, 10, 100, 1000])]);
    expect(Array.from(y.data)).toEqual([1 + 30 + 700 + 9000]);
  });
});

interface ConvCase {
  name: string;
  x: readonly number[];
  attrs: Conv2dAttrs;
  bias: boolean;
}

const CASES: ConvCase[] = [
  { name: 'plain 3×3', x: [2, 3, 9, 8], attrs: conv({ outChannels: 5, kernel: [3, 3] }), bias: true },
  {
    name: 'stride 2, pad 1',
    x: [1, 4, 11, 10],
    attrs: conv({ outChannels: 6, kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }),
    bias: true,
  },
  {
    name: 'asymmetric pads, rect kernel',
    x: [1, 3, 7, 9],
    attrs: conv({ outChannels: 4, kernel: [2, 3], stride: [1, 2], pads: [0, 2, 1, 0] }),
    bias: false,
  },
  {
    name: 'dilation 2 and stride 2',
    x: [1, 2, 13, 12],
    attrs: conv({ outChannels: 3, kernel: [3, 3], stride: [2, 2], pads: [2, 1, 0, 2], dilation: [2, 3] }),
    bias: true,
  },
  {
    name: 'groups 2',
    x: [2, 4, 8, 8],
    attrs: conv({ outChannels: 6, kernel: [3, 3], pads: [1, 1, 1, 1], groups: 2 }),
    bias: true,
  },
  {
    name: 'groups 3, stride 3',
    x: [1, 6, 10, 10],
    attrs: conv({ outChannels: 3, kernel: [2, 2], stride: [3, 3], groups: 3 }),
    bias: false,
  },
  {
    name: 'depthwise 3×3 pad 1',
    x: [1, 5, 7, 7],
    attrs: conv({ outChannels: 5, kernel: [3, 3], pads: [1, 1, 1, 1], groups: 5 }),
    bias: true,
  },
  { name: 'pointwise 1×1', x: [1, 16, 5, 5], attrs: conv({ outChannels: 8, kernel: [1, 1] }), bias: true },
];

function convInputs(c: ConvCase, seed: number): FloatTensor[] {
  const a = c.attrs;
  const cin = c.x[1]!;
  const w = randomTensor([a.outChannels, cin / a.groups, a.kernel[0], a.kernel[1]], seed + 1);
  const inputs = [randomTensor(c.x, seed), w];
  if (c.bias) inputs.push(randomTensor([a.outChannels], seed + 2));
  return inputs;
}

describe('conv2d reference vs TensorFlow.js', () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const inputs = convInputs(c, 100 + i);
      const n = node('conv2d', c.attrs, c.bias ? IN3 : ['x', 'w']);
      const ours = run(n, inputs);
      const theirs = await tfConv2d(inputs[0]!, inputs[1]!, inputs[2], c.attrs);
      expect(ours.shape).toEqual(theirs.shape);
      expect(closeness(ours, theirs, 1e-5, 1e-5)).toBeLessThan(1);
    });
  }

  it('depthwise with dilation and stride vs tfjs depthwiseConv2d', async () => {
    const a = conv({
      outChannels: 4,
      kernel: [3, 3],
      stride: [2, 1],
      pads: [2, 2, 1, 2],
      dilation: [2, 2],
      groups: 4,
    });
    const x = randomTensor([2, 4, 9, 9], 7);
    const w = randomTensor([4, 1, 3, 3], 8);
    const ours = run(node('conv2d', a, ['x', 'w']), [x, w]);
    const theirs = await tfDepthwise(x, w, a);
    expect(closeness(ours, theirs, 1e-5, 1e-5)).toBeLessThan(1);
  });
});

describe('conv2d properties', () => {
  const geometry = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 7 }),
    w: fc.integer({ min: 1, max: 7 }),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    dh: fc.integer({ min: 1, max: 2 }),
    dw: fc.integer({ min: 1, max: 2 }),
    pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    seed: fc.nat(),
  });

  it('groups=1 conv equals the sum of convs over a split of the input channels', () => {
    fc.assert(
      fc.property(
        geometry,
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        (g, cin, cout) => {
          const attrs = conv({
            outChannels: cout,
            kernel: [g.kh, g.kw],
            stride: [g.sh, g.sw],
            pads: g.pads,
            dilation: [g.dh, g.dw],
          });
          const fits =
            g.dh * (g.kh - 1) + 1 <= g.h + g.pads[0] + g.pads[2] &&
            g.dw * (g.kw - 1) + 1 <= g.w + g.pads[1] + g.pads[3];
          fc.pre(fits);
          const split = 1 + (g.seed % (cin - 1));
          const x = randomTensor([g.n, cin, g.h, g.w], g.seed);
          const w = randomTensor([cout, cin, g.kh, g.kw], g.seed + 1);
          const full = run(node('conv2d', attrs, ['x', 'w']), [x, w]);
          const part = (c0: number, c1: number): FloatTensor => {
            const xs = sliceAxis(x, 1, c0, c1);
            const ws = sliceAxis(w, 1, c0, c1);
            return run(node('conv2d', attrs, ['x', 'w']), [xs, ws]);
          };
          const a = part(0, split);
          const b = part(split, cin);
          const sum = { shape: a.shape, data: a.data.map((v, i) => v + b.data[i]!) };
          expect(closeness(full, sum, 1e-5, 1e-5)).toBeLessThan(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a grouped conv equals the per-group convs concatenated (bit for bit)', () => {
    fc.assert(
      fc.property(
        geometry,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        (g, groups, cg, mg) => {
          const fits =
            g.dh * (g.kh - 1) + 1 <= g.h + g.pads[0] + g.pads[2] &&
            g.dw * (g.kw - 1) + 1 <= g.w + g.pads[1] + g.pads[3];
          fc.pre(fits);
          const base = {
            kernel: [g.kh, g.kw] as const,
            stride: [g.sh, g.sw] as const,
            pads: g.pads,
            dilation: [g.dh, g.dw] as const,
          };
          const x = randomTensor([g.n, groups * cg, g.h, g.w], g.seed);
          const w = randomTensor([groups * mg, cg, g.kh, g.kw], g.seed + 1);
          const b = randomTensor([groups * mg], g.seed + 2);
          const grouped = run(node('conv2d', conv({ ...base, outChannels: groups * mg, groups }), IN3), [
            x,
            w,
            b,
          ]);
          for (let k = 0; k < groups; k++) {
            const one = run(node('conv2d', conv({ ...base, outChannels: mg }), IN3), [
              sliceAxis(x, 1, k * cg, (k + 1) * cg),
              sliceAxis(w, 0, k * mg, (k + 1) * mg),
              sliceAxis(b, 0, k * mg, (k + 1) * mg),
            ]);
            expect(Array.from(sliceAxis(grouped, 1, k * mg, (k + 1) * mg).data)).toEqual(
              Array.from(one.data),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** Elements [from, to) along `axis` (written here, independently of the kernels under test). */
function sliceAxis(t: FloatTensor, axis: number, from: number, to: number): FloatTensor {
  const outer = t.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const dim = t.shape[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let i = from * inner; i < to * inner; i++) out.push(t.data[o * dim * inner + i]!);
  const shape = [...t.shape];
  shape[axis] = to - from;
  return ft(shape, out);
}
