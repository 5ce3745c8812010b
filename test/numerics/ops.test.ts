/**
 * Non-MAC ops in the executor: fused relu/clip and maxpool on codes, requantize of quantized
 * tensors, QLinearAdd-style add, layout ops moving stored values, the float path against the graph
 * reference kernels, and input / parameter handling. Expected values are worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { runReference } from '../../src/graph/analyze.js';
import type { FloatTensor, Graph, Node, QuantSpec, Shape } from '../../src/graph/ir.js';
import { executeGraph } from '../../src/numerics/execute.js';
import type { ExecOptions, ExecTensor } from '../../src/numerics/types.js';
import { InputError } from '../../src/units/errors.js';
import { Rng } from '../../src/units/index.js';
import { floatData, floatNet, graphOf, node, q, tensor } from './helpers.js';

/** One unary node x → y. */
function unary(
  n: Node,
  shape: Shape,
  xSpec: QuantSpec | undefined,
  ySpec: QuantSpec | undefined,
  yShape = shape,
) {
  return graphOf(
    [
      tensor('x', shape, { role: 'input', ...(xSpec ? { quant: xSpec } : {}) }),
      tensor('y', yShape, ySpec ? { quant: ySpec } : {}),
    ],
    [n],
    ['x'],
    ['y'],
  );
}

function runStored(g: Graph, x: readonly number[], options: ExecOptions = {}): ExecTensor {
  return executeGraph(g, new Map([['x', { stored: Float64Array.from(x) }]]), options).get('y')!;
}

describe('fused activations on codes', () => {
  it('relu: max(q, zp)', () => {
    const s = q('int8', 0.1, -5);
    const g = unary(node('r', 'relu', ['x'], ['y'], {}), [4], s, s);
    expect(Array.from(runStored(g, [-10, -5, 0, 127]).stored!)).toEqual([-5, -5, 0, 127]);
  });

  it('relu6 on uint8: 6 / 0.05 + 10 = 130 is the top code', () => {
    const s = q('uint8', 0.05, 10);
    const g = unary(node('r', 'relu6', ['x'], ['y'], {}), [5], s, s);
    expect(Array.from(runStored(g, [0, 10, 100, 140, 255]).stored!)).toEqual([10, 10, 100, 130, 130]);
  });

  it('clip with per-channel scales: bounds quantized per channel', () => {
    // channel 0 scale 1: [−1, round(1.3) = 1]; channel 1 scale 0.5: [−2, round(2.6) = 3]
    const s: QuantSpec = { format: 'int8', scale: [1, 0.5], zeroPoint: 0, axis: 1 };
    const g = unary(node('c', 'clip', ['x'], ['y'], { min: -1, max: 1.3 }), [1, 2, 2], s, s);
    expect(Array.from(runStored(g, [-5, 5, -5, 5]).stored!)).toEqual([-1, 1, -2, 3]);
  });

  it('a different output spec goes through float (dequantize, relu, quantize)', () => {
    // x int8 scale 0.5: [−4, 3] → [−2, 1.5] → relu [0, 1.5] → uint8 scale 0.25 → [0, 6]
    const g = unary(node('r', 'relu', ['x'], ['y'], {}), [2], q('int8', 0.5), q('uint8', 0.25));
    expect(Array.from(runStored(g, [-4, 3]).stored!)).toEqual([0, 6]);
  });
});

describe('maxpool on codes', () => {
  it('2×2 stride 2 picks the largest stored value per window', () => {
    const s = q('int8', 0.25, 7);
    const attrs = {
      kernel: [2, 2],
      stride: [2, 2],
      pads: [0, 0, 0, 0],
      ceilMode: false,
      countIncludePad: false,
    } as const;
    const g = unary(node('p', 'maxpool', ['x'], ['y'], attrs), [1, 1, 2, 4], s, s, [1, 1, 1, 2]);
    expect(Array.from(runStored(g, [-128, 3, 9, 100, -7, 2, 101, -1]).stored!)).toEqual([3, 101]);
  });
});

describe('requantize', () => {
  it('quantized int8 → int8: (q − zp_x)·M + zp_y, saturating', () => {
    // x scale 0.5 zp 3 → y scale 0.25 zp −1: M = 2; centred [0, 1, 7, −131] → [−1, 1, 13, −263 → −128]
    const to = q('int8', 0.25, -1);
    const g = unary(node('rq', 'requantize', ['x'], ['y'], { to }), [4], q('int8', 0.5, 3), to);
    expect(Array.from(runStored(g, [3, 4, 10, -128]).stored!)).toEqual([-1, 1, 13, -128]);
  });

  it('M rounded to float32 in float mode; fixed point with a short multiplier differs', () => {
    // x int16 scale 1 → y int16 scale 3: M = fp32(1/3); 3002 · M = 1000.67 → 1001
    // 4-bit multiplier: 1/3 = 0.667·2^−1 → m0 = round(0.667·8) = 5, shift 4: 3002·5/16 = 938.1 → 938
    const to = q('int16', 3);
    const g = unary(node('rq', 'requantize', ['x'], ['y'], { to }), [1], q('int16', 1), to);
    expect(runStored(g, [3002]).stored![0]).toBe(1001);
    expect(runStored(g, [3002], { requant: { mode: 'fixed-point', multiplierBits: 4 } }).stored![0]).toBe(
      938,
    );
  });

  it('fp8 → int8 goes through real values: QuantizeLinear(DequantizeLinear(x))', () => {
    // e4m3fn 1.75 · 2 = 3.5 → /0.5 = 7; −448·2 = −896 → −1792 → −128
    const to = q('int8', 0.5);
    const g = unary(node('rq', 'requantize', ['x'], ['y'], { to }), [2], q('fp8-e4m3fn', 2), to);
    expect(Array.from(runStored(g, [1.75, -448]).stored!)).toEqual([7, -128]);
  });
});

