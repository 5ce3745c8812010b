/**
 * Whole-graph analysis: validate every node (all problems at once), infer every tensor's shape,
 * count MACs and parameters per layer; and run the graph with the float32 reference kernels.
 *
 * Tensor availability: a node may read a graph input, a tensor declared with role `input`,
 * `weight`, `bias` or `constant` (shape from its declaration), or the output of an earlier node.
 * A produced tensor that is also declared with a non-empty shape must match the inferred shape
 * (an empty declared shape on a produced tensor means "not known yet" and is not checked).
 *
 * Parameters: a layer owns the weight / bias / constant tensors it is the first node to read, so
 * the per-layer counts add up to the total even when a tensor is shared.
 */
import { InputError, showValue, type InputIssue } from '../units/errors.js';
import {
  elementCount,
  type FloatTensor,
  type Graph,
  type Node,
  type OpType,
  type Shape,
  type TensorInfo,
} from './ir.js';
import { isValidShape, sameShape, showShape, type OpProblem } from './ops/check.js';
import {
  checkNode,
  inferNodeShapes,
  inputRoleOf,
  isOpType,
  nodeMacs,
  nodeReference,
} from './ops/registry.js';

export interface LayerAnalysis {
  readonly name: string;
  readonly op: OpType;
  /** Shape of the node's first input. */
  readonly inputShape: Shape;
  /** Shape of the node's first output. */
  readonly outputShape: Shape;
  readonly macs: number;
  /** Elements of the weight / bias / constant tensors this layer owns (see paramTensors). */
  readonly params: number;
  /** Names of the parameter tensors this layer is the first to read. */
  readonly paramTensors: string[];
}

export interface GraphAnalysis {
  /** Every tensor the graph reads or produces → its shape. */
  readonly shapes: Map<string, Shape>;
  /** One entry per node, in node order. */
  readonly layers: LayerAnalysis[];
  readonly totals: { readonly macs: number; readonly params: number };
}

const PARAM_ROLES = new Set(['weight', 'bias', 'constant']);

export function isParamTensor(info: TensorInfo | undefined): boolean {
  return info !== undefined && PARAM_ROLES.has(info.role);
}

function nodePath(i: number, node: Node): string {
  const name: unknown = node.name;
  const op: unknown = node.op;
  return `nodes[${i}] (${String(name)}, ${String(op)})`;
}

function issue(path: string, value: string, expected: string): InputIssue {
  return { path, value, expected };
}

/** Declared tensors: well-formed shapes, data of the right length. */
function checkDeclaredTensors(graph: Graph): InputIssue[] {
  const out: InputIssue[] = [];
  for (const [name, info] of graph.tensors) {
    const path = `tensors.${name}`;
    if (info.name !== name)
      out.push(issue(`${path}.name`, showValue(info.name), `${JSON.stringify(name)}, its key`));
    if (!isValidShape(info.shape) && !(info.role === 'activation' && Array.isArray(info.shape))) {
      out.push(issue(`${path}.shape`, showValue(info.shape), 'a list of positive integer dims'));
      continue;
    }
    if (info.data !== undefined && info.data.length !== elementCount(info.shape)) {
      out.push(
        issue(
          `${path}.data`,
          `${info.data.length} values`,
          `${elementCount(info.shape)} values for shape ${showShape(info.shape)}`,
        ),
      );
    }
  }
  return out;
}

/**
 * Shapes available before the first node runs (graph inputs and declared inputs / parameters),
 * and the names already reported as bad, so that their readers are not reported again.
 */
function initialShapes(
  graph: Graph,
  issues: InputIssue[],
): { shapes: Map<string, Shape>; poisoned: Set<string> } {
  const shapes = new Map<string, Shape>();
  const poisoned = new Set<string>();
  const available = (name: string, info: TensorInfo): void => {
    if (isValidShape(info.shape)) shapes.set(name, info.shape);
    else poisoned.add(name);
  };
  graph.inputs.forEach((name, i) => {
    const info = graph.tensors.get(name);
    if (info !== undefined) available(name, info);
    else {
      issues.push(issue(`inputs[${i}]`, showValue(name), 'a tensor declared in tensors'));
      poisoned.add(name);
    }
  });
  for (const [name, info] of graph.tensors) {
    if (info.role === 'input' || isParamTensor(info)) available(name, info);
  }
  return { shapes, poisoned };
}

