/**
 * The state of one import: what each ONNX tensor name stands for (a constant not yet used, a
 * quantized constant, or an IR tensor), the IR tensors and nodes built so far, and the issues.
 *
 * IR names: an activation keeps its ONNX name; a quantized tensor is named after the tensor that
 * holds its codes (the initializer under a DequantizeLinear, the output of a QuantizeLinear or of a
 * QONNX Quant). A DequantizeLinear output is an alias of its input (a quantized tensor stands for
 * its real values), unless it is a graph output.
 */
import type { AttributeProto, TensorProto } from 'onnx-buf';
import { showValue } from '../../../units/errors.js';
import type { Node, OpAttrMap, OpType, QuantSpec, Shape, TensorInfo, TensorRole } from '../../ir.js';
import { checkNode, inferNodeShapes } from '../../ops/registry.js';
import { onnxElemTypeFormat, type OnnxTensor } from '../onnx-tensor.js';
import { Attrs } from './attrs.js';
import { decodeConstant, type ConstantEnv } from './constants.js';
import type { IssueList } from './issues.js';
import { fitsContainer, sameSpec, showSpec, specProblems, type Param } from './quant-spec.js';

export interface OnnxNode {
  /** Position in GraphProto.node. */
  readonly index: number;
  /** The IR node name (the ONNX name made unique, or `<OpType>_<index>` when empty). */
  readonly name: string;
  readonly opType: string;
  /** '' for ai.onnx. */
  readonly domain: string;
  /** '' marks an absent optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly AttributeProto[];
  /** NodeProto.metadata_props. */
  readonly metadata: ReadonlyMap<string, string>;
  /** `nodes[i] (name, OpType)`, the prefix of every issue about this node. */
  readonly path: string;
  /** Nodes the importer made itself (the erf GELU pattern): no opset check. */
  readonly synthetic?: boolean;
}

export type Value =
  | { readonly kind: 'proto'; readonly proto: TensorProto; readonly path: string }
  | { readonly kind: 'const'; readonly tensor: OnnxTensor }
  | { readonly kind: 'param'; readonly param: Param }
  | { readonly kind: 'tensor'; readonly name: string };

export interface OutputSpec {
  /** The ONNX output name (also the IR tensor name). */
  readonly onnx: string;
  readonly quant?: QuantSpec | undefined;
  readonly dtype?: TensorInfo['dtype'] | undefined;
}

/** dtype of an IR tensor holding elements of an ONNX element type. */
export function dtypeOfElem(elemType: number): TensorInfo['dtype'] {
  return elemType === 6 ? 'int32' : elemType === 7 ? 'int64' : 'float32';
}

/** The format of an ONNX element type whose values are quantization codes (int32 included). */
export function quantFormatOfElem(elemType: number): string | undefined {
  if (elemType === 6) return 'int32';
  const f = onnxElemTypeFormat(elemType);
  return f === 'fp16' || f === 'bf16' ? undefined : f;
}

export interface GraphFacts {
  /** ONNX tensor name → indices of the nodes reading it, once per input slot. */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  readonly graphOutputs: ReadonlySet<string>;
  /** Every tensor name of the model (fresh names avoid them). */
  readonly reserved: ReadonlySet<string>;
  /** The nodes, by index. */
  readonly nodes: ReadonlyMap<number, OnnxNode>;
}

export class ImportContext {
  readonly values = new Map<string, Value>();
  readonly tensors = new Map<string, TensorInfo>();
  readonly nodes: Node[] = [];
  /** IR tensor → index in `nodes` of the node producing it. */
  readonly producer = new Map<string, number>();
  /** IR graph input → its ONNX element type. */
  readonly inputElem = new Map<string, number>();
  /** ONNX node indices already converted as part of a fusion (MatMul + Add). */
  readonly skip = new Set<number>();
  /** Transpose outputs folded into the MatMul reading them (transB): ONNX name → IR input. */
  readonly deferred = new Map<string, string>();
  readonly notes: string[] = [];
  private readonly poisoned = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly owner = new Map<string, object>();
  private readonly materialized = new Map<object, string>();
  private readonly aliasCount = new Map<string, number>();

