/**
 * loadDataset (src/graph/import/dataset.ts): a `.pb` TensorProto read directly, a
 * `bitcycle-dataset/1` manifest's scale / offset / labels (values worked out by hand on tensors
 * written here with onnx-buf), and every bad manifest as one InputError: format tag, non-number
 * scale or offset, paths that leave the manifest's folder (`..`, absolute, symlink), missing files,
 * labels of the wrong count or not integers, truncated `.pb` files. Fixtures live in a temp folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { TensorProto_DataType as DT, TensorProtoSchema } from 'onnx-buf';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET_FORMAT, loadDataset } from '../../../src/graph/import/dataset.js';
import { packageRoot } from '../../../src/units/paths.js';
import { issuesOf } from '../../support/input-error.js';

const root = mkdtempSync(join(tmpdir(), 'bitcycle-dataset-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The folder manifests live in; `outside.pb` sits in its parent. */
const dir = join(root, 'data');
mkdirSync(dir);

function tensorBytes(dims: readonly number[], dataType: number, raw: Uint8Array<ArrayBuffer>): Uint8Array {
  return toBinary(
    TensorProtoSchema,
    create(TensorProtoSchema, { name: 't', dims: dims.map((d) => BigInt(d)), dataType, rawData: raw }),
  );
}

