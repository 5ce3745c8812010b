/**
 * ONNX / QONNX model → Graph IR: parse, pre-pass (Identity / Dropout, erf GELU), check that every op
 * and op version is supported (all problems at once), declare inputs and constants, convert node by
 * node (folding constants), resolve the outputs, and check the result with graph/analyze. The
 * converters' module comments say how each form is read; ./index.ts lists the public API.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { GraphProto, ModelProto, TensorProto, ValueInfoProto } from 'onnx-buf';
import { InputError, showValue } from '../../../units/errors.js';
import { analyzeGraph } from '../../analyze.js';
import type { Graph, QuantDefaults, Shape } from '../../ir.js';
import { decodeTensorProto, onnxElemTypeName, type OnnxTensor } from '../onnx-tensor.js';
import { checkDims, countConstant, type ConstantEnv } from './constants.js';
import { dtypeOfElem, ImportContext, quantFormatOfElem, type GraphFacts, type OnnxNode } from './context.js';
import { FLOAT_CONVERTERS, type Converter } from './convert-float.js';
import { QDQ_CONVERTERS } from './convert-qdq.js';
import { MS_CONVERTERS, QOP_CONVERTERS } from './convert-qop.js';
import { QONNX_CONVERTERS } from './convert-qonnx.js';
import { canFold, FOLD_ONLY, FOLDABLE, foldNode } from './fold.js';
import { IssueList } from './issues.js';
import { resolveLimits, type OnnxLimits } from './limits.js';
import { MS_DOMAIN, opsetVersions, parseModel, QONNX_DOMAINS } from './model.js';
import { buildNodes, consumersOf, fuseErfGelu, removeIdentities, type PassEnv } from './prepass.js';
import { knownOnnxOp, MAX_KNOWN_OPSET, MAX_TESTED_OPSET, MIN_OPSET, opsetProblem } from './versions.js';

export interface OnnxImportOptions {
  /** Path of the model file: names it in messages, and external data is read from its folder. */
  readonly modelPath?: string;
  /** Graph inputs to turn into constants (e.g. the scales and weights an ONNX node test feeds as inputs). */
  readonly bindInputs?: ReadonlyMap<string, OnnxTensor>;
  /** Dims of graph inputs whose shape in the model is symbolic or missing (default: 1 per unknown dim). */
  readonly inputShapes?: ReadonlyMap<string, Shape>;
  readonly limits?: Partial<OnnxLimits>;
}

export interface OnnxImport {
  readonly graph: Graph;
  /** What was read with a caveat (a newer opset, a float16 output carried as float32 …). */
  readonly notes: readonly string[];
}

// ---- converters and support ---------------------------------------------------------------------

const PASS_THROUGH = ['Identity', 'Dropout'];

function converterFor(node: OnnxNode): Converter | undefined {
  if (node.domain === '') {
    return (
      FLOAT_CONVERTERS.get(node.opType) ?? QDQ_CONVERTERS.get(node.opType) ?? QOP_CONVERTERS.get(node.opType)
    );
  }
  if (node.domain === MS_DOMAIN) return MS_CONVERTERS.get(node.opType);
  if (QONNX_DOMAINS.includes(node.domain)) return QONNX_CONVERTERS.get(node.opType);
  return undefined;
}

function supportedList(): string {
  const onnx = [...FLOAT_CONVERTERS.keys(), ...QDQ_CONVERTERS.keys(), ...QOP_CONVERTERS.keys()];
  const folded = [...FOLD_ONLY].filter((op) => !onnx.includes(op));
  return (
    `a supported op (ai.onnx: ${onnx.join(', ')}, Identity, Dropout, Erf in x·½·(1 + erf(x/√2)); ` +
    `folded when their inputs are constants: ${folded.join(', ')}; ` +
    `${MS_DOMAIN}: ${[...MS_CONVERTERS.keys()].join(', ')}; ` +
    `${QONNX_DOMAINS.join(' / ')}: ${[...QONNX_CONVERTERS.keys()].join(', ')})`
  );
}

