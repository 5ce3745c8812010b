/** The registry's entry type: an OpDefinition plus structured validation for graph/analyze. */
import type { FloatTensor, NodeOf, OpType, Shape } from '../ir.js';
import type { OpDefinition } from './api.js';
import { checkAttrsObject, checkInputShapes, formatProblem, type OpProblem } from './check.js';

export interface OpEntry<K extends OpType> extends OpDefinition<K> {
  /** The same problems `validate` returns, as { path, value, expected } records. */
  check(node: NodeOf<K>, inputShapes: readonly Shape[]): OpProblem[];
  /** Name of input i in messages (`x`, `weight`, `bias`, `a`, `input 2` …). */
  inputRole(index: number): string;
}

export interface OpSpec<K extends OpType> {
  readonly op: K;
  inputRole(index: number): string;
  /** Op-specific checks; attrs is an object and every input shape is well formed when called. */
  checkOp(node: NodeOf<K>, inputShapes: readonly Shape[]): OpProblem[];
  inferShapes(node: NodeOf<K>, inputShapes: readonly Shape[]): Shape[];
  macs?(node: NodeOf<K>, inputShapes: readonly Shape[], outputShapes: readonly Shape[]): number;
  reference(node: NodeOf<K>, inputs: readonly FloatTensor[]): FloatTensor[];
}

export function defineOp<K extends OpType>(spec: OpSpec<K>): OpEntry<K> {
  const check = (node: NodeOf<K>, inputShapes: readonly Shape[]): OpProblem[] => {
    const basic = [
      ...checkAttrsObject(node.attrs),
      ...checkInputShapes(inputShapes, (i) => spec.inputRole(i)),
    ];
    return basic.length > 0 ? basic : spec.checkOp(node, inputShapes);
  };
  return {
    op: spec.op,
    check,
    inputRole: (i) => spec.inputRole(i),
    validate: (node, inputShapes) => check(node, inputShapes).map(formatProblem),
    inferShapes: (node, inputShapes) => spec.inferShapes(node, inputShapes),
    macs: (node, inputShapes, outputShapes) => (spec.macs ? spec.macs(node, inputShapes, outputShapes) : 0),
    reference: (node, inputs) => spec.reference(node, inputs),
  };
}

/** Input role names from a fixed list; extra inputs are `input <i>`. */
export function rolesFrom(names: readonly string[]): (index: number) => string {
  return (index) => names[index] ?? `input ${index}`;
}

/** For variadic ops: `input <i>`. */
export function numberedRole(index: number): string {
  return `input ${index}`;
}
