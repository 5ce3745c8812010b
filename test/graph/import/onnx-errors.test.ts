/**
 * Bad models: each gives one InputError holding every problem, never another exception. Covers
 * files that are not ONNX, truncated models and .pb tensors, unsupported ops (all listed at once),
 * opsets, external data that escapes the model's folder or its file, and every limit.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { TensorProto_DataLocation, TensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { importOnnx, importOnnxFile } from '../../../src/graph/import/onnx/index.js';
import { FLOAT_CONVERTERS } from '../../../src/graph/import/onnx/convert-float.js';
import { QDQ_CONVERTERS } from '../../../src/graph/import/onnx/convert-qdq.js';
import { QOP_CONVERTERS } from '../../../src/graph/import/onnx/convert-qop.js';
import { FOLDABLE } from '../../../src/graph/import/onnx/fold.js';
import { knownOnnxOp } from '../../../src/graph/import/onnx/versions.js';
import { readTensorFile } from '../../../src/graph/import/onnx-tensor.js';
import { InputError } from '../../../src/units/errors.js';
import { Rng } from '../../../src/units/index.js';
import { issuesOf } from '../../support/input-error.js';
import { onnxNodeTestsDir } from '../../formats/helpers.js';
import { DT, f32, floatTensor, intTensor, modelBytes, node, scalar, type ModelSpec } from './onnx-builder.js';

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'bitcycle-onnx-'));
}

const relu: ModelSpec = {
  nodes: [node('Relu', ['x'], ['y'], { name: 'relu' })],
  inputs: [f32('x', [2])],
  outputs: [f32('y', [2])],
};

describe('files that are not ONNX models', () => {
  it.each([
    ['text', new TextEncoder().encode('this is not an onnx model\n')],
    ['random bytes', Uint8Array.from({ length: 256 }, (_, i) => (i * 151 + 7) % 256)],
    ['an empty file', new Uint8Array(0)],
    ['a truncated model', modelBytes(relu).slice(0, 40)],
  ])('%s: one InputError naming the file', (_, bytes) => {
    const issues = issuesOf(() => importOnnx(bytes, { modelPath: 'models/bad.onnx' }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'models/bad.onnx', path: '(file)' });
    expect(issues[0]!.expected).toMatch(/ONNX model/);
  });

  it('a truncated .pb tensor gives one InputError from readTensorFile', () => {
    const dir = tmp();
    const pb = readFileSync(
      path.join(onnxNodeTestsDir(), 'test_qlinearconv', 'test_data_set_0', 'input_0.pb'),
    );
    const file = path.join(dir, 'input_0.pb');
    writeFileSync(file, pb.subarray(0, pb.length - 10));
    const issues = issuesOf(() => readTensorFile(file));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe(file);
  });

  it('a missing file is an InputError', () => {
    expect(issuesOf(() => importOnnxFile(path.join(tmp(), 'absent.onnx')))[0]!.expected).toMatch(
      /readable file/,
    );
  });

  it('mutated models never throw anything but InputError', () => {
    const good = modelBytes({
      nodes: [node('Conv', ['x', 'w'], ['c']), node('Relu', ['c'], ['y'])],
      initializers: [floatTensor('w', [2, 1, 1, 1], [1, 2])],
      inputs: [f32('x', [1, 1, 3, 3])],
      outputs: [f32('y', [1, 2, 3, 3])],
    });
    const rng = new Rng(3);
    let rejected = 0;
    for (let k = 0; k < 300; k++) {
      const bytes = Uint8Array.from(good);
      for (let m = 0; m < 1 + Math.floor(rng.next() * 4); m++)
        bytes[Math.floor(rng.next() * bytes.length)] = Math.floor(rng.next() * 256);
      try {
        importOnnx(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('unsupported ops and opsets', () => {
  it('every ai.onnx op the importer reads or folds has a version history (so its opset is checked)', () => {
    const ops = [
      ...FLOAT_CONVERTERS.keys(),
      ...QDQ_CONVERTERS.keys(),
      ...QOP_CONVERTERS.keys(),
      ...FOLDABLE,
      'Identity',
      'Dropout',
      'Erf',
    ];
    expect(ops.filter((op) => !knownOnnxOp(op))).toEqual([]);
  });

  it('lists every unsupported op at once, with the supported ones', () => {
    const issues = issuesOf(() =>
      importOnnx(
        modelBytes({
          nodes: [
            node('LSTM', ['x'], ['a'], { name: 'lstm' }),
            node('Relu', ['a'], ['b'], { name: 'relu' }),
            node('Resize', ['b'], ['c']),
            node('MultiThreshold', ['c', 't'], ['d'], { name: 'mt', domain: 'finn.custom_op.general' }),
            node('Gather', ['d', 'x'], ['y'], { name: 'gather' }),
          ],
          initializers: [scalar('t', 0)],
          inputs: [f32('x', [2])],
          outputs: [f32('y', [2])],
          domains: { 'finn.custom_op.general': 1 },
        }),
      ),
    );
    expect(issues.map((i) => [i.path, i.value])).toEqual([
      ['nodes[0] (lstm, LSTM)', '"LSTM"'],
      ['nodes[2] (Resize_2, Resize)', '"Resize"'],
      ['nodes[3] (mt, MultiThreshold)', '"MultiThreshold" (domain finn.custom_op.general)'],
      ['nodes[4] (gather, Gather)', '"Gather"'],
    ]);
    expect(issues[0]!.expected).toMatch(/^a supported op \(ai\.onnx: Conv, Gemm, MatMul/);
    expect(issues[0]!.expected).toContain('Quant, IntQuant, BipolarQuant, Trunc');
  });

  it('refuses ops whose definition at an old opset differs from opset 13, and opsets newer than 25', () => {
    const old = issuesOf(() =>
      importOnnx(modelBytes({ ...relu, nodes: [node('Softmax', ['x'], ['y'], { name: 'sm' })], opset: 11 })),
    );
    expect(old.map((i) => [i.path, i.value])).toEqual([
      ['nodes[0] (sm, Softmax)', 'Softmax at ai.onnx opset 11'],
    ]);
    expect(old[0]!.expected).toContain('opset 13 or later');
    const gelu = issuesOf(() =>
      importOnnx(modelBytes({ ...relu, nodes: [node('Gelu', ['x'], ['y'], { name: 'g' })], opset: 18 })),
    );
    expect(gelu[0]!.expected).toContain('introduced in opset 20');
    const future = issuesOf(() => importOnnx(modelBytes({ ...relu, opset: 26 })));
    expect(future[0]).toMatchObject({ path: 'opset_import (ai.onnx)', value: '26' });
  });
});

describe('external data', () => {
  function externalModel(location: string, offset = 0, length = 16) {
    const w = create(TensorProtoSchema, {
      name: 'w',
      dims: [4n],
      dataType: DT.FLOAT,
      dataLocation: TensorProto_DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    });
    return modelBytes({
      nodes: [node('Mul', ['x', 'w'], ['y'], { name: 'mul' })],
      initializers: [w],
      inputs: [f32('x', [4])],
      outputs: [f32('y', [4])],
    });
  }

  function setup(): string {
    const dir = tmp();
    mkdirSync(path.join(dir, 'model', 'data'), { recursive: true });
    const bytes = new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer);
    writeFileSync(path.join(dir, 'model', 'data', 'w.bin'), bytes);
    writeFileSync(path.join(dir, 'secret.bin'), bytes);
    symlinkSync(path.join(dir, 'secret.bin'), path.join(dir, 'model', 'link.bin'));
    return dir;
  }

  it('reads a tensor from a file inside the model folder, at its offset', () => {
    const dir = setup();
    const file = path.join(dir, 'model', 'm.onnx');
    writeFileSync(file, externalModel('data/w.bin', 8));
    expect(importOnnxFile(file).tensors.get('w')?.data).toEqual(Float32Array.from([2, 3, 4, 5]));
  });

  it.each([
    ['../secret.bin', 'location', "no '..' segments"],
    ['data/../../secret.bin', 'location', "no '..' segments"],
    ['/etc/passwd', 'location', 'absolute paths are not read'],
    ['link.bin', 'location', 'it resolves outside it'],
    ['data/missing.bin', 'location', 'an existing file'],
  ])('refuses location %s', (location, field, message) => {
    const dir = setup();
    const file = path.join(dir, 'model', 'm.onnx');
    writeFileSync(file, externalModel(location));
    const issues = issuesOf(() => importOnnxFile(file));
    expect(issues.map((x) => [x.file, x.path, x.value])).toEqual([
      [file, `graph.initializer[0] (w).external_data.${field}`, JSON.stringify(location)],
    ]);
    expect(issues[0]!.expected).toContain(message);
  });

  it('checks offset and length against the file and the tensor', () => {
    const dir = setup();
    const file = path.join(dir, 'model', 'm.onnx');
    writeFileSync(file, externalModel('data/w.bin', 16));
    expect(issuesOf(() => importOnnxFile(file))[0]!.path).toBe(
      'graph.initializer[0] (w).external_data.offset',
    );
    writeFileSync(file, externalModel('data/w.bin', 0, 12));
    expect(issuesOf(() => importOnnxFile(file))[0]).toMatchObject({
      path: 'graph.initializer[0] (w).external_data.length',
      expected: "16 (the bytes of the tensor's dims and type)",
    });
    writeFileSync(file, externalModel('data/w.bin', 100));
    expect(issuesOf(() => importOnnxFile(file))[0]!.path).toBe(
      'graph.initializer[0] (w).external_data.offset',
    );
  });

  it('needs the model path to find external data', () => {
    expect(issuesOf(() => importOnnx(externalModel('w.bin')))[0]!.expected).toMatch(/read from a file/);
  });
});

describe('limits', () => {
  const big = create(TensorProtoSchema, { name: 'w', dims: [100000n, 100000n], dataType: DT.FLOAT });
  const mul = (w = big): ModelSpec => ({
    nodes: [node('Mul', ['x', 'w'], ['y'], { name: 'mul' })],
    initializers: [w],
    inputs: [f32('x', [2])],
    outputs: [f32('y', [2])],
  });

  it('an initializer whose dims ask for too many elements is refused before any allocation', () => {
    const issues = issuesOf(() => importOnnx(modelBytes(mul()), { modelPath: 'm.onnx' }));
    expect(issues.map((x) => [x.file, x.path, x.value])).toEqual([
      ['m.onnx', 'graph.initializer[0] (w).dims', '[100000,100000]'],
    ]);
    expect(issues[0]!.expected).toContain('limits.maxTensorElements');
  });

  it.each([
    ['maxRank', { maxRank: 1 }, 'graph.initializer[0] (w).dims', floatTensor('w', [1, 2], [1, 2])],
    ['maxTensors', { maxTensors: 1 }, 'graph.initializer[1] (w2)', undefined],
    ['maxTotalElements', { maxTotalElements: 3 }, 'graph.initializer[1] (w2)', undefined],
    ['maxNodes', { maxNodes: 1 }, 'graph.node', undefined],
    ['maxFileBytes', { maxFileBytes: 64 }, '(file)', undefined],
  ])('%s', (_, limits, where, w) => {
    const spec: ModelSpec = {
      nodes: [
        node('Mul', ['x', 'w'], ['a'], { name: 'mul' }),
        node('Mul', ['a', 'w2'], ['y'], { name: 'mul2' }),
      ],
      initializers: [w ?? floatTensor('w', [2], [1, 2]), floatTensor('w2', [2], [3, 4])],
      inputs: [f32('x', [2])],
      outputs: [f32('y', [2])],
    };
    const issues = issuesOf(() => importOnnx(modelBytes(spec), { limits }));
    expect(issues.map((i) => i.path)).toEqual([where]);
  });

  it('limits themselves are checked', () => {
    expect(issuesOf(() => importOnnx(modelBytes(relu), { limits: { maxRank: 0 } }))).toEqual([
      { path: 'limits.maxRank', value: '0', expected: 'a positive integer' },
    ]);
  });

  it('bound inputs must be graph inputs of the declared type and dims', () => {
    const x = {
      name: 'x',
      dims: [3],
      elemType: DT.FLOAT,
      elemTypeName: 'FLOAT',
      format: undefined,
      codes: undefined,
      values: new Float64Array(3),
    };
    const issues = issuesOf(() =>
      importOnnx(modelBytes(relu), {
        bindInputs: new Map([
          ['x', x],
          ['nope', x],
        ]),
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(['bindInputs.x', 'bindInputs.nope']);
  });
});

describe('structurally random models', () => {
  const OPS = [
    'Conv',
    'Gemm',
    'MatMul',
    'Add',
    'Mul',
    'Sub',
    'Div',
    'Relu',
    'Clip',
    'Softmax',
    'MaxPool',
    'AveragePool',
    'GlobalAveragePool',
    'BatchNormalization',
    'Concat',
    'Reshape',
    'Flatten',
    'Transpose',
    'Squeeze',
    'Unsqueeze',
    'Shape',
    'Gather',
    'Slice',
    'Cast',
    'QuantizeLinear',
    'DequantizeLinear',
    'QLinearConv',
    'QLinearMatMul',
    'ConvInteger',
    'MatMulInteger',
    'Identity',
    'Constant',
    'ConstantOfShape',
  ];
  const QONNX_OPS = ['Quant', 'BipolarQuant', 'Trunc'];
  const TYPES = [DT.FLOAT, DT.INT8, DT.UINT8, DT.INT32, DT.INT64, DT.INT4, DT.FLOAT8E4M3FN];

  it('never throw anything but InputError', () => {
    const rng = new Rng(17);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rng.next() * list.length)]!;
    const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
    let imported = 0;
    for (let k = 0; k < 400; k++) {
      const names = ['x'];
      const inits = Array.from({ length: int(1, 4) }, (_, i) => {
        const dims = Array.from({ length: int(0, 4) }, () => int(1, 3));
        const count = dims.reduce((a, b) => a * b, 1);
        const type = pick(TYPES);
        const values = Array.from({ length: count }, () => int(-3, 3));
        names.push(`c${i}`);
        return type === DT.FLOAT
          ? floatTensor(`c${i}`, dims, values)
          : intTensor(`c${i}`, dims, type, type === DT.UINT8 ? values.map(Math.abs) : values);
      });
      const nodes = Array.from({ length: int(1, 4) }, (_, i) => {
        const qonnx = rng.next() < 0.15;
        const op = qonnx ? pick(QONNX_OPS) : pick(OPS);
        const inputs = Array.from({ length: int(0, 5) }, () => pick(names));
        const attrs: Record<string, number | number[]> = {};
        if (rng.next() < 0.5)
          attrs[pick(['axis', 'group', 'transB', 'block_size', 'perm', 'pads', 'kernel_shape', 'strides'])] =
            rng.next() < 0.5 ? int(-2, 3) : Array.from({ length: int(0, 4) }, () => int(-1, 3));
        names.push(`t${i}`);
        return node(op, inputs, [`t${i}`], {
          name: `n${i}`,
          attrs,
          ...(qonnx ? { domain: 'qonnx.custom_op.general' } : {}),
        });
      });
      const bytes = modelBytes({
        nodes,
        initializers: inits,
        inputs: [f32('x', [1, 2, 3, 3])],
        outputs: [f32(names[names.length - 1]!, [])],
        domains: { 'qonnx.custom_op.general': 1 },
      });
      try {
        importOnnx(bytes);
        imported++;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        expect(e.message).not.toMatch(/importer error/);
      }
    }
    expect(imported).toBeGreaterThan(0);
  });
});
