import type { FloatTensor, NodeOf, OpType, Shape } from '../ir.js';

/**
 * What the IR knows about one op: validation, shape inference, MAC count and a float reference
 * kernel. One definition per op in ./registry.ts.
 */
export interface OpDefinition<K extends OpType> {
  readonly op: K;
  /** Problems with attrs / input count / input shapes, as sentences; empty when the node is valid. */
  validate(node: NodeOf<K>, inputShapes: readonly Shape[]): string[];
  /** Output shapes (call only after validate returned no problems). */
  inferShapes(node: NodeOf<K>, inputShapes: readonly Shape[]): Shape[];
  /** Multiply-accumulates of one execution (0 for ops without MACs). */
  macs(node: NodeOf<K>, inputShapes: readonly Shape[], outputShapes: readonly Shape[]): number;
  /** Float32 reference: inputs in the node's input order (weights included), outputs in order. */
  reference(node: NodeOf<K>, inputs: readonly FloatTensor[]): FloatTensor[];
}
