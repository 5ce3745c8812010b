/**
 * `quantize` and `evaluate` end to end, and the bad model inputs through the built binary:
 * a corrupt .onnx, a truncated .pb, unsupported ops, external data outside the model folder — each
 * one clear message, exit 2, no stack trace, no output folder written.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { TensorProto_DataLocation, TensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { importOnnxFile } from '../../src/graph/import/onnx/index.js';
import { graphFromJson } from '../../src/graph/serialize.js';
import { packageRoot } from '../../src/units/paths.js';
import { DT, f32, modelBytes, node } from '../graph/import/onnx-builder.js';
import { cli, cliProcess } from './helpers.js';

const mnist = join(packageRoot(), 'workloads', 'mnist');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'bitcycle-num-'));

function expectOneCleanError(r: { code: number; stderr: string; stdout: string }, ...parts: string[]): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  for (const p of parts) expect(r.stderr).toContain(p);
}

describe('bitcycle quantize / evaluate', () => {
  it('quantizes the MNIST CNN to int8, writes QDQ ONNX + JSON that re-import to the same graph', async () => {
    const out = join(tmp(), 'q');
    const r = await cli(
      'quantize',
      '--workload',
      join(mnist, 'model.json'),
      '--format',
      'int8',
      '--data',
      join(mnist, 'test.json'),
      '--eval-count',
      '200',
      '--calib',
      join(mnist, 'calib.json'),
      '--json',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      classifier: { top1Accuracy: number; fp32Top1Accuracy: number; top1Agreement: number };
      layers: { node: string; sqnrDb: number }[];
      samples: number;
    };
    expect(s.samples).toBe(200);
    expect(s.layers.map((l) => l.node).slice(0, 3)).toEqual(['conv1', 'conv1/relu', 'pool1']);
    expect(Math.abs(s.classifier.top1Accuracy - s.classifier.fp32Top1Accuracy)).toBeLessThanOrEqual(0.01);
    const json = graphFromJson(readFileSync(join(out, 'model.bitcycle.json'), 'utf8'), 'model.bitcycle.json');
    expect(importOnnxFile(join(out, 'model.qdq.onnx'))).toEqual(json);
    expect(json.tensors.get('conv1/kernel')?.quant?.format).toBe('int8');
  }, 60_000);

  it('evaluates an imported QDQ model as it is, and a float model in a format with accumulator options', async () => {
    const out = join(tmp(), 'q');
    await cli('quantize', '--workload', join(mnist, 'model.json'), '--format', 'w4a8', '--out', out);
    const asIs = await cli('evaluate', '--workload', join(out, 'model.qdq.onnx'), '--json');
    expect(asIs.code).toBe(0);
    expect(JSON.parse(asIs.stdout)).toMatchObject({ quantization: 'as imported', samples: 1 });
    const sat = await cli(
      'evaluate',
      '--workload',
      join(mnist, 'model.json'),
      '--format',
      'int8',
      '--accumulator',
      'int16',
      '--overflow',
      'saturate',
      '--requant',
      'fixed-point',
      '--reference',
      'kernels',
    );
    expect(sat.code).toBe(0);
    expect(sat.stdout).toContain('output SQNR');
    expect(sat.stdout).toContain('fp32 reference: kernels');
  }, 60_000);

  it('searches mixed precision under a model-size budget and writes the Pareto front', async () => {
    const out = join(tmp(), 'm');
    const r = await cli(
      'quantize',
      '--workload',
      join(mnist, 'model.json'),
      '--mixed-precision',
      '--budget',
      'model-bits:120000',
      '--bits',
      '2,4,8',
      '--calib',
      join(mnist, 'calib.json'),
      '--calib-count',
      '16',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    const lines = readFileSync(join(out, 'pareto.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('modelBits,energyPj,sqnrDb,bits.conv1,bits.conv2,bits.fc1,bits.fc2');
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    expect(rows.length).toBeGreaterThan(0);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i]![0]!).toBeGreaterThan(rows[i - 1]![0]!); // cost ascending
      expect(rows[i]![2]!).toBeGreaterThan(rows[i - 1]![2]!); // SQNR ascending: non-dominated
    }
    for (const row of rows) expect(row[0]!).toBeLessThanOrEqual(120000);
  }, 60_000);

  it('prices an energy budget at the node given, and asks for the node when it is missing', async () => {
    const base = [
      'quantize',
      '--workload',
      join(mnist, 'model.json'),
      '--mixed-precision',
      '--budget',
      'energy:1e9',
      '--calib',
      join(mnist, 'calib.json'),
      '--calib-count',
      '8',
    ];
    expectOneCleanError(await cli(...base, '--out', join(tmp(), 'x')), '--node');
    const out = join(tmp(), 'e');
    const r = await cli(...base, '--node', '22nm', '--out', out);
    expect(r.code).toBe(0);
    const energies = readFileSync(join(out, 'pareto.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    expect(energies.length).toBeGreaterThan(0);
    for (const e of energies) expect(e).toBeGreaterThan(0);
  }, 60_000);

  it('bad flags are one clear error each', async () => {
    const m = join(mnist, 'model.json');
    expectOneCleanError(await cli('evaluate', '--workload', m, '--method', 'best'), '--method');
    expectOneCleanError(await cli('evaluate', '--workload', m, '--overflow', 'clamp'), '--overflow');
    expectOneCleanError(await cli('quantize', '--workload', m, '--mixed-precision'), '--budget');
    expectOneCleanError(
      await cli('evaluate', '--workload', m, '--data', join(mnist, 'calib-images.pb'), '--eval-count', '0'),
      '--eval-count',
    );
    expectOneCleanError(
      await cli('evaluate', '--workload', m, '--data', join(mnist, 'model.json')),
      'format',
    );
  });
});

describe('bad model files through the built binary (exit 2, one message, nothing written)', () => {
  it('a corrupt .onnx', () => {
    const dir = tmp();
    const file = join(dir, 'bad.onnx');
    writeFileSync(file, Buffer.from('this is not a protobuf model at all \x00\xff\xfe', 'latin1'));
    const out = join(dir, 'out');
    const r = cliProcess('quantize', '--workload', file, '--out', out);
    expectOneCleanError(r, 'bad.onnx');
    expect(existsSync(out)).toBe(false);
  });

  it('a truncated .pb dataset', () => {
    const dir = tmp();
    const bytes = readFileSync(join(mnist, 'test-images.pb'));
    const file = join(dir, 'cut.pb');
    writeFileSync(file, bytes.subarray(0, 1000));
    const r = cliProcess('evaluate', '--workload', join(mnist, 'model.json'), '--data', file);
    expectOneCleanError(r, 'cut.pb');
  });

  it('unsupported ops are all named, with their nodes', () => {
    const dir = tmp();
    const file = join(dir, 'lstm.onnx');
    writeFileSync(
      file,
      modelBytes({
        nodes: [
          node('Relu', ['x'], ['a'], { name: 'r' }),
          node('Einsum', ['a', 'a'], ['b'], { name: 'mix' }),
          node('Hardmax', ['b'], ['y'], { name: 'pick' }),
        ],
        inputs: [f32('x', [2, 3])],
        outputs: [f32('y', [2, 3])],
      }),
    );
    const r = cliProcess('validate', file);
    expectOneCleanError(r, 'Einsum', 'mix', 'Hardmax', 'pick');
  });

  it('external data outside the model folder', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'model'));
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(16));
    const w = create(TensorProtoSchema, {
      name: 'w',
      dims: [4n],
      dataType: DT.FLOAT,
      dataLocation: TensorProto_DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: '../secret.bin' }],
    });
    const file = join(dir, 'model', 'm.onnx');
    writeFileSync(
      file,
      modelBytes({
        nodes: [node('Mul', ['x', 'w'], ['y'], { name: 'mul' })],
        initializers: [w],
        inputs: [f32('x', [4])],
        outputs: [f32('y', [4])],
      }),
    );
    const out = join(dir, 'out');
    const r = cliProcess('quantize', '--workload', file, '--out', out);
    expectOneCleanError(r, 'm.onnx', '../secret.bin');
    expect(existsSync(out)).toBe(false);
  });
});