function int64Bytes(values: readonly number[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
}

function float32Bytes(values: readonly number[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new Float32Array(values).buffer);
}

function write(name: string, bytes: Uint8Array | string, folder = dir): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

/** uint8 [3, 2, 2]: three 2×2 samples. */
const IMAGES = [0, 1, 2, 3, 4, 5, 6, 7, 250, 251, 252, 255];
const imagesPb = write('images.pb', tensorBytes([3, 2, 2], DT.UINT8, Uint8Array.from(IMAGES)));
write('labels.pb', tensorBytes([3], DT.INT64, int64Bytes([2, 0, 1])));
write('two-labels.pb', tensorBytes([2], DT.INT64, int64Bytes([2, 0])));
write('float-labels.pb', tensorBytes([3], DT.FLOAT, float32Bytes([2, 0.5, 1])));
write('negative-labels.pb', tensorBytes([3], DT.INT64, int64Bytes([2, -1, 1])));
write('outside.pb', tensorBytes([3, 2, 2], DT.UINT8, Uint8Array.from(IMAGES)), root);
const truncated = write(
  'truncated.pb',
  readFileSync(imagesPb).subarray(0, readFileSync(imagesPb).length - 3),
);
symlinkSync(join(root, 'outside.pb'), join(dir, 'link-out.pb'));
symlinkSync(imagesPb, join(dir, 'link-in.pb'));

let manifests = 0;
/** A manifest in `dir` with the given fields (format first unless given). */
function manifest(fields: Record<string, unknown>): string {
  return write(`m${manifests++}.json`, JSON.stringify({ format: DATASET_FORMAT, ...fields }));
}

const samples = (rows: readonly (readonly number[])[]): Float32Array[] =>
  rows.map((r) => Float32Array.from(r));

describe('loadDataset: .pb', () => {
  it('reads a TensorProto directly: samples along dim 0, stored values as they are', () => {
    const d = loadDataset(imagesPb);
    expect(d.file).toBe(imagesPb);
    expect(d.sampleShape).toEqual([2, 2]);
    expect(d.samples).toEqual(
      samples([
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [250, 251, 252, 255],
      ]),
    );
    expect(d.labels).toBeUndefined();
  });

  it('a truncated .pb is one InputError naming it', () => {
    const issues = issuesOf(() => loadDataset(truncated));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe(truncated);
  });

  it('a missing .pb is one InputError', () => {
    const absent = join(dir, 'absent.pb');
    expect(issuesOf(() => loadDataset(absent))).toMatchObject([{ file: absent, path: '(file)' }]);
  });
});

describe('loadDataset: bitcycle-dataset/1 manifest', () => {
  it('input = stored · scale + offset, with labels', () => {
    const d = loadDataset(manifest({ inputs: 'images.pb', scale: 0.5, offset: -1, labels: 'labels.pb' }));
    expect(d.sampleShape).toEqual([2, 2]);
    expect(d.samples).toEqual(
      samples([
        [-1, -0.5, 0, 0.5],
        [1, 1.5, 2, 2.5],
        [124, 124.5, 125, 126.5],
      ]),
    );
    expect(d.labels).toEqual(Int32Array.from([2, 0, 1]));
  });

  it('scale defaults to 1 and offset to 0; labels are optional; a symlink inside the folder is fine', () => {
    const d = loadDataset(manifest({ inputs: 'link-in.pb', offset: 0.25 }));
    expect(d.samples[2]).toEqual(Float32Array.from([250.25, 251.25, 252.25, 255.25]));
    expect(d.labels).toBeUndefined();
    expect(loadDataset(manifest({ inputs: 'images.pb', scale: 2 })).samples[0]).toEqual(
      Float32Array.from([0, 2, 4, 6]),
    );
  });

  it('a file whose name starts with two dots is inside the folder', () => {
    write('..images.pb', readFileSync(imagesPb));
    expect(loadDataset(manifest({ inputs: '..images.pb' })).samples).toHaveLength(3);
  });

  it('reads the committed MNIST test manifest: 1000 samples of 1×28×28 in [0, 1], labels 0–9', () => {
    const d = loadDataset(join(packageRoot(), 'workloads', 'mnist', 'test.json'));
    expect(d.sampleShape).toEqual([1, 28, 28]);
    expect(d.samples).toHaveLength(1000);
    expect(d.labels).toHaveLength(1000);
    expect(Array.from(d.labels!.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(d.samples.every((s) => s.every((v) => v >= 0 && v <= 1))).toBe(true);
    expect(d.samples.some((s) => s.includes(1))).toBe(true);
  });
});

describe('loadDataset: each bad manifest is one InputError', () => {
  const cases: [string, Record<string, unknown> | string, string, string][] = [
    [
      'wrong format tag',
      { format: 'bitcycle-dataset/2', inputs: 'images.pb' },
      'format',
      '"bitcycle-dataset/2"',
    ],
    ['no format tag', { inputs: 'images.pb', format: undefined }, 'format', '(missing)'],
    ['not an object', '[1, 2]', 'format', '(missing)'],
    ['scale a string', { inputs: 'images.pb', scale: '0.5' }, 'scale', '"0.5"'],
    ['scale null', { inputs: 'images.pb', scale: null }, 'scale', 'null'],
    ['offset a boolean', { inputs: 'images.pb', offset: true }, 'offset', 'true'],
    ['inputs missing', {}, 'inputs', '(missing)'],
    ['inputs ../', { inputs: '../outside.pb' }, 'inputs', '"../outside.pb"'],
    [
      'inputs absolute',
      { inputs: join(root, 'outside.pb') },
      'inputs',
      JSON.stringify(join(root, 'outside.pb')),
    ],
    ['inputs a symlink out', { inputs: 'link-out.pb' }, 'inputs', '"link-out.pb"'],
    ['inputs missing file', { inputs: 'absent.pb' }, 'inputs', '"absent.pb"'],
    ['labels ../', { inputs: 'images.pb', labels: '../outside.pb' }, 'labels', '"../outside.pb"'],
    ['labels missing file', { inputs: 'images.pb', labels: 'absent.pb' }, 'labels', '"absent.pb"'],
    ['labels of the wrong count', { inputs: 'images.pb', labels: 'two-labels.pb' }, 'labels', '2 values'],
    ['labels not integers', { inputs: 'images.pb', labels: 'float-labels.pb' }, 'labels', '3 values'],
    ['labels negative', { inputs: 'images.pb', labels: 'negative-labels.pb' }, 'labels', '3 values'],
    ['a misspelt key', { inputs: 'images.pb', label: 'labels.pb' }, 'label', '"labels.pb"'],
  ];
  it.each(cases)('%s', (_, fields, path, value) => {
    const file = typeof fields === 'string' ? write(`m${manifests++}.json`, fields) : manifest(fields);
    const issues = issuesOf(() => loadDataset(file));
    expect(issues.map((i) => [i.file, i.path, i.value])).toEqual([[file, path, value]]);
  });

  it('escaping paths name what was expected', () => {
    const expected = (fields: Record<string, unknown>): string =>
      issuesOf(() => loadDataset(manifest(fields)))[0]!.expected;
    expect(expected({ inputs: '../outside.pb' })).toBe("a file inside the manifest's folder");
    expect(expected({ inputs: 'link-out.pb' })).toBe("a file inside the manifest's folder");
    expect(expected({ inputs: join(root, 'outside.pb') })).toBe('a relative file name');
    expect(expected({ inputs: 'absent.pb' })).toBe('an existing file');
  });

  it('a truncated .pb named by a manifest is one InputError naming the .pb', () => {
    const issues = issuesOf(() => loadDataset(manifest({ inputs: 'truncated.pb' })));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe(truncated);
  });

  it('every problem of a manifest at once', () => {
    const file = manifest({ inputs: '../outside.pb', scale: 'x', offset: 'y', labels: 'absent.pb' });
    expect(issuesOf(() => loadDataset(file)).map((i) => i.path)).toEqual([
      'scale',
      'offset',
      'inputs',
      'labels',
    ]);
  });

  it('a manifest that is not JSON, or missing, is one InputError', () => {
    const bad = write('bad.json', '{ "format": ');
    expect(issuesOf(() => loadDataset(bad))).toMatchObject([{ file: bad, path: '(file)' }]);
    const absent = join(dir, 'absent.json');
    expect(issuesOf(() => loadDataset(absent))).toMatchObject([{ file: absent, path: '(file)' }]);
  });
});
