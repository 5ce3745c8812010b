/** Regression: a zero point the format cannot hold is refused by validation, not at run time. */
import { describe, expect, it } from 'vitest';
import { getOpDefinition } from '../../../src/graph/ops/registry.js';
import type { NodeOf } from '../../../src/graph/ir.js';

const node = (zeroPoint: number | number[]): NodeOf<'requantize'> => ({
  name: 'q',
  op: 'requantize',
  inputs: ['x'],
  outputs: ['y'],
  attrs: { to: { format: 'uint4', scale: 0.5, zeroPoint } },
});

describe('requantize zero points', () => {
  it('refuses a zero point outside the format (found by the registry fuzz test)', () => {
    const problems = getOpDefinition('requantize').validate(node(-1), [[1, 4]]);
    expect(problems.join('\n')).toContain('attrs.to.zeroPoint');
    expect(problems.join('\n')).toContain('uint4');
  });

  it('accepts representable zero points and runs', () => {
    const def = getOpDefinition('requantize');
    expect(def.validate(node(15), [[1, 4]])).toEqual([]);
    const y = def.reference(node(3), [{ shape: [1, 2], data: Float32Array.from([1, -1]) }]);
    // uint4, scale 0.5, zp 3: 1 → round(2)+3 = 5 → (5−3)·0.5 = 1; −1 → −2+3 = 1 → −1
    expect(Array.from(y[0]!.data)).toEqual([1, -1]);
  });
});

describe('requantize to binary (regression: 0 is its zero point though not one of its values)', () => {
  const bin = (zeroPoint: number): NodeOf<'requantize'> => ({
    name: 'q',
    op: 'requantize',
    inputs: ['x'],
    outputs: ['y'],
    attrs: { to: { format: 'binary', scale: 0.25, zeroPoint } },
  });
  it('accepts zero point 0 and maps to ±scale', () => {
    const def = getOpDefinition('requantize');
    expect(def.validate(bin(0), [[1, 3]])).toEqual([]);
    const y = def.reference(bin(0), [{ shape: [1, 3], data: Float32Array.from([3, -0.1, 0]) }]);
    expect(Array.from(y[0]!.data)).toEqual([0.25, -0.25, 0.25]);
  });
  it('refuses any other zero point', () => {
    expect(
      getOpDefinition('requantize')
        .validate(bin(1), [[1, 3]])
        .join('\n'),
    ).toContain('attrs.to.zeroPoint');
  });
});
