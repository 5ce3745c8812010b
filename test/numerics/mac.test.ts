/**
 * Quantized MAC ops on hand-computed cases: every expected value below is worked out in the
 * comments from the definitions (operands minus zero points, accumulator format, requantization),
 * not from the code under test.
 */
import { describe, expect, it } from 'vitest';
import type { Graph, QuantSpec, Shape } from '../../src/graph/ir.js';
import { executeGraph } from '../../src/numerics/execute.js';
import type { ExecOptions, ExecTensor } from '../../src/numerics/types.js';
import { convAttrs, graphOf, node, q, tensor } from './helpers.js';

function run(g: Graph, x: readonly number[], options: ExecOptions = {}): ExecTensor {
  const out = executeGraph(g, new Map([['x', { stored: Float64Array.from(x) }]]), options);
  return out.get('y')!;
}

/** Dense x [1, K] · w [K, N], both quantized, output spec optional. */
function denseGraph(
  xSpec: QuantSpec,
  k: number,
  w: readonly number[],
  wSpec: QuantSpec,
  ySpec?: QuantSpec,
  bias?: { data?: number[]; stored?: number[]; quant?: QuantSpec },
): Graph {
  const n = w.length / k;
  const tensors = [
    tensor('x', [1, k], { role: 'input', quant: xSpec }),
    tensor('w', [k, n], { role: 'weight', quant: wSpec, stored: w }),
    tensor('y', [1, n], ySpec !== undefined ? { quant: ySpec } : {}),
  ];
  const inputs = ['x', 'w'];
  if (bias !== undefined) {
    tensors.push(tensor('b', [n], { role: 'bias', ...bias }));
    inputs.push('b');
  }
  return graphOf(tensors, [node('fc', 'dense', inputs, ['y'], { units: n })], ['x'], ['y']);
}

describe('conv2d, uint8 activations × int8 per-channel weights, int32 bias', () => {
  // x uint8, zp 128, scale 0.5; stored → centred (stored − 128):
  //   130 126 128      2 −2  0
  //   132 128 127  →   4  0 −1
  //   128 131 129      0  3  1
  const x = [130, 126, 128, 132, 128, 127, 128, 131, 129];
  // w int8 [2,1,2,2], scales [0.25, 0.125], zero points [0, 1] (per output channel):
  //   channel 0 stored [1, 2, −1, 3] → centred [1, 2, −1, 3]
  //   channel 1 stored [2, 0, 1, 5]  → centred [1, −1, 0, 4]
  // bias int32 [10, −3] with scales s_x·s_w = [0.125, 0.0625]
  // windows (2×2, stride 1): (0,0) [2,−2,4,0]  (0,1) [−2,0,0,−1]  (1,0) [4,0,0,3]  (1,1) [0,−1,3,1]
  // channel 0: 2−4−4+0 = −6, −2−3 = −5, 4+9 = 13, −2−3+3 = −2;  + 10 → 4, 5, 23, 8
  // channel 1: 2+2 = 4, −2−4 = −6, 4+12 = 16, 1+4 = 5;          −  3 → 1, −9, 13, 2
  function convGraph(ySpec?: QuantSpec): Graph {
    const wq: QuantSpec = { format: 'int8', scale: [0.25, 0.125], zeroPoint: [0, 1], axis: 0 };
    const bq: QuantSpec = { format: 'int32', scale: [0.125, 0.0625], zeroPoint: 0, axis: 0 };
    const tensors = [
      tensor('x', [1, 1, 3, 3], { role: 'input', quant: q('uint8', 0.5, 128) }),
      tensor('w', [2, 1, 2, 2], { role: 'weight', quant: wq, stored: [1, 2, -1, 3, 2, 0, 1, 5] }),
      tensor('b', [2], { role: 'bias', quant: bq, stored: [10, -3] }),
      tensor('y', [1, 2, 2, 2], ySpec !== undefined ? { quant: ySpec } : {}),
    ];
    const attrs = convAttrs({ outChannels: 2, kernel: [2, 2] });
    return graphOf(tensors, [node('conv', 'conv2d', ['x', 'w', 'b'], ['y'], attrs)], ['x'], ['y']);
  }

  it('real output: acc · s_x · s_w[n]', () => {
    const y = run(convGraph(), x);
    expect(y.stored).toBeUndefined();
    // channel 0 × 0.125, channel 1 × 0.0625
    expect(Array.from(y.real)).toEqual([0.5, 0.625, 2.875, 1, 0.0625, -0.5625, 0.8125, 0.125]);
  });

  it('int8 output, float requantization: zero point added before rounding (ONNX)', () => {
    // y int8, scale 0.25, zp −9: M = 0.125/0.25 = 0.5 (ch 0), 0.0625/0.25 = 0.25 (ch 1)
    // ch 0: 2 − 9 = −7;  2.5 − 9 = −6.5 → −6;  11.5 − 9 = 2.5 → 2;  4 − 9 = −5
    // ch 1: 0.25 − 9 → −9;  −2.25 − 9 = −11.25 → −11;  3.25 − 9 = −5.75 → −6;  0.5 − 9 = −8.5 → −8
    // (rounding first and adding zp after would give −7, 3 and −9 for the three ties)
    const y = run(convGraph(q('int8', 0.25, -9)), x);
    expect(Array.from(y.stored!)).toEqual([-7, -6, 2, -5, -9, -11, -6, -8]);
    expect(Array.from(y.real)).toEqual([0.5, 0.75, 2.75, 1, 0, -0.5, 0.75, 0.25]);
  });

  it('per-channel output scales and saturation', () => {
    // y uint8 scales [1/32, 1] zp [0, 200] along axis 1: M = 4 (ch 0), 0.0625 (ch 1)
    // ch 0: 16, 20, 92, 32;  ch 1: 200 + rint(0.0625, −0.5625, 0.8125, 0.125) = 200, 199, 201, 200
    const ySpec: QuantSpec = { format: 'uint8', scale: [1 / 32, 1], zeroPoint: [0, 200], axis: 1 };
    expect(Array.from(run(convGraph(ySpec), x).stored!)).toEqual([16, 20, 92, 32, 200, 199, 201, 200]);
    // y int4 scale 0.125: M = 1 and 0.5: 4, 5, 23 → 7, 8 → 7;  0.5 → 0, −4.5 → −4, 6.5 → 6, 1
    expect(Array.from(run(convGraph(q('int4', 0.125)), x).stored!)).toEqual([4, 5, 7, 7, 0, -4, 6, 1]);
  });
});

