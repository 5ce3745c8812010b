import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../src/graph/analyze.js';
import {
  detectScaleSimKind,
  parseScaleSimCsv,
  parseScaleSimGemm,
  parseScaleSimTopology,
  scaleSimConvMacs,
  scaleSimOutputSize,
} from '../../src/graph/import/scalesim-csv.js';
import type { Conv2dAttrs, Graph } from '../../src/graph/ir.js';
import { loadWorkload } from '../../src/graph/workload.js';
import { InputError } from '../../src/units/errors.js';
import { packageRoot } from '../../src/units/paths.js';

const CONV_HEADER =
  'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,';
const GEMM_HEADER = 'Layer, M, N, K,';

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

function convAttrs(g: Graph, name: string): Conv2dAttrs {
  const node = g.nodes.find((n) => n.name === name);
  if (node?.op !== 'conv2d') throw new Error(`no conv2d ${name}`);
  return node.attrs;
}

describe('SCALE-Sim conv topology', () => {
  it('makes one independent conv2d per row with its own input, no padding when the stride divides', () => {
    const g = parseScaleSimTopology(
      `${CONV_HEADER}\nconv1, 58, 58, 3, 3, 64, 128, 1,\nconv2, 57, 57, 3, 3, 64, 128, 2,\n`,
      't.csv',
    );
    expect(g.name).toBe('t');
    expect(g.inputs).toEqual(['conv1.ifmap', 'conv2.ifmap']);
    expect(g.outputs).toEqual(['conv1', 'conv2']);
    expect(g.tensors.get('conv1.ifmap')?.shape).toEqual([1, 64, 58, 58]);
    expect(g.tensors.get('conv1.weight')?.shape).toEqual([128, 64, 3, 3]);
    expect(convAttrs(g, 'conv1').pads).toEqual([0, 0, 0, 0]);
    const a = analyzeGraph(g);
    expect(a.shapes.get('conv1')).toEqual([1, 128, 56, 56]);
    expect(a.shapes.get('conv2')).toEqual([1, 128, 28, 28]);
    expect(a.totals.macs).toBe(
      scaleSimConvMacs(58, 58, 3, 3, 64, 128, 1) + scaleSimConvMacs(57, 57, 3, 3, 64, 128, 2),
    );
  });

  it("pads bottom/right so the output size is SCALE-Sim's ceil((H - F + S) / S) when the stride does not divide", () => {
    // 230 = 224 + 2·3: SCALE-Sim keeps a partial last window → 113, where floor would give 112.
    const g = parseScaleSimTopology(`${CONV_HEADER}\nconv1, 230, 231, 7, 7, 3, 64, 2,\n`, 't.csv');
    expect(scaleSimOutputSize(230, 7, 2)).toBe(113);
    expect(scaleSimOutputSize(231, 7, 2)).toBe(113);
    expect(convAttrs(g, 'conv1').pads).toEqual([0, 0, 1, 0]);
    const a = analyzeGraph(g);
    expect(a.shapes.get('conv1')).toEqual([1, 64, 113, 113]);
    expect(a.totals.macs).toBe(scaleSimConvMacs(230, 231, 7, 7, 3, 64, 2));
  });

  it('reads the optional 9th column as the column stride', () => {
    const g = parseScaleSimTopology(`${CONV_HEADER}\nc, 10, 10, 3, 3, 2, 4, 1, 2,\n`, 't.csv');
    expect(convAttrs(g, 'c').stride).toEqual([1, 2]);
    expect(analyzeGraph(g).shapes.get('c')).toEqual([1, 4, 8, 5]);
  });

  it('treats a name containing DP as depthwise (groups = Channels, Channels × Num Filter outputs)', () => {
    const g = parseScaleSimTopology(`${CONV_HEADER}\nConv2_DP, 114, 114, 3, 3, 32, 1, 1,\n`, 't.csv');
    const attrs = convAttrs(g, 'Conv2_DP');
    expect(attrs.groups).toBe(32);
    expect(attrs.outChannels).toBe(32);
    expect(g.tensors.get('Conv2_DP.weight')?.shape).toEqual([32, 1, 3, 3]);
    // SCALE-Sim expands it into 32 single-channel layers of 1 filter: 32 · 112² · 9 MACs.
    expect(analyzeGraph(g).totals.macs).toBe(32 * scaleSimConvMacs(114, 114, 3, 3, 1, 1, 1));
  });

  it('skips blank lines and # comments, tolerates missing trailing commas, tabs and a trailing # note', () => {
    const text = `${CONV_HEADER}\n\n# a comment\n\tA, 8, 8, 3, 3, 1, 1, 1,#dw\nB,8,8,1,1,4,4,1\r\n\n`;
    const g = parseScaleSimTopology(text, 't.csv');
    expect(g.nodes.map((n) => n.name)).toEqual(['A', 'B']);
  });

  it('renames repeated layer names with _2, _3', () => {
    const g = parseScaleSimTopology(
      `${CONV_HEADER}\nc, 4, 4, 1, 1, 1, 1, 1,\nc, 4, 4, 1, 1, 1, 1, 1,\nc, 4, 4, 1, 1, 1, 1, 1,\n`,
      't.csv',
    );
    expect(g.nodes.map((n) => n.name)).toEqual(['c', 'c_2', 'c_3']);
  });

  it('scales N with the batch option', () => {
    const g = parseScaleSimTopology(`${CONV_HEADER}\nc, 4, 4, 1, 1, 1, 1, 1,\n`, 't.csv', { batch: 8 });
    expect(g.tensors.get('c.ifmap')?.shape).toEqual([8, 1, 4, 4]);
  });

  it('reports every bad cell at once with file, line, column name, value and what was expected', () => {
    const text = [
      CONV_HEADER,
      'ok, 8, 8, 3, 3, 1, 1, 1,',
      'short, 8, 8, 3,',
      'bad, 8, x8, 3, 3, 1.5, 0, -1,',
      ', 8, 8, 3, 3, 1, 1, 1,',
      'big, 4, 4, 5, 3, 1, 1, 1,',
    ].join('\n');
    const e = inputError(() => parseScaleSimTopology(text, 'net.csv'));
    const paths = e.issues.map((i) => i.path);
    expect(paths).toEqual([
      'line 3, column 5 "Filter Width"',
      'line 3, column 6 "Channels"',
      'line 3, column 7 "Num Filter"',
      'line 3, column 8 "Strides"',
      'line 4, column 3 "IFMAP Width"',
      'line 4, column 6 "Channels"',
      'line 4, column 7 "Num Filter"',
      'line 4, column 8 "Strides"',
      'line 5, column 1 "Layer name"',
      'line 6, column 4 "Filter Height"',
    ]);
    expect(e.issues.every((i) => i.file === 'net.csv')).toBe(true);
    expect(e.issues[0]!.value).toBe('(missing)');
    expect(e.issues[4]!.value).toBe('"x8"');
    expect(e.issues[4]!.expected).toBe('a positive integer');
    expect(e.issues[6]!.value).toBe('"0"');
    expect(e.issues[7]!.value).toBe('"-1"');
    expect(e.issues[9]!.expected).toContain('at most the IFMAP Height 4');
    expect(e.message).toContain(
      'net.csv: line 4, column 3 "IFMAP Width": got "x8"; expected a positive integer',
    );
  });

  it('rejects a file with no rows', () => {
    const e = inputError(() => parseScaleSimTopology(`${CONV_HEADER}\n\n`, 'empty.csv'));
    expect(e.issues[0]!.value).toBe('no layer rows');
  });
});

