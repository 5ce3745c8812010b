/** bitcycle-graph/1: lossless round trip, fixed bytes, and one clear issue per bad field. */
import { describe, expect, it } from 'vitest';
import { OP_TYPES, type Graph, type TensorInfo } from '../../src/graph/ir.js';
import { graphFromJson, graphToJson } from '../../src/graph/serialize.js';
import { InputError } from '../../src/units/errors.js';

function tensor(t: TensorInfo): [string, TensorInfo] {
  return [t.name, t];
}

const graph: Graph = {
  name: 'tiny',
  inputs: ['x'],
  outputs: ['y'],
  tensors: new Map([
    tensor({
      name: 'x',
      shape: [1, 4],
      role: 'input',
      dtype: 'float32',
      quant: { format: 'uint8', scale: 0.5, zeroPoint: 3 },
    }),
    tensor({
      name: 'w',
      shape: [4, 2],
      role: 'weight',
      dtype: 'float32',
      quant: { format: 'int8', scale: [0.25, 0.125], zeroPoint: 0, axis: 1, narrow: true },
      stored: Float64Array.from([-127, 1, 2, 3, 4, 5, 6, 127]),
      data: Float32Array.from([-31.75, 0.125, 0.5, 0.375, 1, 0.625, 1.5, 15.875]),
    }),
    tensor({
      name: 'b',
      shape: [2],
      role: 'bias',
      dtype: 'float32',
      quant: { format: 'int32', scale: [0.125, 0.0625], zeroPoint: 0, axis: 0 },
      stored: Float64Array.from([2147483647, -2147483648]),
    }),
    tensor({
      name: 'y',
      shape: [1, 2],
      role: 'activation',
      dtype: 'float32',
      quant: { format: 'fp8-e4m3fn', scale: 1, zeroPoint: 0, rounding: 'toward-zero' },
    }),
  ]),
  nodes: [{ name: 'fc', op: 'dense', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { units: 2 } }],
};

describe('bitcycle-graph/1', () => {
  it('round-trips every field, int32 stored values exactly, and writes the same bytes twice', () => {
    const text = graphToJson(graph);
    const back = graphFromJson(text, 'tiny.json');
    expect(back).toEqual(graph);
    expect(graphToJson(back)).toBe(text);
    expect(text).toContain('"encoding": "int32"');
  });

  it('keeps non-integer stored values (float formats) as float64', () => {
    const g: Graph = {
      ...graph,
      tensors: new Map([
        ...graph.tensors,
        tensor({
          name: 'w',
          shape: [4, 2],
          role: 'weight',
          dtype: 'float32',
          quant: { format: 'fp8-e4m3fn', scale: 1, zeroPoint: 0 },
          stored: Float64Array.from([0.5, -448, 0.001953125, 3, 4, 5, 6, -0]),
        }),
      ]),
    };
    const back = graphFromJson(graphToJson(g), 'f.json');
    expect(Array.from(back.tensors.get('w')!.stored!)).toEqual([0.5, -448, 0.001953125, 3, 4, 5, 6, -0]);
    expect(Object.is(back.tensors.get('w')!.stored![7], -0)).toBe(true);
  });

  function issues(text: string): string[] {
    try {
      graphFromJson(text, 'bad.json');
    } catch (e) {
      if (e instanceof InputError) return e.issues.map((i) => `${i.file ?? ''}|${i.path}|${i.expected}`);
      throw e;
    }
    return [];
  }

  it('reports broken JSON and a wrong format tag as one issue each', () => {
    expect(issues('{"format": ')).toEqual(['bad.json|(file)|valid JSON']);
    expect(issues('{"format": "bitcycle-workload/1"}')).toEqual(['bad.json|format|"bitcycle-graph/1"']);
  });

  it('reports every bad field at once: payload length, role, unknown op', () => {
    const doc = JSON.parse(graphToJson(graph)) as {
      tensors: { role: string; stored?: { base64: string } }[];
      nodes: { op: string }[];
    };
    doc.tensors[1]!.stored!.base64 = Buffer.from([1, 2, 3]).toString('base64');
    doc.tensors[3]!.role = 'output';
    doc.nodes[0]!.op = 'conv3d';
    expect(issues(JSON.stringify(doc))).toEqual([
      'bad.json|tensors[1].stored.base64|32 bytes (8 int32 values)',
      'bad.json|tensors[3].role|one of input, weight, bias, activation, constant',
      `bad.json|nodes[0].op|an op of the IR: ${OP_TYPES.join(', ')}`,
    ]);
  });

  it('runs the graph analysis, so a dangling tensor is reported with the file', () => {
    const doc = JSON.parse(graphToJson(graph)) as { nodes: { inputs: string[] }[] };
    doc.nodes[0]!.inputs[0] = 'nowhere';
    const found = issues(JSON.stringify(doc));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((s) => s.startsWith('bad.json|'))).toBe(true);
  });
});