/** Every unsupported op (and op version) of the model, as issues — all of them at once. */
function checkSupport(
  nodes: readonly OnnxNode[],
  constants: ReadonlySet<string>,
  opset: number | undefined,
  issues: IssueList,
): void {
  const isConst = new Set(constants);
  let expected: string | undefined;
  for (const node of nodes) {
    const present = node.inputs.filter((i) => i !== '');
    const constInputs = node.opType === 'Shape' || present.every((i) => isConst.has(i));
    const folds = node.domain === '' && FOLDABLE.has(node.opType) && constInputs;
    if (folds) for (const o of node.outputs) isConst.add(o);
    const supported =
      folds ||
      node.synthetic === true ||
      (converterFor(node) !== undefined && !(node.domain === '' && FOLD_ONLY.has(node.opType))) ||
      (node.domain === '' && PASS_THROUGH.includes(node.opType));
    if (!supported) {
      expected ??= supportedList();
      const domain = node.domain === '' ? '' : ` (domain ${node.domain})`;
      issues.add(node.path, `${showValue(node.opType)}${domain}`, expected);
      continue;
    }
    if (node.domain !== '' || node.synthetic === true || opset === undefined || !knownOnnxOp(node.opType))
      continue;
    const problem = opsetProblem(node.opType, opset);
    if (problem !== undefined) issues.add(node.path, `${node.opType} at ai.onnx opset ${opset}`, problem);
  }
}

function checkOpsets(
  model: ModelProto,
  nodes: readonly OnnxNode[],
  issues: IssueList,
  notes: string[],
): number | undefined {
  const opsets = opsetVersions(model);
  const opset = opsets.get('');
  if (opset === undefined) {
    if (nodes.some((n) => n.domain === '' && n.synthetic !== true)) {
      issues.add(
        'opset_import',
        showValue(model.opsetImport.map((o) => o.domain)),
        'an ai.onnx opset (the default domain)',
      );
    }
    return undefined;
  }
  if (opset > MAX_KNOWN_OPSET) {
    issues.add(
      'opset_import (ai.onnx)',
      String(opset),
      `an opset from ${MIN_OPSET} to ${MAX_KNOWN_OPSET} (the newest whose op versions bitcycle knows)`,
    );
  } else if (opset > MAX_TESTED_OPSET) {
    notes.push(
      `ai.onnx opset ${opset} is newer than ${MAX_TESTED_OPSET}; the ops read here changed after it only in element types and checked attributes`,
    );
  } else if (opset < MIN_OPSET) {
    notes.push(
      `ai.onnx opset ${opset} is older than ${MIN_OPSET}; every op this model uses is defined there as at opset ${MIN_OPSET}`,
    );
  }
  return opset;
}

// ---- scalars for pattern matching -----------------------------------------------------------------

function scalarLookup(
  graph: GraphProto,
  nodes: readonly OnnxNode[],
  bound: ReadonlyMap<string, OnnxTensor>,
): (name: string) => number | undefined {
  const protos = new Map<string, TensorProto>(graph.initializer.map((t) => [t.name, t]));
  for (const n of nodes) {
    if (n.opType !== 'Constant' || n.domain !== '') continue;
    const a = n.attributes.find((x) => x.name === 'value');
    if (a?.t !== undefined && n.outputs[0] !== undefined) protos.set(n.outputs[0], a.t);
  }
  return (name) => {
    const b = bound.get(name);
    if (b !== undefined) return b.values.length === 1 ? b.values[0] : undefined;
    const t = protos.get(name);
    if (t === undefined || t.dims.some((d) => d !== 1n)) return undefined;
    try {
      const v = decodeTensorProto(t).values;
      return v.length === 1 ? v[0] : undefined;
    } catch (e) {
      if (e instanceof InputError) return undefined;
      throw e;
    }
  };
}

// ---- graph inputs and outputs ---------------------------------------------------------------------

interface TypeInfo {
  readonly elemType: number;
  readonly dims: readonly (number | undefined)[];
}

function typeOf(vi: ValueInfoProto): TypeInfo | undefined {
  const v = vi.type?.value;
  if (v?.case !== 'tensorType') return undefined;
  const t = v.value;
  return {
    elemType: t.elemType,
    dims: (t.shape?.dim ?? []).map((d) =>
      d.value.case === 'dimValue' && d.value.value > 0n ? Number(d.value.value) : undefined,
    ),
  };
}