describe('SCALE-Sim GEMM topology', () => {
  it('maps M, N, K to a dense layer with input [M, K] and N units (M·N·K MACs)', () => {
    const g = parseScaleSimGemm(`${GEMM_HEADER}\nqkt, 1024, 1024, 64,\nff, 128, 3072, 768\n`, 'g.csv');
    expect(g.tensors.get('qkt.a')?.shape).toEqual([1024, 64]);
    expect(g.tensors.get('qkt.weight')?.shape).toEqual([64, 1024]);
    const a = analyzeGraph(g);
    expect(a.shapes.get('ff')).toEqual([128, 3072]);
    expect(a.totals.macs).toBe(1024 * 1024 * 64 + 128 * 3072 * 768);
  });

  it('reports bad GEMM cells with the GEMM column names', () => {
    const e = inputError(() => parseScaleSimGemm(`${GEMM_HEADER}\nx, 4, zero, 0,\ny, 4,\n`, 'g.csv'));
    expect(e.issues.map((i) => `${i.path}=${i.value}`)).toEqual([
      'line 2, column 3 "N"="zero"',
      'line 2, column 4 "K"="0"',
      'line 3, column 3 "N"=(missing)',
      'line 3, column 4 "K"=(missing)',
    ]);
  });
});

describe('SCALE-Sim kind detection', () => {
  it('reads the kind from the header, else from the first row, else asks', () => {
    expect(detectScaleSimKind(CONV_HEADER)).toBe('conv');
    expect(detectScaleSimKind('Layer,M,N,K')).toBe('gemm');
    expect(detectScaleSimKind('a,b,c')).toBeUndefined();
    expect(parseScaleSimCsv('name,a,b,c\nx, 2, 3, 4,\n', 'g.csv').nodes[0]!.op).toBe('dense');
    expect(parseScaleSimCsv('whatever\nx, 4, 4, 1, 1, 1, 1, 1,\n', 'c.csv').nodes[0]!.op).toBe('conv2d');
    expect(parseScaleSimCsv('whatever\nx, 2, 3, 4,\n', 'c.csv', { kind: 'gemm' }).nodes[0]!.op).toBe('dense');
    const e = inputError(() => parseScaleSimCsv('a,b\nx, 1,\n', 'c.csv'));
    expect(e.issues[0]!.path).toBe('line 1 (header)');
    expect(e.issues[0]!.expected).toContain('IFMAP Height');
  });
});

