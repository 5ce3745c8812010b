/**
 * Before conversion: the node list with unique names and issue paths, Identity / Dropout removed
 * (readers rewired), and PyTorch's erf GELU pattern replaced by one Gelu node.
 */
import type { GraphProto } from 'onnx-buf';
import { showValue } from '../../../units/errors.js';
import type { OnnxNode } from './context.js';
import type { IssueList } from './issues.js';
import { normalizeDomain } from './model.js';

/** The nodes of the graph with unique IR names and `nodes[i] (name, OpType)` paths. */
export function buildNodes(graph: GraphProto): OnnxNode[] {
  const used = new Set<string>();
  return graph.node.map((n, index) => {
    let name = n.name !== '' ? n.name : `${n.opType}_${index}`;
    for (let k = 2; used.has(name); k++) name = `${n.name !== '' ? n.name : n.opType}_${k}`;
    used.add(name);
    return {
      index,
      name,
      opType: n.opType,
      domain: normalizeDomain(n.domain),
      inputs: [...n.input],
      outputs: [...n.output],
      attributes: n.attribute,
      metadata: new Map(n.metadataProps.map((m) => [m.key, m.value])),
      path: `nodes[${index}] (${n.name !== '' ? n.name : name}, ${n.opType})`,
    };
  });
}

/** ONNX name → indices of the nodes reading it (once per input slot). */
export function consumersOf(nodes: readonly OnnxNode[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const n of nodes) {
    for (const i of n.inputs) {
      if (i === '') continue;
      const list = out.get(i);
      if (list === undefined) out.set(i, [n.index]);
      else list.push(n.index);
    }
  }
  return out;
}

function rename(node: OnnxNode, map: ReadonlyMap<string, string>, outputs = false): OnnxNode {
  const sub = (n: string): string => map.get(n) ?? n;
  return { ...node, inputs: node.inputs.map(sub), outputs: outputs ? node.outputs.map(sub) : node.outputs };
}

export interface PassEnv {
  readonly graphOutputs: ReadonlySet<string>;
  /** Names produced by no node (graph inputs, initializers). */
  readonly sources: ReadonlySet<string>;
  /** The value of a scalar constant (initializer or Constant node), if it is one. */
  readonly scalar: (name: string) => number | undefined;
  readonly issues: IssueList;
}

function dropoutOk(
  node: OnnxNode,
  env: PassEnv,
  allConsumers: ReadonlyMap<string, readonly number[]>,
): boolean {
  const mask = node.outputs[1] ?? '';
  if (mask !== '' && ((allConsumers.get(mask)?.length ?? 0) > 0 || env.graphOutputs.has(mask))) {
    env.issues.add(`${node.path}.outputs[1]`, showValue(mask), 'unused (the mask of an inference Dropout)');
    return false;
  }
  const training = node.inputs[2] ?? '';
  if (training !== '' && env.scalar(training) !== 0) {
    env.issues.add(
      `${node.path}.inputs[2] (training_mode)`,
      showValue(training),
      'absent or a constant false',
    );
    return false;
  }
  return true;
}

/**
 * Identity and Dropout (inference) pass their input through: readers of the output read the input
 * instead; when the output is a graph output, the input's producer writes it directly.
 */
export function removeIdentities(nodes: readonly OnnxNode[], env: PassEnv): OnnxNode[] {
  const allConsumers = consumersOf(nodes);
  const inputRename = new Map<string, string>();
  const outputRename = new Map<string, string>();
  const kept: OnnxNode[] = [];
  for (const raw of nodes) {
    const node = rename(raw, inputRename);
    const passThrough = node.domain === '' && (node.opType === 'Identity' || node.opType === 'Dropout');
    if (!passThrough || (node.opType === 'Dropout' && !dropoutOk(node, env, allConsumers))) {
      kept.push(node);
      continue;
    }
    const x = node.inputs[0] ?? '';
    const y = node.outputs[0] ?? '';
    if (!env.graphOutputs.has(y)) {
      inputRename.set(y, x);
    } else if (!env.sources.has(x) && !env.graphOutputs.has(x) && !outputRename.has(x)) {
      outputRename.set(x, y);
    } else {
      env.issues.add(
        node.path,
        `${showValue(x)} → graph output ${showValue(y)}`,
        'an Identity whose input is produced by a node',
      );
    }
  }
  return outputRename.size === 0 ? kept : kept.map((n) => rename(n, outputRename, true));
}

// ---- erf GELU ----------------------------------------------------------------------------------

const near = (v: number | undefined, want: number): boolean =>
  v !== undefined && Math.abs(v - want) <= 1e-3 * want;

