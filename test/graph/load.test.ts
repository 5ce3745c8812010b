/**
 * loadGraph / workloadKind (src/graph/load.ts): every kind of workload is told apart and loaded —
 * a zoo id, a layer table (JSON), a SCALE-Sim CSV, an ONNX model (written by exportOnnxQdq into a
 * temp folder), the committed TF.js MNIST model and a bitcycle-graph JSON (graphToJson); `batch`
 * sets the batch of ONNX and TF.js models; params on a model file and a missing .onnx file are
 * one InputError each.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../src/graph/analyze.js';
import { exportOnnxQdq } from '../../src/graph/export/onnx-qdq.js';
import { importTfjsModel } from '../../src/graph/import/tfjs.js';
import type { Graph, TensorInfo } from '../../src/graph/ir.js';
import { loadGraph, workloadKind } from '../../src/graph/load.js';
import { graphToJson } from '../../src/graph/serialize.js';
import { loadWorkload } from '../../src/graph/workload.js';
import { materializeParameters, quantizeGraph, seededInputs } from '../../src/quant/index.js';
import { packageRoot } from '../../src/units/paths.js';
import { issuesOf } from '../support/input-error.js';
import { f32, modelBytes, node } from './import/onnx-builder.js';
import { quantResNet } from './export/graphs.js';
import { structure } from './export/structure.js';
import { smallCnn } from '../quant/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bitcycle-load-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mnist = join(packageRoot(), 'workloads', 'mnist', 'model.json');
const csv = join(packageRoot(), 'test', 'fixtures', 'scalesim', 'conv3x3.csv');

const onnxFile = join(dir, 'resnet-tiny.onnx');
writeFileSync(onnxFile, exportOnnxQdq(quantResNet()));

const floatCnn = materializeParameters(smallCnn(), 3);
const quantCnn = quantizeGraph(floatCnn, {
  weights: 'int8',
  activations: 'uint8',
  calibration: seededInputs(floatCnn, 2, 4),
});
const graphFile = join(dir, 'cnn.json');
writeFileSync(graphFile, graphToJson(quantCnn));

const tableFile = join(dir, 'table.json');
writeFileSync(
  tableFile,
  JSON.stringify({
    format: 'bitcycle-workload/1',
    id: 'tiny-table',
    params: { c: { default: 4, min: 1, max: 64 } },
    inputs: [{ name: 'x', shape: [1, 3, 8, 8] }],
    layers: [
      { name: 'conv', op: 'conv2d', inputs: ['x'], attrs: { outChannels: 'c', kernel: [3, 3] } },
      { name: 'act', op: 'relu', inputs: ['conv'] },
    ],
  }),
);

/** A folder whose name ends in .json is not a file to sniff. */
const jsonFolder = join(dir, 'folder.json');
mkdirSync(jsonFolder);

/** The graph's tensors with the batch dim of inputs and activations set to `batch`. */
function rebatched(g: Graph, batch: number): TensorInfo[] {
  return structure(g).tensors.map((t) =>
    t.role === 'input' || t.role === 'activation' ? { ...t, shape: [batch, ...t.shape.slice(1)] } : t,
  );
}

describe('workloadKind', () => {
  it('tells each kind apart by extension and, for .json, by the first bytes', () => {
    expect(workloadKind('resnet18')).toBe('zoo-or-table');
    expect(workloadKind(onnxFile)).toBe('onnx');
    expect(workloadKind(join(dir, 'absent.ONNX'))).toBe('onnx');
    expect(workloadKind(mnist)).toBe('tfjs');
    expect(workloadKind(graphFile)).toBe('bitcycle-graph');
    expect(workloadKind(tableFile)).toBe('zoo-or-table');
    expect(workloadKind(csv)).toBe('zoo-or-table');
    expect(workloadKind(join(dir, 'absent.json'))).toBe('zoo-or-table');
    expect(workloadKind(jsonFolder)).toBe('zoo-or-table');
  });
});