function declareInputs(
  ctx: ImportContext,
  graph: GraphProto,
  opts: OnnxImportOptions,
  initializers: ReadonlySet<string>,
): string[] {
  const names: string[] = [];
  graph.input.forEach((vi, i) => {
    if (initializers.has(vi.name) || opts.bindInputs?.has(vi.name) === true) return;
    const at = `graph.input[${i}] (${vi.name})`;
    const type = typeOf(vi);
    if (type === undefined) {
      ctx.issues.add(at, 'not a tensor type', 'a tensor input');
      return;
    }
    const given = opts.inputShapes?.get(vi.name);
    const dims = given ?? type.dims.map((d) => d ?? 1);
    if (given === undefined && type.dims.some((d) => d === undefined)) {
      ctx.note(`graph input ${vi.name}: symbolic or unknown dims taken as 1 (inputShapes sets them)`);
    }
    if (checkDims(dims, `${at}.shape`, ctx.env) === undefined) return;
    if (dims.some((d) => d < 1)) {
      ctx.issues.add(`${at}.shape`, showValue(dims), 'positive dims');
      return;
    }
    ctx.tensors.set(vi.name, {
      name: vi.name,
      shape: [...dims],
      role: 'input',
      dtype: dtypeOfElem(type.elemType),
    });
    ctx.inputElem.set(vi.name, type.elemType);
    ctx.setValue(vi.name, { kind: 'tensor', name: vi.name });
    names.push(vi.name);
  });
  return names;
}

function bindInputs(
  ctx: ImportContext,
  graph: GraphProto,
  opts: OnnxImportOptions,
  initializers: ReadonlySet<string>,
): void {
  if (opts.bindInputs === undefined) return;
  const declared = new Map(graph.input.map((vi) => [vi.name, typeOf(vi)]));
  for (const [name, t] of opts.bindInputs) {
    const at = `bindInputs.${name}`;
    if (!declared.has(name) || initializers.has(name)) {
      ctx.issues.add(at, showValue(name), 'the name of a graph input (not an initializer)');
      continue;
    }
    const type = declared.get(name);
    if (type !== undefined && type.elemType !== t.elemType) {
      ctx.issues.add(at, t.elemTypeName, `${onnxElemTypeName(type.elemType)}, the input's element type`);
      continue;
    }
    const mismatch =
      type !== undefined &&
      (type.dims.length !== t.dims.length || type.dims.some((d, i) => d !== undefined && d !== t.dims[i]));
    if (mismatch) {
      ctx.issues.add(
        at,
        `dims [${t.dims.join(',')}]`,
        `the input's dims [${type.dims.map((d) => d ?? '?').join(',')}]`,
      );
      continue;
    }
    if (checkDims(t.dims, at, ctx.env) === undefined || !countConstant(t.values.length, at, ctx.env))
      continue;
    ctx.setValue(name, { kind: 'const', tensor: { ...t, name } });
  }
}

function resolveOutputs(ctx: ImportContext, graph: GraphProto): string[] {
  const names: string[] = [];
  graph.output.forEach((vi, i) => {
    const at = `graph.output[${i}] (${vi.name})`;
    if (ctx.isPoisoned(vi.name)) return;
    const v = ctx.value(vi.name);
    if (v?.kind !== 'tensor' || v.name !== vi.name) {
      ctx.issues.add(
        at,
        showValue(vi.name),
        v === undefined
          ? 'a tensor the graph computes'
          : 'the output of a node (a constant output is not read)',
      );
      return;
    }
    names.push(vi.name);
    const type = typeOf(vi);
    const shape = ctx.shape(vi.name);
    if (type === undefined || type.dims.length === 0) return;
    if (type.dims.length !== shape.length || type.dims.some((d, k) => d !== undefined && d !== shape[k])) {
      ctx.issues.add(
        `${at}.shape`,
        `[${type.dims.map((d) => d ?? '?').join(',')}]`,
        `[${shape.join(',')}], the shape computed from the graph`,
      );
    }
  });
  return names;
}

