import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elementCount, OP_TYPES, type NodeOf, type OpType, type Shape } from '../../../src/graph/ir.js';
import { getOpDefinition, OPS } from '../../../src/graph/ops/registry.js';
import { randomTensor } from './helpers.js';

const smallInt = fc.integer({ min: -2, max: 5 });
const attrValue = fc.oneof(
  smallInt,
  fc.boolean(),
  fc.constantFrom(NaN, Infinity, 0.5, 1e-5),
  fc.array(smallInt, { maxLength: 5 }),
  fc.constant(null),
  fc.string({ maxLength: 3 }),
);
const ATTR_KEYS = [
  'outChannels',
  'kernel',
  'stride',
  'pads',
  'dilation',
  'groups',
  'units',
  'transB',
  'ceilMode',
  'countIncludePad',
  'axis',
  'min',
  'max',
  'epsilon',
  'size',
  'alpha',
  'beta',
  'bias',
  'shape',
  'perm',
];
const attrsArb = fc.oneof(
  fc.dictionary(fc.constantFrom(...ATTR_KEYS), attrValue),
  fc.anything(),
  fc.record({
    to: fc.oneof(
      fc.anything(),
      fc.record({
        format: fc.constantFrom('int8', 'uint4', 'bogus'),
        scale: attrValue,
        zeroPoint: attrValue,
        axis: attrValue,
      }),
    ),
  }),
);
const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 });

const dim = fc.integer({ min: 1, max: 5 });
const pair = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }));
const pads = fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2));
const x4 = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), dim, dim);

interface Plausible {
  op: OpType;
  attrs: unknown;
  shapes: Shape[];
}

/** Well-typed attrs and mostly consistent shapes, so that validation often passes. */
const plausibleNode: fc.Arbitrary<Plausible> = fc.oneof(
  fc
    .record({
      x: x4,
      oc: fc.integer({ min: 1, max: 4 }),
      k: pair,
      s: pair,
      p: pads,
      d: pair,
      g: fc.integer({ min: 1, max: 2 }),
      bias: fc.boolean(),
    })
    .map(({ x, oc, k, s, p, d, g, bias }) => ({
      op: 'conv2d' as const,
      attrs: { outChannels: oc * g, kernel: k, stride: s, pads: p, dilation: d, groups: g },
      shapes: [x, [oc * g, Math.max(1, Math.floor(x[1] / g)), k[0], k[1]], ...(bias ? [[oc * g]] : [])],
    })),
  fc
    .record({ x: x4, k: pair, s: pair, p: pads, ceil: fc.boolean(), inc: fc.boolean(), max: fc.boolean() })
    .map(({ x, k, s, p, ceil, inc, max }) => ({
      op: max ? ('maxpool' as const) : ('avgpool' as const),
      attrs: { kernel: k, stride: s, pads: p, ceilMode: ceil, countIncludePad: inc },
      shapes: [x],
    })),
  fc.record({ lead: fc.array(dim, { maxLength: 2 }), k: dim, u: dim }).map(({ lead, k, u }) => ({
    op: 'dense' as const,
    attrs: { units: u },
    shapes: [[...lead, k], [k, u], [u]],
  })),
  fc
    .record({
      ba: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }),
      bb: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }),
      m: dim,
      k: dim,
      n: dim,
      t: fc.boolean(),
    })
    .map(({ ba, bb, m, k, n, t }) => ({
      op: 'matmul' as const,
      attrs: { transB: t },
      shapes: [[...ba, m, k], t ? [...bb, n, k] : [...bb, k, n]],
    })),
  fc
    .record({
      x: fc.array(dim, { minLength: 1, maxLength: 4 }),
      axis: fc.integer({ min: -4, max: 4 }),
      op: fc.constantFrom('softmax' as const, 'concat' as const, 'flatten' as const),
    })
    .map(({ x, axis, op }) => ({ op, attrs: { axis }, shapes: op === 'concat' ? [x, x] : [x] })),
  fc.record({ x: x4, eps: fc.constantFrom(0.001, 1e-5) }).map(({ x, eps }) => ({
    op: 'batchnorm' as const,
    attrs: { epsilon: eps },
    shapes: [x, [x[1]], [x[1]], [x[1]], [x[1]]],
  })),
  fc
    .record({ x: fc.array(dim, { minLength: 1, maxLength: 4 }), axis: fc.integer({ min: -2, max: 2 }) })
    .map(({ x, axis }) => {
      const a = axis < 0 ? Math.max(0, x.length + axis) : Math.min(axis, x.length - 1);
      return {
        op: 'layernorm' as const,
        attrs: { axis, epsilon: 1e-5 },
        shapes: [x, x.slice(a), x.slice(a)],
      };
    }),
  fc.record({ x: x4, size: fc.integer({ min: 1, max: 6 }) }).map(({ x, size }) => ({
    op: 'lrn' as const,
    attrs: { size, alpha: 1e-3, beta: 0.75, bias: 1 },
    shapes: [x],
  })),
  fc
    .record({
      x: fc.array(dim, { minLength: 1, maxLength: 4 }),
      target: fc.array(fc.integer({ min: -1, max: 6 }), { minLength: 1, maxLength: 4 }),
    })
    .map(({ x, target }) => ({
      op: 'reshape' as const,
      attrs: { shape: target },
      shapes: [x],
    })),
  fc
    .record({ x: fc.array(dim, { minLength: 1, maxLength: 4 }), perm: fc.array(fc.nat(3), { maxLength: 4 }) })
    .map(({ x, perm }) => ({
      op: 'transpose' as const,
      attrs: { perm },
      shapes: [x],
    })),
  fc
    .record({
      a: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
      b: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
      mul: fc.boolean(),
    })
    .map(({ a, b, mul }) => ({
      op: mul ? ('mul' as const) : ('add' as const),
      attrs: {},
      shapes: [a, b],
    })),
);