describe('SCALE-Sim sample topologies in workloads/scalesim', () => {
  const dir = join(packageRoot(), 'workloads', 'scalesim');

  it('resnet18_conv.csv: enlarged IFMAPs reproduce torchvision ResNet-18 output sizes and all its MACs', () => {
    const g = loadWorkload(join(dir, 'resnet18_conv.csv'));
    expect(g.nodes).toHaveLength(21);
    const a = analyzeGraph(g);
    expect(g.nodes.every((n) => n.op === 'conv2d' && n.attrs.pads.every((p) => p === 0))).toBe(true);
    expect(a.shapes.get('conv1')).toEqual([1, 64, 112, 112]);
    expect(a.shapes.get('layer4.1.conv2')).toEqual([1, 512, 7, 7]);
    // Every MAC of ResNet-18 is in a conv or the FC: the same total as the zoo's resnet18.
    expect(a.totals.macs).toBe(analyzeGraph(loadWorkload('resnet18')).totals.macs);
    // ...and SCALE-Sim's own count of the file agrees row by row.
    const rows = readFileSync(join(dir, 'resnet18_conv.csv'), 'utf8').trim().split('\n').slice(1);
    const ssMacs = rows
      .map((r) => r.split(',').slice(1, 8).map(Number))
      .reduce((s, [h, w, fh, fw, c, nf, st]) => s + scaleSimConvMacs(h!, w!, fh!, fw!, c!, nf!, st!), 0);
    expect(a.totals.macs).toBe(ssMacs);
  });

  it('bert_base_layer_gemm.csv: one BERT-base encoder layer at 128 tokens (4·T·d² + 2·T·d·4d + 2·T²·d)', () => {
    const g = loadWorkload(join(dir, 'bert_base_layer_gemm.csv'));
    const t = 128;
    const d = 768;
    expect(analyzeGraph(g).totals.macs).toBe(4 * t * d * d + 2 * t * d * 4 * d + 2 * t * t * d);
  });
});
