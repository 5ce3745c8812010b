/**
 * A whole int8 network through the executor: the bench fixture's quantization of a small float
 * network (batchnorm folded, per-channel int8 weights, int32 biases, calibrated int8 activations)
 * runs every code-domain and float-path op in sequence and stays close to its fp32 version.
 */
import { describe, expect, it } from 'vitest';
import { int8Version } from '../../bench/numerics-fixture.js';
import { tensorError, topKAgreement } from '../../src/numerics/compare.js';
import { executeGraph } from '../../src/numerics/execute.js';
import { floatNet } from './helpers.js';

describe('an int8 network', () => {
  it('tracks its fp32 version and is deterministic', () => {
    const net = int8Version(floatNet(), 3);
    const conv = net.graph.nodes.find((n) => n.op === 'conv2d')!;
    // the fixture folded the batchnorm into the conv and quantized its weights and bias
    expect(net.graph.nodes.some((n) => n.op === 'batchnorm')).toBe(false);
    expect(conv.inputs.map((t) => net.graph.tensors.get(t)?.quant?.format)).toEqual([
      'int8',
      'int8',
      'int32',
    ]);
    const inputs = new Map([[net.graph.inputs[0]!, { real: net.input }]]);
    const a = executeGraph(net.graph, inputs);
    const b = executeGraph(net.graph, inputs);
    const logits = a.get(net.logits)!;
    expect(logits.quant?.format).toBe('int8');
    expect(Array.from(b.get(net.logits)!.stored!)).toEqual(Array.from(logits.stored!));
    const err = tensorError(net.logits, net.referenceLogits, logits.real);
    expect(err.sqnrDb).toBeGreaterThan(20);
    expect(topKAgreement(net.referenceLogits, logits.real, 1, logits.real.length, 1)).toBe(1);
  });
});