/** The node's other input when one of its two inputs is `name`. */
function otherInput(node: OnnxNode, name: string): string | undefined {
  if (node.inputs.length !== 2) return undefined;
  if (node.inputs[0] === name) return node.inputs[1];
  if (node.inputs[1] === name) return node.inputs[0];
  return undefined;
}

interface Finder {
  readonly byIndex: ReadonlyMap<number, OnnxNode>;
  readonly producer: ReadonlyMap<string, OnnxNode>;
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  readonly env: PassEnv;
}

/** The only reader of `name` when it is an `op` node and `name` is not a graph output. */
function soleReader(f: Finder, name: string, op: string): OnnxNode | undefined {
  const readers = f.consumers.get(name);
  if (readers?.length !== 1 || f.env.graphOutputs.has(name)) return undefined;
  const n = f.byIndex.get(readers[0]!);
  return n?.opType === op && n.domain === '' ? n : undefined;
}

/** Nodes of x·½·(1 + erf(x/√2)) around one Erf node, and x. */
function matchGelu(f: Finder, erf: OnnxNode): { x: string; chain: OnnxNode[] } | undefined {
  const d = f.producer.get(erf.inputs[0] ?? '');
  if (d === undefined || d.domain !== '' || soleReader(f, d.outputs[0]!, 'Erf') !== erf) return undefined;
  const x = d.inputs[0]!;
  const c = f.env.scalar(d.inputs[1] ?? '');
  if (!((d.opType === 'Div' && near(c, Math.SQRT2)) || (d.opType === 'Mul' && near(c, Math.SQRT1_2))))
    return undefined;
  const add = soleReader(f, erf.outputs[0]!, 'Add');
  if (add === undefined || !near(f.env.scalar(otherInput(add, erf.outputs[0]!) ?? ''), 1)) return undefined;
  const a = add.outputs[0]!;
  const m1 = soleReader(f, a, 'Mul');
  if (m1 === undefined) return undefined;
  const other = otherInput(m1, a);
  if (other === undefined) return undefined;
  if (other === x) {
    // x · (1 + erf) then · ½
    const m2 = soleReader(f, m1.outputs[0]!, 'Mul');
    if (m2 !== undefined && near(f.env.scalar(otherInput(m2, m1.outputs[0]!) ?? ''), 0.5))
      return { x, chain: [d, erf, add, m1, m2] };
    return undefined;
  }
  if (near(f.env.scalar(other), 0.5)) {
    // (1 + erf) · ½ then · x
    const m2 = soleReader(f, m1.outputs[0]!, 'Mul');
    if (m2 !== undefined && otherInput(m2, m1.outputs[0]!) === x) return { x, chain: [d, erf, add, m1, m2] };
    return undefined;
  }
  // (x · ½) · (1 + erf)
  const half = f.producer.get(other);
  if (half?.opType !== 'Mul' || soleReader(f, other, 'Mul') !== m1) return undefined;
  if (otherInput(half, x) === undefined || !near(f.env.scalar(otherInput(half, x)!), 0.5)) return undefined;
  return { x, chain: [half, d, erf, add, m1] };
}

/** Replace each erf GELU pattern by one synthetic Gelu node at the position of its last node. */
export function fuseErfGelu(nodes: readonly OnnxNode[], env: PassEnv): { nodes: OnnxNode[]; fused: number } {
  const f: Finder = {
    byIndex: new Map(nodes.map((n) => [n.index, n])),
    producer: new Map(nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const))),
    consumers: consumersOf(nodes),
    env,
  };
  const removed = new Set<number>();
  const replacement = new Map<number, OnnxNode>();
  for (const erf of nodes) {
    if (erf.opType !== 'Erf' || erf.domain !== '' || removed.has(erf.index)) continue;
    const m = matchGelu(f, erf);
    if (m === undefined || m.chain.some((n) => removed.has(n.index))) continue;
    const last = m.chain.reduce((a, b) => (b.index > a.index ? b : a));
    const first = m.chain.reduce((a, b) => (b.index < a.index ? b : a));
    for (const n of m.chain) removed.add(n.index);
    replacement.set(last.index, {
      index: last.index,
      name: `${first.name}/gelu`,
      opType: 'Gelu',
      domain: '',
      inputs: [m.x],
      outputs: [last.outputs[0]!],
      attributes: [],
      metadata: new Map(),
      path: `nodes[${first.index}…${last.index}] (erf GELU pattern at ${first.name}, Gelu)`,
      synthetic: true,
    });
  }
  const out = nodes.flatMap((n) => {
    const r = replacement.get(n.index);
    return r !== undefined ? [r] : removed.has(n.index) ? [] : [n];
  });
  return { nodes: out, fused: replacement.size };
}