describe('op registry', () => {
  it('has one definition per op, keyed by its own name', () => {
    expect(Object.keys(OPS).sort()).toEqual([...OP_TYPES].sort());
    for (const op of OP_TYPES) expect(getOpDefinition(op).op).toBe(op);
  });

  it('validate never throws on garbage; when it accepts, shapes are positive and the kernel agrees', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OP_TYPES),
        attrsArb,
        fc.array(shapeArb, { maxLength: 5 }),
        fc.nat(),
        (op, attrs, shapes, seed) => {
          const def = getOpDefinition(op);
          const n = {
            name: 'n',
            op,
            inputs: shapes.map((_, i) => `t${i}`),
            outputs: ['y'],
            attrs,
          } as unknown as NodeOf<OpType>;
          const problems = def.validate(n, shapes);
          expect(
            problems.every((p) => typeof p === 'string' && p.includes(': got ') && p.includes('; expected ')),
          ).toBe(true);
          if (problems.length > 0) return;
          const out = def.inferShapes(n, shapes);
          for (const s of out) expect(s.every((d) => Number.isInteger(d) && d > 0)).toBe(true);
          const macs = def.macs(n, shapes, out);
          expect(Number.isInteger(macs) && macs >= 0).toBe(true);
          if (shapes.reduce((t, s) => t + elementCount(s), 0) > 4096) return;
          const inputs = shapes.map((s: Shape, i) => randomTensor(s, seed + i));
          const ys = def.reference(n, inputs);
          expect(ys.map((y) => y.shape)).toEqual(out);
          for (const y of ys) expect(y.data.length).toBe(elementCount(y.shape));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('plausible nodes: accepted ones infer positive shapes and run to finite outputs of those shapes', () => {
    let accepted = 0;
    fc.assert(
      fc.property(plausibleNode, fc.nat(), ({ op, attrs, shapes }, seed) => {
        const def = getOpDefinition(op);
        const n = {
          name: 'n',
          op,
          inputs: shapes.map((_, i) => `t${i}`),
          outputs: ['y'],
          attrs,
        } as unknown as NodeOf<OpType>;
        if (def.validate(n, shapes).length > 0) return;
        accepted++;
        const out = def.inferShapes(n, shapes);
        for (const s of out) expect(s.every((d) => Number.isInteger(d) && d > 0)).toBe(true);
        const ys = def.reference(
          n,
          shapes.map((s, i) => randomTensor(s, seed + i)),
        );
        expect(ys.map((y) => y.shape)).toEqual(out);
        // (batchnorm's random "variance" may be negative, giving NaN by definition)
        if (op !== 'batchnorm') for (const y of ys) expect(y.data.every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it('rejects zero and negative input dims before looking at attrs', () => {
    const n = { name: 'n', op: 'relu', inputs: ['x'], outputs: ['y'], attrs: {} } as NodeOf<'relu'>;
    expect(getOpDefinition('relu').validate(n, [[2, -1]])).toEqual([
      'inputs[0] (x): got shape [2,-1]; expected a shape of positive integer dims',
    ]);
    expect(
      getOpDefinition('relu').validate({ ...n, attrs: null } as unknown as NodeOf<'relu'>, [[2]]),
    ).toEqual(['attrs: got null; expected an object']);
  });
});