describe('loadGraph', () => {
  it('a zoo id and a SCALE-Sim CSV load as loadWorkload loads them', () => {
    const zoo = loadGraph('resnet18');
    expect(zoo.kind).toBe('zoo-or-table');
    expect(zoo.notes).toEqual([]);
    expect(zoo.graph).toEqual(loadWorkload('resnet18'));
    expect(zoo.graph.nodes.filter((n) => n.op === 'conv2d')).toHaveLength(20);
    const topo = loadGraph(csv);
    expect(topo.kind).toBe('zoo-or-table');
    expect(topo.graph.nodes.map((n) => [n.name, n.op])).toEqual([['conv3x3', 'conv2d']]);
  });

  it('a layer table takes params and batch', () => {
    const plain = loadGraph(tableFile).graph;
    expect(plain.name).toBe('tiny-table');
    expect(plain.nodes.map((n) => n.op)).toEqual(['conv2d', 'relu']);
    expect(plain.tensors.get('conv.weight')?.shape).toEqual([4, 3, 3, 3]);
    const g = loadGraph(tableFile, { c: '6' }, { batch: 2 }).graph;
    expect(g.tensors.get('conv.weight')?.shape).toEqual([6, 3, 3, 3]);
    expect(g.tensors.get('x')?.shape).toEqual([2, 3, 8, 8]);
    expect(analyzeGraph(g).shapes.get('act')).toEqual([2, 6, 6, 6]);
  });

  it('an .onnx file written by exportOnnxQdq loads as the graph it was written from', () => {
    const r = loadGraph(onnxFile);
    expect(r.kind).toBe('onnx');
    expect(structure(r.graph)).toEqual(structure(quantResNet()));
  });

  it('batch sets the batch of an ONNX model whose declared shapes have batch 1', () => {
    const g = loadGraph(onnxFile, {}, { batch: 3 }).graph;
    const q = quantResNet();
    expect(g.nodes).toEqual(q.nodes);
    expect(structure(g).tensors).toEqual(rebatched(q, 3));
    const shapes = analyzeGraph(g).shapes;
    expect(shapes.get('logits')).toEqual([3, 10]);
    expect(shapes.get('r2_real')).toEqual([3, 8, 8, 8]);
    // the same batch is a no-op
    expect(structure(loadGraph(onnxFile, {}, { batch: 1 }).graph)).toEqual(structure(q));
  });

  it('batch sets a symbolic batch dim; a model with another fixed batch is one InputError', () => {
    const relu = (batch: number | string): Uint8Array =>
      modelBytes({
        nodes: [node('Relu', ['x'], ['y'], { name: 'relu' })],
        inputs: [f32('x', [batch, 4])],
        outputs: [f32('y', [batch, 4])],
      });
    const symbolic = join(dir, 'symbolic.onnx');
    writeFileSync(symbolic, relu('N'));
    const g = loadGraph(symbolic, {}, { batch: 3 }).graph;
    expect(g.tensors.get('x')?.shape).toEqual([3, 4]);
    expect(g.tensors.get('y')?.shape).toEqual([3, 4]);
    const two = join(dir, 'batch2.onnx');
    writeFileSync(two, relu(2));
    expect(loadGraph(two, {}, { batch: 2 }).graph.tensors.get('y')?.shape).toEqual([2, 4]);
    const issues = issuesOf(() => loadGraph(two, {}, { batch: 3 }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: two, path: 'batch (option)', value: '3' });
  });

  it('a TF.js model.json loads, and batch sets its batch', async () => {
    const r = loadGraph(mnist);
    expect(r.kind).toBe('tfjs');
    expect(r.graph.tensors.get(r.graph.inputs[0]!)?.shape).toEqual([1, 1, 28, 28]);
    expect(r.graph.nodes.map((n) => n.op)).toEqual([
      'conv2d',
      'relu',
      'maxpool',
      'conv2d',
      'relu',
      'maxpool',
      'transpose',
      'flatten',
      'dense',
      'relu',
      'dense',
      'softmax',
    ]);
    const b5 = loadGraph(mnist, {}, { batch: 5 }).graph;
    expect(b5.tensors.get(b5.inputs[0]!)?.shape).toEqual([5, 1, 28, 28]);
    expect(analyzeGraph(b5).shapes.get(b5.outputs[0]!)).toEqual([5, 10]);
    expect(b5).toEqual(await importTfjsModel(mnist, { batch: 5 }));
  });

  it('a bitcycle-graph JSON loads as the graph graphToJson wrote', () => {
    const r = loadGraph(graphFile);
    expect(r.kind).toBe('bitcycle-graph');
    expect(r.graph).toEqual(quantCnn);
    expect(loadGraph(graphFile, {}, { batch: 1 }).graph).toEqual(quantCnn);
  });

  it('a batch a bitcycle graph does not have is one InputError, not silently ignored', () => {
    const issues = issuesOf(() => loadGraph(graphFile, {}, { batch: 4 }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: graphFile, path: 'batch (option)', value: '4' });
  });

  it.each([
    ['onnx', onnxFile],
    ['tfjs', mnist],
    ['bitcycle-graph', graphFile],
  ])('params on a model file (%s) are one InputError naming each', (_, file) => {
    const issues = issuesOf(() => loadGraph(file, { seq: '64', layers: '1' }));
    expect(issues.map((i) => [i.file, i.path, i.value])).toEqual([
      [file, 'params.seq (override)', '"seq"'],
      [file, 'params.layers (override)', '"layers"'],
    ]);
  });

  it('a missing .onnx file is one InputError', () => {
    const absent = join(dir, 'absent.onnx');
    const issues = issuesOf(() => loadGraph(absent, {}, { batch: 2 }));
    expect(issues).toEqual([
      { path: 'workload', value: JSON.stringify(absent), expected: 'an existing .onnx file' },
    ]);
  });

  it('a file that is not ONNX is one InputError naming it', () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'not a protobuf at all');
    const issues = issuesOf(() => loadGraph(bad));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.file === bad)).toBe(true);
  });
});
