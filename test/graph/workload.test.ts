import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../src/graph/analyze.js';
import type { Graph } from '../../src/graph/ir.js';
import {
  buildWorkload,
  evaluateIntExpression,
  listZoo,
  loadWorkload,
  parseWorkload,
  workloadToJson,
  WORKLOAD_FORMAT,
} from '../../src/graph/workload.js';
import { InputError } from '../../src/units/errors.js';

type Doc = Record<string, unknown>;

function base(extra: Doc = {}): Doc {
  return {
    format: WORKLOAD_FORMAT,
    id: 'tiny',
    inputs: [{ name: 'x', shape: [1, 3, 8, 8] }],
    layers: [
      {
        name: 'conv',
        op: 'conv2d',
        inputs: ['x'],
        attrs: { outChannels: 4, kernel: [3, 3], pads: [1, 1, 1, 1] },
        bias: false,
      },
      { name: 'bn', op: 'batchnorm', inputs: ['conv'] },
      { name: 'act', op: 'relu', inputs: ['bn'] },
      { name: 'gap', op: 'globalavgpool', inputs: ['act'] },
      { name: 'flat', op: 'flatten', inputs: ['gap'] },
      { name: 'fc', op: 'dense', inputs: ['flat'], attrs: { units: 10 } },
    ],
    outputs: ['fc'],
    ...extra,
  };
}

function build(doc: Doc, overrides: Record<string, string> = {}, opts: { batch?: number } = {}): Graph {
  return parseWorkload(JSON.stringify(doc), 'tiny.json', overrides, opts);
}

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

/** The single issue at `path` (fails when there is not exactly one). */
function issueAt(e: InputError, path: string): { value: string; expected: string } {
  const found = e.issues.filter((i) => i.path === path);
  expect(found, `issues: ${e.message}`).toHaveLength(1);
  expect(found[0]!.file).toBe('tiny.json');
  return found[0]!;
}

function withLayer(i: number, patch: Doc): Doc {
  const doc = base();
  const layers = [...(doc.layers as Doc[])];
  layers[i] = { ...layers[i], ...patch };
  return { ...doc, layers };
}