interface WalkState {
  readonly graph: Graph;
  readonly shapes: Map<string, Shape>;
  /** Tensors that would exist but whose node failed validation: readers are not re-reported. */
  readonly poisoned: Set<string>;
  readonly produced: Set<string>;
  readonly owned: Set<string>;
  readonly names: Set<string>;
  readonly issues: InputIssue[];
  readonly layers: LayerAnalysis[];
}

function opProblemToIssue(prefix: string, p: OpProblem): InputIssue {
  return issue(`${prefix}.${p.path}`, p.value, p.expected);
}

/** Shapes of the node's inputs, or undefined (issues recorded) when one is not available. */
function resolveInputs(state: WalkState, i: number, node: Node): Shape[] | undefined {
  const prefix = nodePath(i, node);
  const inputs: unknown = node.inputs;
  if (!Array.isArray(inputs) || !inputs.every((s) => typeof s === 'string')) {
    state.issues.push(issue(`${prefix}.inputs`, showValue(inputs), 'a list of tensor names'));
    return undefined;
  }
  const shapes: Shape[] = [];
  node.inputs.forEach((name, j) => {
    const shape = state.shapes.get(name);
    if (shape !== undefined) shapes.push(shape);
    else {
      if (!state.poisoned.has(name)) {
        state.issues.push(
          issue(
            `${prefix}.inputs[${j}] (${inputRoleOf(node, j)})`,
            showValue(name),
            'a graph input, a declared weight / bias / constant, or the output of an earlier node',
          ),
        );
      }
    }
  });
  return shapes.length === node.inputs.length ? shapes : undefined;
}

function checkOutputs(state: WalkState, i: number, node: Node, inferred: readonly Shape[]): boolean {
  const prefix = nodePath(i, node);
  const outputs: unknown = node.outputs;
  if (
    !Array.isArray(outputs) ||
    outputs.length !== inferred.length ||
    !outputs.every((s) => typeof s === 'string')
  ) {
    state.issues.push(
      issue(`${prefix}.outputs`, showValue(outputs), `a list of ${inferred.length} tensor name(s)`),
    );
    return false;
  }
  let ok = true;
  node.outputs.forEach((name, j) => {
    const declared = state.graph.tensors.get(name);
    if (
      state.produced.has(name) ||
      state.graph.inputs.includes(name) ||
      isParamTensor(declared) ||
      declared?.role === 'input'
    ) {
      state.issues.push(
        issue(
          `${prefix}.outputs[${j}]`,
          showValue(name),
          'a tensor name no other node, graph input or parameter already defines',
        ),
      );
      ok = false;
    } else if (
      declared !== undefined &&
      declared.shape.length > 0 &&
      !sameShape(declared.shape, inferred[j]!)
    ) {
      state.issues.push(
        issue(
          `${prefix}.outputs[${j}]`,
          `${showValue(name)} declared with shape ${showShape(declared.shape)}`,
          `shape ${showShape(inferred[j]!)} as inferred from the node's inputs`,
        ),
      );
      ok = false;
    }
  });
  return ok;
}

function ownParams(state: WalkState, node: Node): string[] {
  const owned: string[] = [];
  for (const name of node.inputs) {
    if (state.produced.has(name) || state.owned.has(name) || !isParamTensor(state.graph.tensors.get(name)))
      continue;
    state.owned.add(name);
    owned.push(name);
  }
  return owned;
}

function poison(state: WalkState, node: Node): void {
  const outputs: unknown = node.outputs;
  if (Array.isArray(outputs)) for (const o of outputs) if (typeof o === 'string') state.poisoned.add(o);
}