describe('add with quantized inputs and output (QLinearAdd)', () => {
  it('dequantizes, adds in float, quantizes the output', () => {
    // a int8 scale 0.5: [2, 4] → [1, 2]; b uint8 scale 0.25 zp 128: [132, 120] → [1, −2]
    // sum [2, 0] → int8 scale 0.1: fp32(2 / 0.1) = 20, 0
    const g = graphOf(
      [
        tensor('x', [2], { role: 'input', quant: q('int8', 0.5) }),
        tensor('b', [2], { role: 'constant', quant: q('uint8', 0.25, 128), stored: [132, 120] }),
        tensor('y', [2], { quant: q('int8', 0.1) }),
      ],
      [node('add', 'add', ['x', 'b'], ['y'], {})],
      ['x'],
      ['y'],
    );
    expect(Array.from(runStored(g, [2, 4]).stored!)).toEqual([20, 0]);
  });
});

describe('layout ops move stored values', () => {
  it('transpose, flatten and concat with equal specs keep the codes (int32 codes beyond float32)', () => {
    // int32 codes above 2^24 would not survive a trip through float32 real values
    const s = q('int32', 1e-6);
    const big = [16777217, -16777219, 3, 2 ** 30 + 1, 5, 6];
    const g = graphOf(
      [
        tensor('x', [1, 2, 3], { role: 'input', quant: s }),
        tensor('t', [1, 3, 2], { quant: s }),
        tensor('f', [1, 6], { quant: s }),
        tensor('y', [1, 12], { quant: s }),
      ],
      [
        node('tr', 'transpose', ['x'], ['t'], { perm: [0, 2, 1] }),
        node('fl', 'flatten', ['t'], ['f'], { axis: 1 }),
        node('cat', 'concat', ['f', 'f'], ['y'], { axis: 1 }),
      ],
      ['x'],
      ['y'],
    );
    const t = [16777217, 2 ** 30 + 1, -16777219, 5, 3, 6];
    expect(Array.from(runStored(g, big).stored!)).toEqual([...t, ...t]);
  });

  it('per-channel transpose that moves the channel axis is requantized through float', () => {
    // scales [1, 2] on axis 1 of [1, 2, 1]; transpose to [1, 1, 2] with the output per tensor 1:
    // real [3·1, 3·2] = [3, 6] → codes [3, 6]
    const g = unary(
      node('tr', 'transpose', ['x'], ['y'], { perm: [0, 2, 1] }),
      [1, 2, 1],
      { format: 'int8', scale: [1, 2], zeroPoint: 0, axis: 1 },
      q('int8', 1),
      [1, 1, 2],
    );
    expect(Array.from(runStored(g, [3, 3]).stored!)).toEqual([3, 6]);
  });
});

// ---- float path ---------------------------------------------------------------------------------

describe('float path', () => {
  it('an unquantized graph gives the graph reference kernels bit for bit, every tensor', () => {
    const g = floatNet();
    const x = floatData(new Rng(11), 3 * 64);
    const ours = executeGraph(g, new Map([['x', { real: x }]]), { keep: 'all' });
    const ref = runReference(
      g,
      new Map<string, FloatTensor>([['x', { shape: [1, 3, 8, 8], data: x }]]),
      () => {
        throw new Error('every parameter has data');
      },
    );
    expect([...ours.keys()].sort()).toEqual([...ref.keys()].sort());
    for (const [name, t] of ref) {
      const got = ours.get(name)!;
      expect(got.stored, name).toBeUndefined();
      expect(got.shape, name).toEqual(t.shape);
      expect(Array.from(got.real), name).toEqual(Array.from(t.data));
    }
  });
});

describe('inputs and parameters', () => {
  const s = q('int8', 0.5, 1);
  const g = unary(node('r', 'relu', ['x'], ['y'], {}), [3], s, s);

  it('real inputs of a quantized tensor are quantized with its spec (QuantizeLinear)', () => {
    // [−1, 0.74, 100] / 0.5 = [−2, 1.48, 200] → round + 1 → [−1, 2, 127 (saturated)] → relu → [1, 2, 127]
    const y = executeGraph(g, new Map([['x', { real: Float32Array.from([-1, 0.74, 100]) }]])).get('y')!;
    expect(Array.from(y.stored!)).toEqual([1, 2, 127]);
    expect(Array.from(y.real)).toEqual([0, 0.5, 63]);
  });

  it('rejects stored values off the grid, missing inputs and shape-only parameters', () => {
    expect(() => runStored(g, [0.5, 0, 0])).toThrow(InputError);
    expect(() => executeGraph(g, new Map())).toThrow(/inputs\.x/);
    const shapeOnly = graphOf(
      [
        tensor('x', [1, 2], { role: 'input', quant: q('int8', 1) }),
        tensor('w', [2, 1], { role: 'weight', quant: q('int8', 1) }),
        tensor('y', [1, 1]),
      ],
      [node('fc', 'dense', ['x', 'w'], ['y'], { units: 1 })],
      ['x'],
      ['y'],
    );
    expect(() => runStored(shapeOnly, [1, 2])).toThrow(/tensors\.w/);
    // options.params supplies them: 1·3 + 2·4 = 11
    const y = runStored(shapeOnly, [1, 2], { params: () => ({ stored: Float64Array.from([3, 4]) }) });
    expect(y.real[0]).toBe(11);
  });
});