describe('conv2d geometry: groups, padding, stride, dilation', () => {
  it('depthwise 3×3, pad 1, stride 2, dilation 1; and dilation 2', () => {
    // x int8 [1, 2, 3, 3]: channel 0 = 1…9, channel 1 = −1 everywhere; w [2,1,3,3]: channel 0 all 1,
    // channel 1 centre 2 and corners 1 (zp 0). Output 2×2 at stride 2 with pad 1:
    // ch 0 windows centred on (0,0),(0,2),(2,0),(2,2): sums of the in-bounds 2×2 blocks
    //   (0,0): 1+2+4+5 = 12  (0,2): 2+3+5+6 = 16  (2,0): 4+5+7+8 = 24  (2,2): 5+6+8+9 = 28
    // ch 1 at (0,0): taps in bounds are the centre (x[0,0]) and the bottom-right corner (x[1,1]):
    //   −1·2 + −1·1 = −3, and the same at every corner position
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1, -1, -1, -1];
    const w = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 2, 0, 1, 0, 1];
    const build = (dilation: [number, number], pads: [number, number, number, number], out: Shape): Graph =>
      graphOf(
        [
          tensor('x', [1, 2, 3, 3], { role: 'input', quant: q('int8', 1) }),
          tensor('w', [2, 1, 3, 3], { role: 'weight', quant: q('int8', 1), stored: w }),
          tensor('y', out, { quant: q('int32', 1) }),
        ],
        [
          node('dw', 'conv2d', ['x', 'w'], ['y'], {
            ...convAttrs({ outChannels: 2, kernel: [3, 3], groups: 2, pads, dilation }),
            stride: [2, 2],
          }),
        ],
        ['x'],
        ['y'],
      );
    expect(Array.from(run(build([1, 1], [1, 1, 1, 1], [1, 2, 2, 2]), xs).stored!)).toEqual([
      12, 16, 24, 28, -3, -3, -3, -3,
    ]);
    // dilation 2, pad 2: one output per 3 pixels of stride 2 → 2×2; window taps at offsets −2, 0, 2.
    // (0,0) centred on x(0,0): taps (0,0),(0,2),(2,0),(2,2) → ch 0: 1+3+7+9 = 20; ch 1: 2 + 1 = −3
    // (0,1) centred on x(0,2): taps (0,0),(0,2),(2,0),(2,2) again (the others fall outside) → 20, −3
    expect(Array.from(run(build([2, 2], [2, 2, 2, 2], [1, 2, 2, 2]), xs).stored!)).toEqual([
      20, 20, 20, 20, -3, -3, -3, -3,
    ]);
  });
});