function checkQuantizedInputs(ctx: ImportContext, inputs: readonly string[]): void {
  for (const name of inputs) {
    const elem = ctx.inputElem.get(name)!;
    const format = quantFormatOfElem(elem);
    if (format !== undefined && format !== 'int32' && ctx.quantOf(name) === undefined) {
      ctx.issues.add(
        `graph.input (${name})`,
        onnxElemTypeName(elem),
        'a quantized input read through DequantizeLinear or a QLinear op (its scale is unknown otherwise)',
      );
    }
  }
}

// ---- the import ---------------------------------------------------------------------------------

function convert(ctx: ImportContext, nodes: readonly OnnxNode[]): void {
  for (const node of nodes) {
    if (ctx.skip.has(node.index)) continue;
    if (node.inputs.some((i) => i !== '' && ctx.isPoisoned(i))) {
      ctx.poison(node.outputs);
      continue;
    }
    if (canFold(ctx, node)) {
      foldNode(ctx, node);
      continue;
    }
    const converter = converterFor(node);
    if (converter === undefined || (node.domain === '' && FOLD_ONLY.has(node.opType))) {
      ctx.fail(
        node,
        'inputs',
        showValue(node.inputs),
        `constants (${node.opType} is only folded; the IR has no such op)`,
      );
      ctx.poison(node.outputs);
      continue;
    }
    const before = ctx.issues.count;
    if (!converter(ctx, node) || ctx.issues.count > before) {
      ctx.poison(node.outputs.filter((o) => !ctx.values.has(o)));
    }
  }
}

function facts(graph: GraphProto, nodes: readonly OnnxNode[]): GraphFacts {
  const reserved = new Set<string>([
    ...graph.input.map((v) => v.name),
    ...graph.output.map((v) => v.name),
    ...graph.initializer.map((t) => t.name),
    ...nodes.flatMap((n) => [...n.inputs, ...n.outputs]),
  ]);
  return {
    consumers: consumersOf(nodes),
    graphOutputs: new Set(graph.output.map((v) => v.name)),
    reserved,
    nodes: new Map(nodes.map((n) => [n.index, n])),
  };
}

function modelName(graph: GraphProto, file: string | undefined): string {
  if (graph.name !== '') return graph.name;
  return file !== undefined ? path.basename(file).replace(/\.onnx$/i, '') : 'onnx-model';
}

function importChecked(bytes: Uint8Array, opts: OnnxImportOptions): OnnxImport {
  const limits = resolveLimits(opts.limits);
  const file = opts.modelPath;
  const issues = new IssueList(file);
  const { model, graph } = parseModel(bytes, file, limits);
  if (graph.node.length > limits.maxNodes) {
    issues.add('graph.node', `${graph.node.length} nodes`, `at most ${limits.maxNodes} (limits.maxNodes)`);
    issues.throwIfAny();
  }
  if (graph.sparseInitializer.length > 0) {
    issues.add(
      'graph.sparse_initializer',
      `${graph.sparseInitializer.length} tensors`,
      'dense initializers (sparse ones are not read)',
    );
  }
  const notes: string[] = [];
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const bound = opts.bindInputs ?? new Map<string, OnnxTensor>();
  const raw = buildNodes(graph);
  const passEnv: PassEnv = {
    graphOutputs: new Set(graph.output.map((v) => v.name)),
    sources: new Set([...graph.input.map((v) => v.name), ...initializers]),
    scalar: scalarLookup(graph, raw, bound),
    issues,
  };
  const gelu = fuseErfGelu(removeIdentities(raw, passEnv), passEnv);
  if (gelu.fused > 0) notes.push(`${gelu.fused} erf GELU pattern(s) read as gelu`);
  const nodes = gelu.nodes;
  const opset = checkOpsets(model, nodes, issues, notes);
  checkSupport(nodes, new Set([...initializers, ...bound.keys()]), opset, issues);
  issues.throwIfAny();

  const env: ConstantEnv = {
    file,
    modelDir: file !== undefined ? path.dirname(path.resolve(file)) : undefined,
    limits,
    issues,
    totals: { tensors: 0, elements: 0 },
  };
  const ctx = new ImportContext(env, facts(graph, nodes));
  ctx.notes.push(...notes);
  graph.initializer.forEach((t, i) => {
    ctx.setValue(t.name, { kind: 'proto', proto: t, path: `graph.initializer[${i}] (${t.name})` });
  });
  bindInputs(ctx, graph, opts, initializers);
  const inputs = declareInputs(ctx, graph, opts, initializers);
  issues.throwIfAny();
  convert(ctx, nodes);
  const outputs = resolveOutputs(ctx, graph);
  if (issues.count === 0) checkQuantizedInputs(ctx, inputs);
  issues.throwIfAny();
  const meta = new Map(model.metadataProps.map((e) => [e.key, e.value]));
  const quant = quantDefaults(meta.get('bitcycle.quant'), issues);
  // bitcycle's exporter records the graph's provenance ('' = none)
  const recorded = meta.get('bitcycle.source');
  issues.throwIfAny();
  const result: Graph = {
    name: modelName(graph, file),
    inputs,
    outputs,
    tensors: ctx.tensors,
    nodes: ctx.nodes,
    ...(quant !== undefined ? { quant } : {}),
    ...(recorded === undefined
      ? {
          source: `ONNX ${file ?? '(bytes)'}${model.producerName !== '' ? `, producer ${model.producerName} ${model.producerVersion}` : ''}${opset !== undefined ? `, ai.onnx opset ${opset}` : ''}`,
        }
      : recorded === ''
        ? {}
        : { source: recorded }),
  };
  try {
    analyzeGraph(result);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    issues.addError(e, 'graph (as imported)');
  }
  issues.throwIfAny();
  return { graph: result, notes: ctx.notes };
}

