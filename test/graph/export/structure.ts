import type { Graph } from '../../../src/graph/ir.js';

/** The structure the round trip compares (name and provenance aside), tensors in name order. */
export function structure(g: Graph) {
  return {
    inputs: g.inputs,
    outputs: g.outputs,
    nodes: g.nodes,
    tensors: [...g.tensors.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}