describe('dense and matmul', () => {
  it('dense uint8 × int8 with a float bias, uint8 output', () => {
    // x uint8 zp 100 scale 0.25: [103, 98, 100] → [3, −2, 0]; w int8 scale 0.5:
    //   [[1, −4], [2, 5], [7, 7]] → acc n0 = 3 − 4 = −1, n1 = −12 − 10 = −22
    // float bias [0.25, −1] / (0.25·0.5) = [2, −8] → acc [1, −30]; real [0.125, −3.75]
    // y uint8 scale 0.125 zp 128: M = 1 → [129, 98]
    const g = denseGraph(
      q('uint8', 0.25, 100),
      3,
      [1, -4, 2, 5, 7, 7],
      q('int8', 0.5),
      q('uint8', 0.125, 128),
      {
        data: [0.25, -1],
      },
    );
    const y = run(g, [103, 98, 100]);
    expect(Array.from(y.stored!)).toEqual([129, 98]);
    expect(Array.from(y.real)).toEqual([0.125, -3.75]);
  });

  it('matmul with broadcast batch dims, transB and a weight zero point', () => {
    // a int8 [2,1,2,2]: [[1,2],[3,4]] and [[−1,0],[2,−2]]; b uint8 [1,3,2] zp 1, transB: stored
    // [[2,1],[1,2],[2,2]] → centred [[1,0],[0,1],[1,1]] (rows are the N columns of Bᵀ)
    // batch 0: [1, 2, 3], [3, 4, 7]; batch 1: [−1, 0, −1], [2, −2, 0]
    const g = graphOf(
      [
        tensor('x', [2, 1, 2, 2], { role: 'input', quant: q('int8', 1) }),
        tensor('b', [1, 3, 2], { role: 'constant', quant: q('uint8', 1, 1), stored: [2, 1, 1, 2, 2, 2] }),
        tensor('y', [2, 1, 2, 3], { quant: q('int32', 1) }),
      ],
      [node('mm', 'matmul', ['x', 'b'], ['y'], { transB: true })],
      ['x'],
      ['y'],
    );
    const y = run(g, [1, 2, 3, 4, -1, 0, 2, -2]);
    expect(y.shape).toEqual([2, 1, 2, 3]);
    expect(Array.from(y.stored!)).toEqual([1, 2, 3, 3, 4, 7, -1, 0, -1, 2, -2, 0]);
  });
});

