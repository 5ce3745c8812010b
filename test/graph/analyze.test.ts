import { describe, expect, it } from 'vitest';
import { analyzeGraph, runReference } from '../../src/graph/analyze.js';
import type { FloatTensor, TensorInfo } from '../../src/graph/ir.js';
import { InputError } from '../../src/units/errors.js';
import { conv, ft, gnode, graphOf, pool, tensorInfo } from './ops/helpers.js';

/** ResNet-18 stem + head, shrunk in the middle: conv7x7/2 → relu → maxpool3x3/2 → gap → flatten → fc. */
function stemGraph(extra: { declaredConvOut?: readonly number[] } = {}) {
  const tensors: TensorInfo[] = [
    tensorInfo('image', [1, 3, 224, 224], 'input'),
    tensorInfo('conv1.w', [64, 3, 7, 7], 'weight'),
    tensorInfo('conv1.b', [64], 'bias'),
    tensorInfo('fc.w', [64, 1000], 'weight'),
    tensorInfo('fc.b', [1000], 'bias'),
  ];
  if (extra.declaredConvOut) tensors.push(tensorInfo('c1', extra.declaredConvOut, 'activation'));
  return graphOf({
    inputs: ['image'],
    outputs: ['logits'],
    tensors,
    nodes: [
      gnode(
        'conv2d',
        'conv1',
        ['image', 'conv1.w', 'conv1.b'],
        'c1',
        conv({ outChannels: 64, kernel: [7, 7], stride: [2, 2], pads: [3, 3, 3, 3] }),
      ),
      gnode('relu', 'relu1', ['c1'], 'r1', {}),
      gnode('maxpool', 'pool1', ['r1'], 'p1', pool({ kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] })),
      gnode('globalavgpool', 'gap', ['p1'], 'g', {}),
      gnode('flatten', 'flat', ['g'], 'f', { axis: 1 }),
      gnode('dense', 'fc', ['f', 'fc.w', 'fc.b'], 'logits', { units: 1000 }),
    ],
  });
}

function issuesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('analyzeGraph', () => {
  it('infers shapes, MACs and params of a ResNet-18 stem and head', () => {
    const a = analyzeGraph(stemGraph());
    // conv1: floor((224 + 3 + 3 − 7)/2) + 1 = floor(223/2) + 1 = 112
    expect(a.shapes.get('c1')).toEqual([1, 64, 112, 112]);
    // maxpool: floor((112 + 1 + 1 − 3)/2) + 1 = 55 + 1 = 56
    expect(a.shapes.get('p1')).toEqual([1, 64, 56, 56]);
    expect(a.shapes.get('g')).toEqual([1, 64, 1, 1]);
    expect(a.shapes.get('f')).toEqual([1, 64]);
    expect(a.shapes.get('logits')).toEqual([1, 1000]);
    expect(a.layers.map((l) => l.name)).toEqual(['conv1', 'relu1', 'pool1', 'gap', 'flat', 'fc']);
    // conv1 MACs: 1·64·112·112·3·7·7 = 64 · 12544 · 147 = 118 013 952 (ResNet-18's published stem figure)
    expect(a.layers[0]!.macs).toBe(118_013_952);
    // params: 64·3·7·7 + 64 = 9408 + 64 = 9472
    expect(a.layers[0]!.params).toBe(9472);
    expect(a.layers[0]!.paramTensors).toEqual(['conv1.w', 'conv1.b']);
    expect(a.layers[0]!.inputShape).toEqual([1, 3, 224, 224]);
    expect(a.layers[0]!.outputShape).toEqual([1, 64, 112, 112]);
    // fc: 64·1000 MACs; params 64 000 + 1000
    expect(a.layers[5]!.macs).toBe(64_000);
    expect(a.layers[5]!.params).toBe(65_000);
    expect(a.layers.slice(1, 5).every((l) => l.macs === 0 && l.params === 0)).toBe(true);
    expect(a.totals).toEqual({ macs: 118_013_952 + 64_000, params: 9472 + 65_000 });
  });

  it('accepts a declared activation shape that matches and rejects one that does not', () => {
    expect(() => analyzeGraph(stemGraph({ declaredConvOut: [1, 64, 112, 112] }))).not.toThrow();
    expect(() => analyzeGraph(stemGraph({ declaredConvOut: [] }))).not.toThrow();
    const issues = issuesOf(() => analyzeGraph(stemGraph({ declaredConvOut: [1, 64, 111, 111] })));
    expect(issues).toEqual([
      'nodes[0] (conv1, conv2d).outputs[0]: got "c1" declared with shape [1,64,111,111]; expected shape [1,64,112,112] as inferred from the node\'s inputs',
    ]);
  });

  it('reports every problem at once, with node paths, and does not cascade', () => {
    const g = graphOf({
      inputs: ['x'],
      outputs: ['y', 'z'],
      tensors: [tensorInfo('x', [1, 4, 8, 8], 'input'), tensorInfo('w', [8, 3, 3, 3], 'weight')],
      nodes: [
        gnode('conv2d', 'c', ['x', 'w'], 'h', conv({ outChannels: 8, kernel: [0, 3] })),
        gnode('relu', 'r', ['h'], 'y', {}),
        gnode('relu', 'r2', ['nowhere'], 'z', {}),
        gnode('softmax', 's', ['x'], 'y2', { axis: 4 }),
      ],
    });
    expect(issuesOf(() => analyzeGraph(g))).toEqual([
      'nodes[0] (c, conv2d).attrs.kernel: got [0,3]; expected two positive integers [h, w]',
      'nodes[2] (r2, relu).inputs[0] (x): got "nowhere"; expected a graph input, a declared weight / bias / constant, or the output of an earlier node',
      'nodes[3] (s, softmax).attrs.axis: got 4; expected an integer axis in [-4, 3] for a rank-4 input',
    ]);
  });

  it('reports bad declared shapes, unknown ops, duplicate outputs and missing graph outputs', () => {
    const g = graphOf({
      inputs: ['x', 'ghost'],
      outputs: ['y', 'nope'],
      tensors: [tensorInfo('x', [1, 0, 8], 'input')],
      nodes: [gnode('relu', 'r', ['x'], 'y', {})],
    });
    expect(issuesOf(() => analyzeGraph(g))).toEqual([
      'tensors.x.shape: got [1,0,8]; expected a list of positive integer dims',
      'inputs[1]: got "ghost"; expected a tensor declared in tensors',
      'outputs[1]: got "nope"; expected a tensor produced by a node or a graph input',
    ]);
    const dup = graphOf({
      inputs: ['x'],
      outputs: ['y'],
      tensors: [tensorInfo('x', [2, 3], 'input')],
      nodes: [
        gnode('relu', 'a', ['x'], 'y', {}),
        gnode('relu', 'a', ['y'], 'y', {}),
        { name: 'q', op: 'bogus', inputs: ['x'], outputs: ['v'], attrs: {} } as never,
      ],
    });
    expect(issuesOf(() => analyzeGraph(dup))).toEqual([
      'nodes[1] (a, relu).name: got "a"; expected a node name used once',
      'nodes[1] (a, relu).outputs[0]: got "y"; expected a tensor name no other node, graph input or parameter already defines',
      'nodes[2] (q, bogus).op: got "bogus"; expected a known op',
    ]);
  });

  it('rejects declared data of the wrong length', () => {
    const g = graphOf({
      inputs: ['x'],
      outputs: ['y'],
      tensors: [tensorInfo('x', [1, 2], 'input'), tensorInfo('w', [2, 3], 'weight', new Float32Array(5))],
      nodes: [gnode('dense', 'd', ['x', 'w'], 'y', { units: 3 })],
    });
    expect(issuesOf(() => analyzeGraph(g))).toEqual([
      'tensors.w.data: got 5 values; expected 6 values for shape [2,3]',
    ]);
  });

  it('gives shared parameters to the first layer that reads them', () => {
    const g = graphOf({
      inputs: ['x'],
      outputs: ['z'],
      tensors: [tensorInfo('x', [2, 4], 'input'), tensorInfo('w', [4, 4], 'weight')],
      nodes: [
        gnode('dense', 'd1', ['x', 'w'], 'y', { units: 4 }),
        gnode('dense', 'd2', ['y', 'w'], 'z', { units: 4 }),
      ],
    });
    const a = analyzeGraph(g);
    expect(a.layers.map((l) => [l.params, l.paramTensors])).toEqual([
      [16, ['w']],
      [0, []],
    ]);
    // each: (8 elements / K 4) · 4 · 4 = 32
    expect(a.totals).toEqual({ macs: 64, params: 16 });
  });
});

