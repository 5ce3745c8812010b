/**
 * The 39 ONNX backend node tests end to end: each model.onnx is imported (every graph input after
 * the first bound as a constant), executed with numerics/execute.ts's default arithmetic, and its
 * output compared with output_0.pb bit for bit: stored codes for quantized outputs, float32 bit
 * patterns for float outputs (float16 outputs after rounding to fp16).
 */
import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/formats/index.js';
import { importOnnx } from '../../src/graph/import/onnx/index.js';
import { executeGraph } from '../../src/numerics/execute.js';
import { loadNodeTest, nodeTestNames } from '../graph/import/node-tests.js';

function f32Bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

describe('ONNX node tests: import, execute, compare bit for bit', () => {
  it('finds the 39 test directories', () => {
    expect(nodeTestNames()).toHaveLength(39);
  });

  it.each(nodeTestNames())('%s', (name) => {
    const t = loadNodeTest(name);
    const graph = importOnnx(t.bytes, { modelPath: t.modelPath, bindInputs: t.bind });
    const x = t.inputs[0]!;
    const input = graph.tensors.get(graph.inputs[0]!)!;
    const value =
      input.quant !== undefined
        ? { stored: Float64Array.from(x.values) }
        : { real: Float32Array.from(x.values) };
    const out = executeGraph(graph, new Map([[graph.inputs[0]!, value]])).get(graph.outputs[0]!)!;
    const want = t.output;
    expect(out.shape).toEqual(want.dims);
    const quantized =
      (want.codes !== undefined && want.elemTypeName !== 'FLOAT16') || want.elemTypeName === 'INT32';
    if (quantized) {
      expect(out.quant).toBeDefined();
      expect(Array.from(out.stored!)).toEqual(Array.from(want.values));
    } else if (want.elemTypeName === 'FLOAT16') {
      const fp16 = parseFormat('fp16');
      expect(Array.from(out.real, (v) => fp16.encode(v))).toEqual(Array.from(want.codes!));
    } else {
      expect(want.elemTypeName).toBe('FLOAT');
      expect(f32Bits(out.real)).toEqual(f32Bits(Float32Array.from(want.values)));
    }
  });
});