function visitNode(state: WalkState, i: number, node: Node): void {
  const prefix = nodePath(i, node);
  if (!isOpType(node.op)) {
    state.issues.push(issue(`${prefix}.op`, showValue(node.op), 'a known op'));
    poison(state, node);
    return;
  }
  if (state.names.has(node.name))
    state.issues.push(issue(`${prefix}.name`, showValue(node.name), 'a node name used once'));
  state.names.add(node.name);
  const inputShapes = resolveInputs(state, i, node);
  if (inputShapes === undefined) {
    poison(state, node);
    return;
  }
  const problems = checkNode(node, inputShapes);
  if (problems.length > 0) {
    for (const p of problems) state.issues.push(opProblemToIssue(prefix, p));
    poison(state, node);
    return;
  }
  const outputShapes = inferNodeShapes(node, inputShapes);
  if (!checkOutputs(state, i, node, outputShapes)) {
    poison(state, node);
    return;
  }
  node.outputs.forEach((name, j) => {
    state.shapes.set(name, outputShapes[j]!);
    state.produced.add(name);
  });
  const paramTensors = ownParams(state, node);
  state.layers.push({
    name: node.name,
    op: node.op,
    inputShape: inputShapes[0]!,
    outputShape: outputShapes[0]!,
    macs: nodeMacs(node, inputShapes, outputShapes),
    params: paramTensors.reduce((n, t) => n + elementCount(state.shapes.get(t)!), 0),
    paramTensors,
  });
}

function checkGraphOutputs(state: WalkState): void {
  state.graph.outputs.forEach((name, i) => {
    if (!state.shapes.has(name) && !state.poisoned.has(name)) {
      state.issues.push(
        issue(`outputs[${i}]`, showValue(name), 'a tensor produced by a node or a graph input'),
      );
    }
  });
}

/**
 * Validate the whole graph and infer every shape. Throws one InputError holding every problem,
 * with paths like `nodes[3] (conv1, conv2d).attrs.kernel`.
 */
export function analyzeGraph(graph: Graph): GraphAnalysis {
  const issues = checkDeclaredTensors(graph);
  const { shapes, poisoned } = initialShapes(graph, issues);
  const state: WalkState = {
    graph,
    shapes,
    poisoned,
    produced: new Set(),
    owned: new Set(),
    names: new Set(),
    issues,
    layers: [],
  };
  graph.nodes.forEach((node, i) => {
    visitNode(state, i, node);
  });
  checkGraphOutputs(state);
  if (issues.length > 0) throw new InputError(issues);
  const totals = state.layers.reduce((t, l) => ({ macs: t.macs + l.macs, params: t.params + l.params }), {
    macs: 0,
    params: 0,
  });
  return { shapes: state.shapes, layers: state.layers, totals };
}

// ---- reference execution -----------------------------------------------------------------------

function checkTensorArgument(path: string, t: FloatTensor | undefined, shape: Shape): InputIssue[] {
  if (t === undefined) return [issue(path, '(missing)', `a tensor of shape ${showShape(shape)}`)];
  if (!sameShape(t.shape, shape))
    return [issue(path, `shape ${showShape(t.shape)}`, `shape ${showShape(shape)}`)];
  if (t.data.length !== elementCount(shape))
    return [
      issue(path, `${t.data.length} values`, `${elementCount(shape)} values for shape ${showShape(shape)}`),
    ];
  return [];
}

/**
 * Execute the graph with the float32 reference kernels. `inputs` holds one tensor per graph input;
 * parameters come from their declared data when present, else from `weights(tensorInfo)` (called
 * once per tensor). Returns every graph input and every node output, by name.
 */
export function runReference(
  graph: Graph,
  inputs: ReadonlyMap<string, FloatTensor>,
  weights: (tensor: TensorInfo) => FloatTensor,
): Map<string, FloatTensor> {
  const analysis = analyzeGraph(graph);
  const values = new Map<string, FloatTensor>();
  const issues: InputIssue[] = [];
  for (const name of graph.inputs) {
    const t = inputs.get(name);
    issues.push(...checkTensorArgument(`inputs.${name}`, t, analysis.shapes.get(name)!));
    if (t !== undefined) values.set(name, t);
  }
  if (issues.length > 0) throw new InputError(issues);
  const fetch = (name: string): FloatTensor => {
    const have = values.get(name);
    if (have !== undefined) return have;
    const info = graph.tensors.get(name)!;
    const t = info.data !== undefined ? { shape: info.shape, data: info.data } : weights(info);
    const bad = checkTensorArgument(`weights(${name})`, t, info.shape);
    if (bad.length > 0) throw new InputError(bad);
    values.set(name, t);
    return t;
  };
  for (const node of graph.nodes) {
    const args = node.inputs.map(fetch);
    const outs = nodeReference(node, args);
    node.outputs.forEach((name, j) => values.set(name, outs[j]!));
  }
  for (const [name] of values) {
    if (isParamTensor(graph.tensors.get(name)) && !graph.inputs.includes(name)) values.delete(name);
  }
  return values;
}