/** Anything but an InputError escaping the import is an internal error, reported as bad input all the same. */
function guarded<T>(file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError) throw e;
    const issue = {
      path: '(model)',
      value: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      expected: 'a model the importer can read (this is an importer error; please report it with the model)',
    };
    throw new InputError([file !== undefined ? { file, ...issue } : issue]);
  }
}

/** The IR of an ONNX / QONNX model and the notes of what was read with a caveat. */
/** The graph's default formats, as bitcycle's exporter writes them in the model metadata. */
function quantDefaults(text: string | undefined, issues: IssueList): QuantDefaults | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  const ok =
    typeof o.weights === 'string' &&
    typeof o.activations === 'string' &&
    typeof o.accumulator === 'string' &&
    (o.granularity === 'per-tensor' || o.granularity === 'per-channel');
  if (!ok) {
    issues.add(
      'metadata_props (bitcycle.quant)',
      text,
      'a JSON object { weights, activations, accumulator, granularity: "per-tensor" | "per-channel" }',
    );
    return undefined;
  }
  return v as QuantDefaults;
}

export function importOnnxModel(bytes: Uint8Array, opts: OnnxImportOptions = {}): OnnxImport {
  return guarded(opts.modelPath, () => importChecked(bytes, opts));
}

/** The IR of an ONNX / QONNX model. Every problem of the model is one InputError holding all of them. */
export function importOnnx(bytes: Uint8Array, opts: OnnxImportOptions = {}): Graph {
  return importOnnxModel(bytes, opts).graph;
}

/** Read an .onnx file (external data from its folder) and import it. */
export function importOnnxFileModel(
  file: string,
  opts: Omit<OnnxImportOptions, 'modelPath'> = {},
): OnnxImport {
  return guarded(file, () => {
    const limits = resolveLimits(opts.limits);
    let bytes: Uint8Array;
    try {
      const size = statSync(file).size;
      if (size > limits.maxFileBytes) {
        throw new InputError([
          {
            file,
            path: '(file)',
            value: `${size} bytes`,
            expected: `at most ${limits.maxFileBytes} bytes (limits.maxFileBytes)`,
          },
        ]);
      }
      bytes = readFileSync(file);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError([
        { file, path: '(file)', value: file, expected: `a readable file (${String(e)})` },
      ]);
    }
    return importChecked(bytes, { ...opts, modelPath: file });
  });
}

export function importOnnxFile(file: string, opts: Omit<OnnxImportOptions, 'modelPath'> = {}): Graph {
  return importOnnxFileModel(file, opts).graph;
}