describe('integer expressions', () => {
  const vars = new Map<string, number | string>([
    ['seq', 128],
    ['ctx', 7],
    ['phase', 'decode'],
  ]);
  const value = (t: string): number => {
    const r = evaluateIntExpression(t, vars);
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  const error = (t: string): string => {
    const r = evaluateIntExpression(t, vars);
    if (r.ok) throw new Error(`expected an error for ${t}`);
    return r.error;
  };

  it('evaluates literals, names, precedence, parentheses and unary minus', () => {
    expect(value('42')).toBe(42);
    expect(value('seq')).toBe(128);
    expect(value('ctx+1')).toBe(8);
    expect(value('seq*12')).toBe(1536);
    expect(value(' 2 + 3 * 4 ')).toBe(14);
    expect(value('(2 + 3) * 4')).toBe(20);
    expect(value('-1')).toBe(-1);
    expect(value('--seq')).toBe(128);
    expect(value('seq - ctx - 1')).toBe(120);
  });

  it('divides integers rounding toward minus infinity', () => {
    expect(value('seq / 3')).toBe(42);
    expect(value('ctx / 2')).toBe(3);
    expect(value('-7 / 2')).toBe(-4);
    expect(value('(ctx + 1) / 2 * 2')).toBe(8);
  });

  it('rejects bad input with a reason', () => {
    expect(error('seq / (ctx - 7)')).toBe('division by zero');
    expect(error('len')).toContain('unknown name len (numeric params: seq, ctx)');
    expect(error('phase + 1')).toContain('param phase is not numeric');
    expect(error('seq ** 2')).toContain('unexpected "*"');
    expect(error('seq 2')).toContain('unexpected 2');
    expect(error('(seq + 1')).toContain('missing )');
    expect(error('seq; 1')).toContain('unexpected character ";"');
    expect(error('2.5')).toContain('unexpected character "."');
    expect(error('')).toBe('empty expression');
    expect(error('99999999999 * 99999999999')).toContain('safe integer');
    expect(error('1+'.repeat(200) + '1')).toContain('longer than');
    expect(error('('.repeat(40) + '1' + ')'.repeat(40))).toContain('nested too deeply');
  });
});

describe('layer tables: building the graph', () => {
  it('creates implicit weights from input channels, fills attr defaults, keeps order', () => {
    const g = build(base());
    expect(g.name).toBe('tiny');
    expect(g.inputs).toEqual(['x']);
    expect(g.outputs).toEqual(['fc']);
    expect(g.nodes.map((n) => n.name)).toEqual(['conv', 'bn', 'act', 'gap', 'flat', 'fc']);
    const conv = g.nodes[0]!;
    expect(conv.inputs).toEqual(['x', 'conv.weight']);
    expect(conv.attrs).toEqual({
      outChannels: 4,
      kernel: [3, 3],
      stride: [1, 1],
      pads: [1, 1, 1, 1],
      dilation: [1, 1],
      groups: 1,
    });
    expect(g.tensors.get('conv.weight')).toEqual({
      name: 'conv.weight',
      shape: [4, 3, 3, 3],
      role: 'weight',
      dtype: 'float32',
    });
    expect(g.nodes[1]!.inputs).toEqual(['conv', 'bn.gamma', 'bn.beta', 'bn.mean', 'bn.var']);
    expect(g.tensors.get('bn.beta')?.role).toBe('bias');
    expect(g.tensors.get('bn.mean')?.role).toBe('constant');
    // dense: bias by default (as PyTorch), weight [K, units]
    expect(g.nodes[5]!.inputs).toEqual(['flat', 'fc.weight', 'fc.bias']);
    expect(g.tensors.get('fc.weight')?.shape).toEqual([4, 10]);
    expect(g.tensors.get('fc')?.shape).toEqual([1, 10]);
    expect(g.quant).toEqual({
      weights: 'int8',
      activations: 'int8',
      accumulator: 'int32',
      granularity: 'per-channel',
    });
    expect(analyzeGraph(g).totals.macs).toBe(8 * 8 * 4 * 27 + 40);
  });

  it('accepts k, [h, w] and [p] / [ph, pw] / [t, l, b, r] shorthands and grouped / depthwise convs', () => {
    const g = build(
      withLayer(0, { attrs: { outChannels: 6, kernel: 3, stride: 2, pads: [1, 0], groups: 3 } }),
    );
    expect(g.nodes[0]!.attrs).toMatchObject({
      kernel: [3, 3],
      stride: [2, 2],
      pads: [1, 0, 1, 0],
      groups: 3,
    });
    expect(g.tensors.get('conv.weight')?.shape).toEqual([6, 1, 3, 3]);
    expect(g.tensors.get('conv')?.shape).toEqual([1, 6, 4, 3]);
  });

  it('reads YAML as well as JSON', () => {
    const yaml = [
      `format: ${WORKLOAD_FORMAT}`,
      'id: y',
      'params: { n: { default: 16, min: 1 } }',
      'inputs:',
      '  - { name: a, shape: [1, n, 32] }',
      'layers:',
      '  - name: ln',
      '    op: layernorm',
      '    inputs: [a]',
      '  - { name: proj, op: dense, inputs: [ln], attrs: { units: n*2 }, bias: false }',
      'outputs: [proj]',
    ].join('\n');
    const g = parseWorkload(yaml, 'y.yaml', { n: '4' });
    expect(g.tensors.get('ln.gamma')?.shape).toEqual([32]);
    expect(g.tensors.get('proj')?.shape).toEqual([1, 4, 8]);
    expect(g.nodes[1]!.inputs).toEqual(['ln', 'proj.weight']);
  });

  it('turns constants into tensors (filled when a value is given, shape-only otherwise)', () => {
    const g = build(
      base({
        constants: [
          { name: 'half', shape: [1], value: 0.5 },
          { name: 'noise', shape: [1, 4, 8, 8] },
        ],
        layers: [
          ...(base().layers as Doc[]).slice(0, 1),
          { name: 'scaled', op: 'mul', inputs: ['conv', 'half'] },
          { name: 'noisy', op: 'add', inputs: ['scaled', 'noise'] },
        ],
        outputs: ['noisy'],
      }),
    );
    expect(g.tensors.get('half')?.role).toBe('constant');
    expect([...(g.tensors.get('half')?.data ?? [])]).toEqual([0.5]);
    expect(g.tensors.get('noise')?.data).toBeUndefined();
    expect(g.tensors.get('noisy')?.shape).toEqual([1, 4, 8, 8]);
  });

  it('defaults outputs to the last layer and id to the file name', () => {
    const doc = base();
    delete doc.outputs;
    delete doc.id;
    const g = build(doc);
    expect(g.outputs).toEqual(['fc']);
    expect(g.name).toBe('tiny');
  });

  it('scales the leading dim of every input with the batch option', () => {
    const g = build(base(), {}, { batch: 4 });
    expect(g.tensors.get('x')?.shape).toEqual([4, 3, 8, 8]);
    expect(g.tensors.get('fc')?.shape).toEqual([4, 10]);
    const e = inputError(() => build(base(), {}, { batch: 0 }));
    expect(issueAt(e, 'batch (option)').expected).toBe('a positive integer');
  });
});

describe('layer tables: params and when', () => {
  const seqDoc = (): Doc => ({
    format: WORKLOAD_FORMAT,
    id: 'p',
    params: {
      seq: { default: 8, min: 1, max: 64, description: 'tokens' },
      phase: { default: 'prefill', values: ['prefill', 'decode'] },
      blocks: { default: 2, min: 1, max: 3 },
    },
    inputs: [
      { name: 'x', shape: [1, 'seq', 16], when: { phase: 'prefill' } },
      { name: 'x', shape: [1, 1, 16], when: { phase: 'decode' } },
      { name: 'past', shape: [1, 'seq', 16], when: { phase: 'decode' } },
    ],
    layers: [
      { name: 'h0', op: 'dense', inputs: ['x'], attrs: { units: 'seq*2' } },
      { name: 'h1', op: 'dense', inputs: ['h0'], attrs: { units: 16 }, when: { blocks: '>= 2' } },
      { name: 'h2', op: 'dense', inputs: ['h1'], attrs: { units: 16 }, when: { blocks: 3 } },
      {
        name: 'all',
        op: 'concat',
        inputs: ['past', 'h1'],
        attrs: { axis: 1 },
        when: { phase: 'decode', blocks: '> 1' },
      },
    ],
    outputs: [
      { name: 'h0', when: { blocks: 1 } },
      { name: 'h1', when: { blocks: 2 } },
      { name: 'h2', when: { blocks: 3 } },
      { name: 'all', when: { phase: 'decode' } },
    ],
  });

  it('uses defaults, and overrides change shapes, attrs and the layers included', () => {
    const g = build(seqDoc());
    expect(g.tensors.get('x')?.shape).toEqual([1, 8, 16]);
    expect(g.tensors.get('h0')?.shape).toEqual([1, 8, 16]);
    expect(g.nodes.map((n) => n.name)).toEqual(['h0', 'h1']);
    expect(g.outputs).toEqual(['h1']);

    const g2 = build(seqDoc(), { seq: '20', blocks: '3' });
    expect(g2.tensors.get('h0')?.shape).toEqual([1, 20, 40]);
    expect(g2.nodes.map((n) => n.name)).toEqual(['h0', 'h1', 'h2']);
    expect(g2.outputs).toEqual(['h2']);

    const g3 = build(seqDoc(), { phase: 'decode', seq: '5' });
    expect(g3.inputs).toEqual(['x', 'past']);
    expect(g3.tensors.get('x')?.shape).toEqual([1, 1, 16]);
    expect(g3.tensors.get('all')?.shape).toEqual([1, 6, 16]);
    expect(g3.outputs).toEqual(['h1', 'all']);

    const g4 = build(seqDoc(), { blocks: '1' });
    expect(g4.nodes.map((n) => n.name)).toEqual(['h0']);
  });

  it('rejects unknown, ill-typed and out-of-range overrides, all at once', () => {
    const e = inputError(() => build(seqDoc(), { seq: '0', phase: 'train', blocks: '2.5', heads: '4' }));
    expect(issueAt(e, 'params.seq (override)')).toEqual(
      expect.objectContaining({ value: '"0"', expected: 'an integer within [1, 64]' }),
    );
    expect(issueAt(e, 'params.phase (override)').expected).toBe('one of: prefill, decode');
    expect(issueAt(e, 'params.blocks (override)').expected).toBe('an integer within [1, 3]');
    expect(issueAt(e, 'params.heads (override)').expected).toBe(
      'a param of this workload: seq, phase, blocks',
    );
    expect(e.issues).toHaveLength(4);
  });

  it('names a tensor that is excluded by its when when a present layer needs it', () => {
    const doc = seqDoc();
    const layers = [...(doc.layers as Doc[]), { name: 'bad', op: 'relu', inputs: ['h2'] }];
    const e = inputError(() => build({ ...doc, layers }));
    expect(issueAt(e, 'layers[4].inputs[0]').expected).toContain('layers[2] is excluded by its when');
  });

  it('validates when conditions and param declarations', () => {
    const doc = seqDoc();
    const layers = [
      ...(doc.layers as Doc[]),
      { name: 'w1', op: 'relu', inputs: ['h0'], when: { phase: 'train' } },
      { name: 'w2', op: 'relu', inputs: ['h0'], when: { size: 3 } },
      { name: 'w3', op: 'relu', inputs: ['h0'], when: { blocks: '=> 2' } },
      { name: 'w4', op: 'relu', inputs: ['h0'], when: 'decode' },
    ];
    const params = {
      ...(doc.params as Doc),
      bad: { default: 5, min: 6 },
      worse: { default: 'a', values: ['b'] },
      'no-dash': { default: 1 },
      floaty: { default: 1.5 },
    };
    const e = inputError(() => build({ ...doc, layers, params }));
    expect(issueAt(e, 'layers[4].when.phase').expected).toBe("one of the param's values: prefill, decode");
    expect(issueAt(e, 'layers[5].when.size').expected).toContain('a declared param: seq, phase, blocks');
    expect(issueAt(e, 'layers[6].when.blocks').expected).toContain('comparison');
    expect(issueAt(e, 'layers[7].when').expected).toContain('a non-empty object');
    expect(issueAt(e, 'params.bad.default').expected).toBe('a value within [6, ∞]');
    expect(issueAt(e, 'params.worse.default').expected).toBe("one of the param's values: b");
    expect(issueAt(e, 'params.no-dash').expected).toContain('letters, digits and _');
    expect(issueAt(e, 'params.floaty.default').expected).toBe('an integer');
  });

  it('reports a bad expression in a shape or an attr with the reason', () => {
    const doc = seqDoc();
    const inputs = [{ name: 'x', shape: [1, 'sq', 16] }];
    const layers = [{ name: 'h0', op: 'dense', inputs: ['x'], attrs: { units: 'seq-8' } }];
    const e = inputError(() => build({ ...doc, inputs, layers, outputs: ['h0'] }));
    expect(issueAt(e, 'inputs[0].shape[1]').expected).toContain('unknown name sq');
    expect(issueAt(e, 'layers[0].attrs.units')).toEqual(
      expect.objectContaining({ value: '"seq-8" = 0', expected: 'an integer ≥ 1' }),
    );
  });
});

describe('layer tables: every bad input is reported clearly', () => {
  it('malformed JSON: the parser line and column', () => {
    const e = inputError(() =>
      parseWorkload('{\n  "format": "bitcycle-workload/1",\n  "layers": [ { "name": "a", }\n', 'tiny.json'),
    );
    expect(e.issues[0]!.path).toMatch(/^line \d+, column \d+$/);
    expect(e.issues[0]!.expected).toBe('well-formed JSON or YAML');
    expect(e.issues[0]!.file).toBe('tiny.json');
  });

  it('malformed YAML and duplicate keys', () => {
    const e = inputError(() => parseWorkload('format: x\nformat: y\n', 'tiny.json'));
    expect(e.issues[0]!.path).toBe('line 2, column 1');
    expect(e.issues[0]!.value).toContain('unique');
  });

  it('a document that is not an object', () => {
    const e = inputError(() => parseWorkload('[1, 2]', 'tiny.json'));
    expect(issueAt(e, '(document)').expected).toContain('a workload object');
  });

  it('wrong format tag and unknown top-level keys', () => {
    const e = inputError(() => build(base({ format: 'bitcycle-workload/2', layer: [] })));
    expect(issueAt(e, 'format')).toEqual(
      expect.objectContaining({ value: '"bitcycle-workload/2"', expected: '"bitcycle-workload/1"' }),
    );
    expect(issueAt(e, 'layer').expected).toContain('one of: format, id');
  });

  it('an unknown op lists the valid ones', () => {
    const e = inputError(() => build(withLayer(2, { op: 'leakyrelu' })));
    const i = issueAt(e, 'layers[2].op');
    expect(i.value).toBe('"leakyrelu"');
    expect(i.expected).toContain('one of the ops: conv2d, dense, matmul');
    expect(i.expected).toContain('requantize');
  });

  it('unknown attr keys and missing required attrs', () => {
    const e = inputError(() => build(withLayer(0, { attrs: { outChannels: 4, kernal: [3, 3] } })));
    expect(issueAt(e, 'layers[0].attrs.kernal').expected).toBe(
      'an attr of conv2d: outChannels, kernel, stride, pads, dilation, groups',
    );
    expect(issueAt(e, 'layers[0].attrs.kernel')).toEqual(
      expect.objectContaining({ value: '(missing)', expected: 'a value (conv2d requires kernel)' }),
    );
    const e2 = inputError(() => build(withLayer(2, { attrs: { slope: 0.1 } })));
    expect(issueAt(e2, 'layers[2].attrs.slope').expected).toBe('no attrs (relu takes none)');
  });

  it('zero and negative dimensions, in shapes and attrs', () => {
    const doc = withLayer(0, { attrs: { outChannels: 0, kernel: [3, -1] } });
    const e = inputError(() => build({ ...doc, inputs: [{ name: 'x', shape: [1, 0, 8, -8] }] }));
    expect(issueAt(e, 'inputs[0].shape[1]').expected).toContain('a positive integer dimension');
    expect(issueAt(e, 'inputs[0].shape[3]').value).toBe('-8');
    expect(issueAt(e, 'layers[0].attrs.outChannels').expected).toBe('an integer ≥ 1');
    expect(issueAt(e, 'layers[0].attrs.kernel[1]').expected).toBe('an integer ≥ 1');
  });

  it('ill-typed values', () => {
    const e = inputError(() =>
      build(withLayer(0, { attrs: { outChannels: 4, kernel: 'three', pads: [1, 1, 1] }, bias: 'no' })),
    );
    expect(issueAt(e, 'layers[0].attrs.kernel').expected).toContain('integer expression');
    expect(issueAt(e, 'layers[0].attrs.pads').expected).toBe(
      'p, [h, w] or [top, left, bottom, right] of non-negative integers',
    );
    expect(issueAt(e, 'layers[0].bias').expected).toBe('true or false');
  });

  it('a dangling input name', () => {
    const e = inputError(() => build(withLayer(2, { inputs: ['bnn'] })));
    expect(issueAt(e, 'layers[2].inputs[0]')).toEqual(
      expect.objectContaining({
        value: '"bnn"',
        expected: 'the name of a graph input, a constant or an earlier layer',
      }),
    );
    // layers depending on the broken one are not reported again
    expect(e.issues).toHaveLength(1);
  });

  it('an input that is only defined later (layers must be in topological order)', () => {
    const e = inputError(() => build(withLayer(1, { inputs: ['act'] })));
    expect(issueAt(e, 'layers[1].inputs[0]').expected).toContain(
      'act is layers[2]; list layers in topological order',
    );
  });

  it('duplicate layer names, and names clashing with inputs or implicit weights', () => {
    const doc = base();
    const layers = [
      ...(doc.layers as Doc[]),
      { name: 'act', op: 'relu', inputs: ['fc'] },
      { name: 'conv.weight', op: 'relu', inputs: ['fc'] },
      { name: 'x', op: 'relu', inputs: ['fc'] },
    ];
    const e = inputError(() => build({ ...doc, layers }));
    expect(issueAt(e, 'layers[6].name').expected).toBe(
      'a unique tensor name (already defined by layers[2].name)',
    );
    expect(issueAt(e, 'layers[7].name').expected).toContain(
      'already defined by layers[0] (implicit weight of conv)',
    );
    expect(issueAt(e, 'layers[8].name').expected).toContain('already defined by inputs[0].name');
  });

  it('the wrong number of listed inputs (weights are implicit)', () => {
    const e = inputError(() => build(withLayer(0, { inputs: ['x', 'w'] })));
    expect(issueAt(e, 'layers[0].inputs').expected).toBe(
      '1 input for conv2d (weights are implicit; list only the activation input)',
    );
    const e2 = inputError(() => build(withLayer(2, { op: 'add', inputs: ['bn'] })));
    expect(issueAt(e2, 'layers[2].inputs').expected).toBe('at least 2 inputs for add');
  });

  it('bias on an op that has none', () => {
    const e = inputError(() => build(withLayer(2, { bias: true })));
    expect(issueAt(e, 'layers[2].bias').expected).toContain('only conv2d and dense');
  });

  it('shape problems found by the op (kernel larger than the input, groups)', () => {
    const e = inputError(() => build(withLayer(0, { attrs: { outChannels: 4, kernel: [11, 11] } })));
    expect(issueAt(e, 'layers[0].attrs.kernel').expected).toContain('no larger than the padded input 8×8');
    const e2 = inputError(() => build(withLayer(0, { attrs: { outChannels: 4, kernel: 3, groups: 2 } })));
    expect(issueAt(e2, 'layers[0].attrs.groups').expected).toBe(
      'a divisor of both the input channels (3) and outChannels (4)',
    );
    const e3 = inputError(() => build(withLayer(4, { op: 'softmax', attrs: { axis: 5 } })));
    expect(issueAt(e3, 'layers[4].attrs.axis').expected).toContain('axis');
  });

  it('outputs that name nothing', () => {
    const e = inputError(() => build(base({ outputs: ['fc', 'logits', 7] })));
    expect(issueAt(e, 'outputs[1]').expected).toBe('the name of a layer or graph input');
    expect(issueAt(e, 'outputs[2]').expected).toBe('a tensor name or { name, when }');
  });

  it('missing inputs / layers sections and empty lists', () => {
    const doc = base();
    delete doc.inputs;
    const e = inputError(() => build({ ...doc, layers: [] }));
    expect(issueAt(e, 'inputs').value).toBe('(missing)');
    expect(issueAt(e, 'layers').expected).toBe('at least one layer');
  });

  it('collects every problem of a file in one InputError', () => {
    const doc = base({ format: 'x', extra: 1 });
    const layers = [...(doc.layers as Doc[])];
    layers[0] = { ...layers[0], op: 'convolution' };
    layers[3] = { ...layers[3], inputs: ['nothing'] };
    layers[5] = { ...layers[5], attrs: { units: -3 } };
    const e = inputError(() => build({ ...doc, layers, quant: { weights: 'int4', granularity: 'per-row' } }));
    expect(e.issues.map((i) => i.path)).toEqual([
      'extra',
      'format',
      'quant.granularity',
      'layers[0].op',
      'layers[3].inputs[0]',
      'layers[5].attrs.units',
    ]);
    expect(e.message.split('\n')).toHaveLength(6);
    expect(e.message).toContain('tiny.json: layers[0].op: got "convolution"; expected one of the ops:');
  });
});

describe('loadWorkload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bitcycle-workload-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a zoo id, a .json, a .yaml and a .csv path', () => {
    expect(loadWorkload('resnet18').name).toBe('resnet18');
    const json = join(dir, 'net.json');
    writeFileSync(json, JSON.stringify(base()));
    expect(loadWorkload(json).nodes).toHaveLength(6);
    const yml = join(dir, 'net.yml');
    writeFileSync(
      yml,
      `format: ${WORKLOAD_FORMAT}\ninputs: [{ name: a, shape: [2, 4] }]\nlayers: [{ name: r, op: relu, inputs: [a] }]\n`,
    );
    expect(loadWorkload(yml).name).toBe('net');
    const csv = join(dir, 'topo.csv');
    writeFileSync(csv, 'Layer, M, N, K,\ng, 2, 3, 4,\n');
    expect(loadWorkload(csv, {}, { batch: 2 }).tensors.get('g.a')?.shape).toEqual([4, 4]);
    const e = inputError(() => loadWorkload(csv, { seq: '1' }));
    expect(e.issues[0]!.expected).toContain('SCALE-Sim topologies have no params');
  });

  it('names the file in issues and refuses unknown ids / paths listing the zoo', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(withLayer(2, { op: 'nope' })));
    const e = inputError(() => loadWorkload(bad));
    expect(e.issues[0]!.file).toBe(bad);
    const e2 = inputError(() => loadWorkload('resnet-50'));
    expect(e2.issues[0]!.path).toBe('workload');
    expect(e2.issues[0]!.expected).toContain('a zoo id (alexnet, bert-base,');
    const txt = join(dir, 'net.txt');
    writeFileSync(txt, '');
    expect(inputError(() => loadWorkload(txt)).issues[0]!.expected).toContain('.txt is not one of them');
  });

  it('listZoo describes every built-in workload with its params', () => {
    const zoo = listZoo();
    expect(zoo.map((z) => z.id)).toEqual([
      'alexnet',
      'bert-base',
      'googlenet',
      'gpt2',
      'gpt2-medium',
      'mobilenetv2',
      'resnet101',
      'resnet152',
      'resnet18',
      'resnet50',
      'squeezenet1_0',
      'squeezenet1_1',
      'vgg16',
      'vgg19',
      'yolo-tiny',
    ]);
    expect(zoo.every((z) => z.description.length > 0 && z.source.length > 0)).toBe(true);
    expect(zoo.find((z) => z.id === 'gpt2')?.params).toEqual({
      seq: {
        default: 128,
        min: 1,
        max: 1024,
        description: 'prefill: prompt tokens; decode: tokens already in the KV cache',
      },
      phase: {
        default: 'prefill',
        values: ['prefill', 'decode'],
        description: 'prefill (whole prompt) or decode (one new token)',
      },
    });
  });
});