describe('accumulator overflow and order', () => {
  it('int8 accumulator: wrap vs saturate', () => {
    // products 100, 100: wrap 200 − 256 = −56; saturate 127; int16: 200
    const g = denseGraph(q('int8', 1), 2, [1, 1], q('int8', 1));
    expect(run(g, [100, 100], { accumulator: 'int8' }).real[0]).toBe(-56);
    expect(run(g, [100, 100], { accumulator: 'int8', overflow: 'saturate' }).real[0]).toBe(127);
    expect(run(g, [100, 100], { accumulator: 'int16', overflow: 'saturate' }).real[0]).toBe(200);
  });

  it('partialSumRows changes a saturating result, not a wrapping one', () => {
    // products 100, 100, −100, −100 in an int8 accumulator
    // one accumulator, saturate: 100 → 127 → 27 → −73
    // partial sums of 2: (100 + 100 → 127) and (−100 − 100 → −128); 127 + (−128) = −1
    // partial sums of 1 or 3: 100, 127, 27, −73 / (127 − 100 = 27) + (−100) = −73
    // wrap: every order gives the exact sum modulo 256 = 0
    const g = denseGraph(q('int8', 1), 4, [10, 10, 10, 10], q('int8', 1));
    const x = [10, 10, -10, -10];
    const sat = (rows: number): number =>
      run(g, x, { accumulator: 'int8', overflow: 'saturate', partialSumRows: rows }).real[0]!;
    expect([sat(0), sat(1), sat(2), sat(3)]).toEqual([-73, -73, -1, -73]);
    for (const rows of [0, 1, 2, 3])
      expect(run(g, x, { accumulator: 'int8', partialSumRows: rows }).real[0]).toBe(0);
  });

  it('perNode overrides the global arithmetic', () => {
    const g = denseGraph(q('int8', 1), 2, [1, 1], q('int8', 1));
    const perNode = new Map([['fc', { overflow: 'saturate' as const }]]);
    expect(run(g, [100, 100], { accumulator: 'int8', perNode }).real[0]).toBe(127);
  });

  it('fp8 operands: fp16 and fp32 accumulators give different sums', () => {
    // e4m3fn operands x = [256, 1, 1], w = [8, 1, 1]: products 2048, 1, 1
    // fp32: 2048 + 1 + 1 = 2050
    // fp16 (11 significant bits, ulp 2 at 2048): 2048 + 1 = 2049 is a tie between 2048 (even
    // significand) and 2050 → 2048; again → 2048
    // bf16 (8 bits, ulp 16 at 2048): 2048
    const g = denseGraph(q('fp8-e4m3fn', 1), 3, [8, 1, 1], q('fp8-e4m3fn', 1));
    const x = [256, 1, 1];
    expect(run(g, x).real[0]).toBe(2050); // default accumulator for minifloats: fp32
    expect(run(g, x, { accumulator: 'fp16' }).real[0]).toBe(2048);
    expect(run(g, x, { accumulator: 'bf16' }).real[0]).toBe(2048);
    // with the order reversed (1, 1, 2048) fp16 gets 2 + 2048 = 2050 exactly
    expect(
      run(denseGraph(q('fp8-e4m3fn', 1), 3, [1, 1, 8], q('fp8-e4m3fn', 1)), [1, 1, 256], {
        accumulator: 'fp16',
      }).real[0],
    ).toBe(2050);
  });

  it('fp8 partial sums round differently from one accumulator', () => {
    // products 1, 1, 2048, 1 in fp16 (ulp 2 at 2048):
    // one accumulator: 1 → 2 → 2050 → 2051, a tie between 2050 (odd significand) and 2052 → 2052
    // partial sums of 2: (1 + 1 = 2) + (2048 + 1 → 2048) = 2050
    const g = denseGraph(q('fp8-e4m3fn', 1), 4, [1, 1, 8, 1], q('fp8-e4m3fn', 1));
    const x = [1, 1, 256, 1];
    expect(run(g, x, { accumulator: 'fp16' }).real[0]).toBe(2052);
    expect(run(g, x, { accumulator: 'fp16', partialSumRows: 2 }).real[0]).toBe(2050);
  });
});