  constructor(
    readonly env: ConstantEnv,
    readonly facts: GraphFacts,
  ) {}

  get issues(): IssueList {
    return this.env.issues;
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  fail(node: OnnxNode, field: string, value: string, expected: string): void {
    this.issues.add(`${node.path}.${field}`, value, expected);
  }

  attrs(node: OnnxNode): Attrs {
    return new Attrs(node.attributes, node.path, this.issues);
  }

  // ---- values ----------------------------------------------------------------------------------

  setValue(onnx: string, v: Value): void {
    this.values.set(onnx, v);
    if (v.kind === 'tensor') this.aliasCount.set(v.name, (this.aliasCount.get(v.name) ?? 0) + 1);
  }

  poison(names: readonly string[]): void {
    for (const n of names) if (n !== '') this.poisoned.add(n);
  }

  isPoisoned(onnx: string): boolean {
    return this.poisoned.has(onnx);
  }

  /** The value of an ONNX name (constants decoded on first use); undefined if unknown or bad. */
  value(onnx: string): Value | undefined {
    const v = this.values.get(onnx);
    if (v?.kind !== 'proto') return v;
    const tensor = decodeConstant(v.proto, v.path, this.env);
    if (tensor === undefined) {
      this.values.delete(onnx);
      this.poisoned.add(onnx);
      return undefined;
    }
    const decoded: Value = { kind: 'const', tensor };
    this.values.set(onnx, decoded);
    return decoded;
  }

  consumerCount(onnx: string): number {
    return this.facts.consumers.get(onnx)?.length ?? 0;
  }

  /** Whether input `slot` of the node is present (optional inputs may be '' or missing). */
  has(node: OnnxNode, slot: number): boolean {
    return (node.inputs[slot] ?? '') !== '';
  }

  /** The value of input `slot`; an issue (unless poisoned) when it is missing or unknown. */
  inputValue(node: OnnxNode, slot: number, role: string): Value | undefined {
    const name = node.inputs[slot] ?? '';
    if (name === '') {
      this.fail(node, `inputs[${slot}] (${role})`, '(missing)', 'a tensor');
      return undefined;
    }
    const v = this.value(name);
    if (v === undefined && !this.poisoned.has(name)) {
      this.fail(
        node,
        `inputs[${slot}] (${role})`,
        showValue(name),
        'a graph input, an initializer, or the output of an earlier node',
      );
    }
    return v;
  }

  /** Input `slot` as a constant tensor (folded values included); an issue when it is not one. */
  constant(node: OnnxNode, slot: number, role: string): OnnxTensor | undefined {
    const v = this.inputValue(node, slot, role);
    if (v === undefined) return undefined;
    if (v.kind === 'const') return v.tensor;
    this.fail(
      node,
      `inputs[${slot}] (${role})`,
      showValue(node.inputs[slot]),
      'a constant (an initializer, a Constant node, or a bound input)',
    );
    return undefined;
  }

  /** A present optional constant input, undefined when absent (issue when present but not constant). */
  optionalConstant(node: OnnxNode, slot: number, role: string): OnnxTensor | undefined {
    return this.has(node, slot) ? this.constant(node, slot, role) : undefined;
  }

  /** IR name of input `slot`; constants become IR tensors with `role` on first use. */
  input(node: OnnxNode, slot: number, role: TensorRole, what = role as string): string | undefined {
    const v = this.inputValue(node, slot, what);
    if (v === undefined) return undefined;
    return this.irName(v, node.inputs[slot]!, role);
  }

  /** The IR tensor of a value (materializing constants). */
  irName(v: Value, onnx: string, role: TensorRole): string {
    switch (v.kind) {
      case 'tensor':
        return v.name;
      case 'param':
        return this.materializeParam(v.param, role);
      case 'const':
        return this.materializeConst(v.tensor, onnx, role);
      case 'proto':
        throw new Error('unreachable: constants are decoded by value()');
    }
  }

  // ---- IR tensors ------------------------------------------------------------------------------

  /** A name for a new IR tensor: `base` when free, else `base__<k>`. */
  freshName(base: string): string {
    const free = (n: string): boolean =>
      !this.tensors.has(n) && !this.facts.reserved.has(n) && !this.owner.has(n);
    if (free(base)) return base;
    for (let k = 2; ; k++) if (free(`${base}__${k}`)) return `${base}__${k}`;
  }

  /** `preferred` when no other constant claimed it, else a fresh name. */
  private claim(obj: object, preferred: string): string {
    const existing = this.materialized.get(obj);
    if (existing !== undefined) return existing;
    const taken = this.owner.has(preferred) || this.tensors.has(preferred);
    const name = taken ? this.freshName(preferred) : preferred;
    this.owner.set(name, obj);
    this.materialized.set(obj, name);
    return name;
  }

  materializeConst(t: OnnxTensor, preferred: string, role: TensorRole): string {
    const known = this.materialized.get(t);
    if (known !== undefined) return known;
    const name = this.claim(t, preferred);
    this.tensors.set(name, {
      name,
      shape: [...t.dims],
      role,
      dtype: dtypeOfElem(t.elemType),
      data: Float32Array.from(t.values),
    });
    return name;
  }

  materializeParam(p: Param, role: TensorRole): string {
    const known = this.materialized.get(p);
    if (known !== undefined) return known;
    const name = this.claim(p, p.name);
    this.tensors.set(name, {
      name,
      shape: p.shape,
      role,
      dtype: p.dtype,
      quant: p.quant,
      stored: p.stored,
      data: p.data,
    });
    return name;
  }

  shape(ir: string): Shape {
    return this.tensors.get(ir)!.shape;
  }

  quantOf(ir: string): QuantSpec | undefined {
    return this.tensors.get(ir)?.quant;
  }

  /** The shape of an input value without materializing it. */
  valueShape(v: Value): Shape {
    switch (v.kind) {
      case 'tensor':
        return this.shape(v.name);
      case 'param':
        return v.param.shape;
      case 'const':
        return v.tensor.dims;
      case 'proto':
        throw new Error('unreachable: constants are decoded by value()');
    }
  }

  private nodeName(base: string): string {
    let name = base;
    for (let k = 2; this.nodeNames.has(name); k++) name = `${base}_${k}`;
    this.nodeNames.add(name);
    return name;
  }

  /**
   * Add an IR node (checked and shape-inferred by the op registry). Its outputs become IR tensors
   * named after `outputs[j].onnx`. Returns false (issues recorded, outputs poisoned) when invalid.
   */
  emit<K extends OpType>(
    node: OnnxNode,
    op: K,
    attrs: OpAttrMap[K],
    inputs: readonly string[],
    outputs: readonly OutputSpec[],
    name: string = node.name,
  ): boolean {
    const irNode = {
      name: this.nodeName(name),
      op,
      inputs: [...inputs],
      outputs: outputs.map((o) => o.onnx),
      attrs,
    } as unknown as Node;
    const inputShapes = inputs.map((n) => this.shape(n));
    const problems = checkNode(irNode, inputShapes);
    if (problems.length > 0) {
      for (const p of problems) this.fail(node, p.path, p.value, p.expected);
      this.poison(outputs.map((o) => o.onnx));
      return false;
    }
    const shapes = inferNodeShapes(irNode, inputShapes);
    const bad = outputs.filter(
      (o, j) => o.quant !== undefined && !this.checkSpec(node, `outputs[${j}].quant`, o.quant, shapes[j]!),
    );
    if (bad.length > 0) {
      this.poison(outputs.map((o) => o.onnx));
      return false;
    }
    this.nodes.push(irNode);
    outputs.forEach((o, j) => {
      this.tensors.set(o.onnx, {
        name: o.onnx,
        shape: shapes[j]!,
        role: 'activation',
        dtype: o.dtype ?? 'float32',
        ...(o.quant !== undefined ? { quant: o.quant } : {}),
      });
      this.producer.set(o.onnx, this.nodes.length - 1);
      this.setValue(o.onnx, { kind: 'tensor', name: o.onnx });
    });
    return true;
  }

  /** Record the problems of `spec` on a tensor of `shape` under `field`; true when there are none. */
  checkSpec(node: OnnxNode, field: string, spec: QuantSpec, shape: Shape): boolean {
    const problems = specProblems(spec, shape);
    for (const [f, value, expected] of problems) this.fail(node, `${field}.${f}`, value, expected);
    return problems.length === 0;
  }

  /**
   * The IR tensor `ir` (read by input `slot`) must be quantized with `spec`. A quantized-typed graph
   * input without a spec takes it; a tensor with another spec, or a float tensor, is an issue.
   */
  requireQuant(node: OnnxNode, slot: number, ir: string, spec: QuantSpec): boolean {
    const info = this.tensors.get(ir)!;
    const at = `inputs[${slot}]`;
    if (info.quant === undefined) {
      const elem = this.inputElem.get(ir);
      const elemFormat = elem !== undefined ? quantFormatOfElem(elem) : undefined;
      if (info.role !== 'input' || elemFormat === undefined) {
        this.fail(node, at, `${showValue(ir)}, a float tensor`, `a quantized tensor (${showSpec(spec)})`);
        return false;
      }
      if (!fitsContainer(spec.format, elemFormat)) {
        this.fail(node, at, `${showValue(ir)} of element type ${elemFormat}`, `elements of ${spec.format}`);
        return false;
      }
      if (!this.checkSpec(node, `${at}.quant`, spec, info.shape)) return false;
      this.tensors.set(ir, { ...info, quant: spec });
      return true;
    }
    if (!sameSpec(info.quant, spec, info.shape.length)) {
      this.fail(
        node,
        at,
        `${showValue(ir)} quantized as ${showSpec(info.quant)}`,
        `the quantization this node reads it with (${showSpec(spec)})`,
      );
      return false;
    }
    return true;
  }

  /**
   * Fold a quantization of ONNX tensor `onnxIn` into the node producing it: when `onnxIn` is a float
   * activation read only here (not a graph output), its producer's output becomes `onnxOut` with
   * `spec`. Returns false (nothing changed) when it cannot be folded.
   */
  tryFold(onnxIn: string, onnxOut: string, spec: QuantSpec): boolean {
    const v = this.values.get(onnxIn);
    if (v?.kind !== 'tensor') return false;
    const info = this.tensors.get(v.name);
    const index = this.producer.get(v.name);
    if (info === undefined || index === undefined || info.quant !== undefined || info.role !== 'activation') {
      return false;
    }
    if (this.consumerCount(onnxIn) !== 1 || this.facts.graphOutputs.has(onnxIn)) return false;
    if ((this.aliasCount.get(v.name) ?? 0) !== 1) return false;
    const producer = this.nodes[index]!;
    if (producer.op === 'requantize' || producer.op === 'dequantize') return false;
    this.nodes[index] = {
      ...producer,
      outputs: producer.outputs.map((o) => (o === v.name ? onnxOut : o)),
    };
    this.tensors.delete(v.name);
    this.tensors.set(onnxOut, { ...info, name: onnxOut, quant: spec });
    this.producer.delete(v.name);
    this.producer.set(onnxOut, index);
    this.values.delete(onnxIn);
    this.setValue(onnxOut, { kind: 'tensor', name: onnxOut });
    return true;
  }
}