describe('runReference', () => {
  it('runs a tiny dense → relu → add graph (hand-computed)', () => {
    // x = [1, -2]; W = [[1, 2], [3, 4]] (K=2 × units=2); b = [0.5, -10]
    // x·W = [1·1 + (−2)·3, 1·2 + (−2)·4] = [−5, −6]; + b = [−4.5, −16]; relu → [0, 0]
    // then add x: [1, −2]
    const g = graphOf({
      inputs: ['x'],
      outputs: ['out'],
      tensors: [
        tensorInfo('x', [1, 2], 'input'),
        tensorInfo('W', [2, 2], 'weight', Float32Array.from([1, 2, 3, 4])),
        tensorInfo('b', [2], 'bias'),
      ],
      nodes: [
        gnode('dense', 'fc', ['x', 'W', 'b'], 'h', { units: 2 }),
        gnode('relu', 'act', ['h'], 'r', {}),
        gnode('add', 'res', ['r', 'x'], 'out', {}),
      ],
    });
    const asked: string[] = [];
    const weights = (t: TensorInfo): FloatTensor => {
      asked.push(t.name);
      return ft(t.shape, [0.5, -10]);
    };
    const out = runReference(g, new Map([['x', ft([1, 2], [1, -2])]]), weights);
    expect(asked).toEqual(['b']);
    expect(Array.from(out.get('h')!.data)).toEqual([-4.5, -16]);
    expect(Array.from(out.get('out')!.data)).toEqual([1, -2]);
    expect(out.get('out')!.shape).toEqual([1, 2]);
    expect(out.has('W')).toBe(false);
  });

  it('rejects a missing or mis-shaped input and a mis-shaped generated weight', () => {
    const g = graphOf({
      inputs: ['x'],
      outputs: ['h'],
      tensors: [tensorInfo('x', [1, 2], 'input'), tensorInfo('W', [2, 3], 'weight')],
      nodes: [gnode('dense', 'fc', ['x', 'W'], 'h', { units: 3 })],
    });
    const w = (t: TensorInfo): FloatTensor => ft(t.shape, new Float32Array(6));
    expect(issuesOf(() => runReference(g, new Map(), w))).toEqual([
      'inputs.x: got (missing); expected a tensor of shape [1,2]',
    ]);
    expect(issuesOf(() => runReference(g, new Map([['x', ft([2, 1], [1, 2])]]), w))).toEqual([
      'inputs.x: got shape [2,1]; expected shape [1,2]',
    ]);
    expect(
      issuesOf(() =>
        runReference(g, new Map([['x', ft([1, 2], [1, 2])]]), () => ft([3, 2], new Float32Array(6))),
      ),
    ).toEqual(['weights(W): got shape [3,2]; expected shape [2,3]']);
  });
});