describe('requantization: float vs fixed point', () => {
  // x int16 [100] · w int8 [10] = 1000; s_x 0.5, s_w 0.25 → S = 0.125; y int16 scale 0.3
  // float: M = fp32(0.125 / fp32(0.3)) = 0.41666665…; 1000·M = 416.67 → 417
  // fixed point, 8-bit multiplier: M = 0.8333333·2^−1 → m0 = round(0.8333333·128) = 107, shift 8;
  //   1000·107 / 256 = 417.96875 → 418
  // fixed point, 32-bit multiplier: m0 = round(0.8333333·2^31), 1000·m0/2^32 = 416.67 → 417
  const g = denseGraph(q('int16', 0.5), 1, [10], q('int8', 0.25), q('int16', 0.3));
  it('gives the hand values', () => {
    expect(run(g, [100]).stored![0]).toBe(417);
    expect(run(g, [100], { requant: { mode: 'fixed-point', multiplierBits: 8 } }).stored![0]).toBe(418);
    expect(run(g, [100], { requant: { mode: 'fixed-point' } }).stored![0]).toBe(417);
  });

  it('rounding modes on exact ties', () => {
    // M = 0.5 (s_x 1, s_w 1, s_y 2): acc 3 → 1.5, acc −3 → −1.5
    const half = denseGraph(q('int8', 1), 1, [1], q('int8', 1), q('int8', 2));
    const cases: [string, number, number][] = [
      ['nearest-even', 2, -2],
      ['nearest-away', 2, -2],
      ['toward-zero', 1, -1],
      ['floor', 1, -2],
      ['ceil', 2, -1],
    ];
    for (const mode of ['float', 'fixed-point'] as const) {
      for (const [rounding, up, down] of cases) {
        const opts = { requant: { mode, rounding: rounding as 'floor' } };
        expect(
          [run(half, [3], opts).stored![0], run(half, [-3], opts).stored![0]],
          `${mode} ${rounding}`,
        ).toEqual([up, down]);
      }
    }
  });

  it("the output spec's rounding is the default", () => {
    const floor = denseGraph(q('int8', 1), 1, [1], q('int8', 1), q('int8', 2, 0, { rounding: 'floor' }));
    expect([run(floor, [3]).stored![0], run(floor, [-3]).stored![0]]).toEqual([1, -2]);
    // an explicit option wins
    expect(run(floor, [3], { requant: { mode: 'float', rounding: 'ceil' } }).stored![0]).toBe(2);
  });

  it('float16 scales: M is formed in float16, as numpy does for float16 arrays', () => {
    // acc = 79 · 38 = 3002, s_a = s_b = 1, s_y = 3, output int16
    // float16: M = fp16(1/3) = 1365/4096 = 0.333251953125; 3002·M = 1000.4224 → 1000
    // float32: M = fp32(1/3) = 0.3333333432…; 3002·M = 1000.6667 → 1001
    const build = (scaleType: 'float16' | 'float32'): Graph =>
      denseGraph(
        q('int8', 1, 0, { scaleType }),
        1,
        [38],
        q('int8', 1, 0, { scaleType }),
        q('int16', 3, 0, { scaleType }),
      );
    expect(run(build('float16'), [79]).stored![0]).toBe(1000);
    expect(run(build('float32'), [79]).stored![0]).toBe(1001);
  });
});

describe('mixed and unsupported cases', () => {
  it('quantized activations × float weights run in float (dequantize, float kernel)', () => {
    // x int8 scale 0.5: [4, −2] → [2, −1]; w float [[1.5], [0.25]] → 3 − 0.25 = 2.75
    const g = graphOf(
      [
        tensor('x', [1, 2], { role: 'input', quant: q('int8', 0.5) }),
        tensor('w', [2, 1], { role: 'weight', data: [1.5, 0.25] }),
        tensor('y', [1, 1]),
      ],
      [node('fc', 'dense', ['x', 'w'], ['y'], { units: 1 })],
      ['x'],
      ['y'],
    );
    expect(run(g, [4, -2]).real[0]).toBe(2.75);
  });

  it('refuses activation scales that vary along k', () => {
    const g = graphOf(
      [
        tensor('x', [1, 2], {
          role: 'input',
          quant: { format: 'int8', scale: [1, 2], zeroPoint: 0, axis: 1 },
        }),
        tensor('w', [2, 1], { role: 'weight', quant: q('int8', 1), stored: [1, 1] }),
        tensor('y', [1, 1]),
      ],
      [node('fc', 'dense', ['x', 'w'], ['y'], { units: 1 })],
      ['x'],
      ['y'],
    );
    expect(() => run(g, [1, 1])).toThrow(/per tensor/);
  });

  it('fixed-point operands enter the MAC as integers of their step', () => {
    // fixed<4,4> x = [1.5, −0.25] → 24, −4 (step 1/16); w int8 [2, 8]: acc = 48 − 32 = 16 units of
    // 1/16 → real = 16/16 = 1. (Fractional operands 1.5·2 + (−0.25)·8 = 1 too, but an int32
    // accumulator fed fractions would truncate them.)
    const g = denseGraph(q('fixed<4,4>', 1), 2, [2, 8], q('int8', 1));
    expect(run(g, [1.5, -0.25]).real[0]).toBe(1);
  });
});