describe('workloadToJson', () => {
  function sameGraph(a: Graph, b: Graph): void {
    expect(b.nodes).toEqual(a.nodes);
    expect(b.inputs).toEqual(a.inputs);
    expect(b.outputs).toEqual(a.outputs);
    expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
    for (const [name, t] of a.tensors) expect(b.tensors.get(name)?.shape, name).toEqual(t.shape);
  }

  it('round-trips zoo graphs (params resolved) through the layer-table format', () => {
    for (const [id, overrides] of [
      ['resnet50', {}],
      ['googlenet', {}],
      ['gpt2', { phase: 'decode', seq: '17' }],
    ] as const) {
      const g = loadWorkload(id, overrides);
      const text = workloadToJson(g);
      sameGraph(g, parseWorkload(text, `${id}.json`));
      expect(workloadToJson(parseWorkload(text, `${id}.json`))).toBe(text);
    }
  });

  it('writes one layer per line in a canonical key order', () => {
    const text = workloadToJson(buildWorkload(base(), 'tiny.json'));
    const lines = text.split('\n');
    expect(lines[0]).toBe('{');
    expect(lines[1]).toBe(`  "format": "${WORKLOAD_FORMAT}",`);
    expect(lines).toContain(
      '    {"name":"conv","op":"conv2d","inputs":["x"],"attrs":{"outChannels":4,"kernel":[3,3],"stride":[1,1],"pads":[1,1,1,1],"dilation":[1,1],"groups":1},"bias":false},',
    );
    expect(text.endsWith('}\n')).toBe(true);
  });
});
