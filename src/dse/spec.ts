/**
 * A sweep spec (`format: bitcycle-sweep/1`, YAML): a base hardware preset, workloads, axes over
 * configuration fields or number formats (lists or linear/log ranges), derived quantities and
 * constraints between axes, a strategy and the objectives. Validated with every problem reported
 * at once; each axis value is checked against the target's own schema before anything runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { resolveFormatFlags } from '../config/format-flags.js';
import { parseWithSchema } from '../config/validate.js';
import { readYamlFile } from '../config/yaml.js';
import { loadGraph } from '../graph/load.js';
import { hwConfigFromDocument } from '../targets/load.js';
import { InputError, showValue, type InputIssue } from '../units/errors.js';
import { canonicalJson } from '../units/json.js';
import { packageRoot } from '../units/paths.js';
import { ExprError, parseExpr, type Expr, type Value } from './expr.js';
import { findMetric, METRICS, type Goal, type MetricDef } from './metrics.js';

export const SWEEP_FORMAT = 'bitcycle-sweep/1';

/** The pseudo-field of an axis over the `--format` flag (a format name or wXaY shorthand). */
export const FORMAT_FIELD = 'format';

export interface Axis {
  readonly name: string;
  /** Configuration fields (dotted paths into the preset) set to the axis value, or `format`. */
  readonly fields: readonly string[];
  readonly values: readonly Value[];
}

export interface SweepWorkload {
  /** How results name it (the spec's `name`, else the workload as written). */
  readonly name: string;
  /** A zoo id, or the resolved path of a model file. */
  readonly workload: string;
  readonly params: Readonly<Record<string, string>>;
  readonly batch?: number | undefined;
  /** sha256 of the model file (absent for zoo ids), so an edited file is not mistaken for the old one. */
  readonly contentSha256?: string;
}

export interface Derived {
  readonly name: string;
  readonly expr: Expr;
}

export type Strategy =
  | { readonly kind: 'grid' }
  | { readonly kind: 'random'; readonly samples: number; readonly seed: number }
  | {
      readonly kind: 'evolutionary';
      readonly population: number;
      readonly generations: number;
      readonly seed: number;
    };

export interface Objective {
  readonly metric: MetricDef;
  readonly goal: Goal;
}

export interface NumericsSettings {
  readonly data?: string;
  readonly calib?: string;
  readonly evalCount?: number;
  readonly method: 'minmax' | 'percentile' | 'mmse';
  /** sha256 of the data and calibration manifests, so edited data are not mistaken for the old. */
  readonly contentSha256: Readonly<Record<string, string>>;
}

export interface SweepSpec {
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  /** The base preset as written in the spec (portable; names it in results) and resolved. */
  readonly hw: string;
  readonly hwFile: string;
  /** The parsed base preset document that axis values are written into. */
  readonly hwDocument: Readonly<Record<string, unknown>>;
  readonly targetId: string;
  readonly workloads: readonly SweepWorkload[];
  readonly axes: readonly Axis[];
  readonly derived: readonly Derived[];
  readonly constraints: readonly Expr[];
  readonly strategy: Strategy;
  readonly objectives: readonly Objective[];
  /** Present when an objective needs the bit-accurate executor. */
  readonly numerics?: NumericsSettings;
  /** Content hash of everything above that decides the results (not the spec's path). */
  readonly hash: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const scalar = z.union([z.number(), z.string(), z.boolean()]);

const rangeSchema = z
  .strictObject({
    from: z.number(),
    to: z.number(),
    step: z.number().positive().optional(),
    factor: z.number().gt(1).optional(),
    count: z.number().int().min(2).optional(),
    scale: z.enum(['linear', 'log']).optional(),
  })
  .refine((r) => r.to >= r.from, { message: '`to` must be at least `from`' })
  .refine((r) => [r.step, r.factor, r.count].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of step (linear), factor (log) or count (with scale linear|log)',
  })
  .refine((r) => (r.scale ?? 'linear') === 'linear' || r.from > 0, {
    message: 'a log range needs from > 0',
  });

const axisSchema = z
  .strictObject({
    name: z.string().regex(NAME, 'a name of letters, digits and _ (it is used in constraints)'),
    field: z.string().min(1).optional(),
    fields: z.array(z.string().min(1)).min(1).optional(),
    values: z.array(scalar).min(1).optional(),
    range: rangeSchema.optional(),
  })
  .refine((a) => (a.field === undefined) !== (a.fields === undefined), {
    message: 'exactly one of `field` or `fields`',
  })
  .refine((a) => (a.values === undefined) !== (a.range === undefined), {
    message: 'exactly one of `values` or `range`',
  });

const workloadSchema = z.union([
  z.string().min(1),
  z.strictObject({
    workload: z.string().min(1),
    name: z.string().min(1).optional(),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    batch: z.number().int().positive().optional(),
  }),
]);

const strategySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('grid') }),
  z.strictObject({
    kind: z.literal('random'),
    samples: z.number().int().positive(),
    seed: z.number().int().nonnegative().optional(),
  }),
  z.strictObject({
    kind: z.literal('evolutionary'),
    population: z.number().int().min(4),
    generations: z.number().int().min(1),
    seed: z.number().int().nonnegative().optional(),
  }),
]);

const metricNames = METRICS.map((m) => m.name);
const objectiveSchema = z.union([
  z.string(),
  z.strictObject({ metric: z.string(), goal: z.enum(['minimize', 'maximize']).optional() }),
]);

const specSchema = z.strictObject({
  format: z.literal(SWEEP_FORMAT),
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      'a name of letters, digits, ".", "_" or "-" (it names the output folder)',
    ),
  description: z.string().optional(),
  hw: z.string().min(1),
  workloads: z.array(workloadSchema).min(1),
  axes: z.array(axisSchema).min(1),
  derived: z.record(z.string().regex(NAME, 'a name of letters, digits and _'), z.string().min(1)).optional(),
  constraints: z.array(z.string().min(1)).optional(),
  strategy: strategySchema.optional(),
  objectives: z.array(objectiveSchema).min(1),
  numerics: z
    .strictObject({
      data: z.string().min(1).optional(),
      calib: z.string().min(1).optional(),
      eval_count: z.number().int().positive().optional(),
      method: z.enum(['minmax', 'percentile', 'mmse']).optional(),
    })
    .optional(),
});

type RawSpec = z.output<typeof specSchema>;
type RawRange = z.output<typeof rangeSchema>;

/** The values of a range, inclusive of `to` when a step lands on it (within 1e-9 relative). */
export function rangeValues(r: RawRange): number[] {
  const eps = 1e-9 * Math.max(1, Math.abs(r.to));
  const clean = (x: number): number => {
    const rounded = Math.round(x);
    return Math.abs(x - rounded) <= 1e-9 * Math.max(1, Math.abs(x)) ? rounded : Number(x.toPrecision(12));
  };
  const out: number[] = [];
  if (r.step !== undefined) {
    for (let i = 0; r.from + i * r.step <= r.to + eps; i++) out.push(clean(r.from + i * r.step));
  } else if (r.factor !== undefined) {
    for (let x = r.from, i = 0; x <= r.to * (1 + 1e-9); i++, x = r.from * r.factor ** i) out.push(clean(x));
  } else {
    const n = r.count!;
    for (let i = 0; i < n; i++) {
      const t = i / (n - 1);
      out.push(
        clean((r.scale ?? 'linear') === 'log' ? r.from * (r.to / r.from) ** t : r.from + (r.to - r.from) * t),
      );
    }
  }
  return out;
}

/** A path written relative to the spec file, else to the repository; undefined when neither exists. */
export function resolveSpecPath(p: string, specFile: string): string | undefined {
  if (isAbsolute(p)) return existsSync(p) ? p : undefined;
  return [resolve(dirname(specFile), p), resolve(packageRoot(), p)].find((c) => existsSync(c));
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The value at a dotted path of a document, or undefined. */
export function fieldValue(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** A copy of `doc` with `path` set to `value` (intermediate mappings created as needed). */
export function withField(
  doc: Readonly<Record<string, unknown>>,
  path: string,
  value: Value,
): Record<string, unknown> {
  const segs = path.split('.');
  const root: Record<string, unknown> = { ...doc };
  let cur = root;
  for (const [i, seg] of segs.entries()) {
    if (i === segs.length - 1) cur[seg] = value;
    else {
      const next = cur[seg];
      const copy: Record<string, unknown> =
        next !== null && typeof next === 'object' && !Array.isArray(next)
          ? { ...(next as Record<string, unknown>) }
          : {};
      cur[seg] = copy;
      cur = copy;
    }
  }
  return root;
}

function axisValues(raw: RawSpec['axes'][number]): Value[] {
  return raw.values ?? rangeValues(raw.range!);
}

/** Check every value of every axis against the target's schema (alone, on the base preset). */
function checkAxisValues(
  axes: readonly Axis[],
  base: Readonly<Record<string, unknown>>,
  file: string,
  hwLabel: string,
  issues: InputIssue[],
): void {
  axes.forEach((axis, i) => {
    axis.values.forEach((v, j) => {
      const where = `axes[${i}].values[${j}]`;
      if (axis.fields.includes(FORMAT_FIELD)) {
        if (typeof v !== 'string') {
          issues.push({
            file,
            path: where,
            value: showValue(v),
            expected: 'a format name such as int8, w4a8 or bf16',
          });
          return;
        }
        try {
          resolveFormatFlags({ format: v }, { weights: 'int8', activations: 'int8', accumulator: 'int32' });
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          for (const issue of e.issues)
            issues.push({ file, path: where, value: showValue(v), expected: issue.expected });
        }
        return;
      }
      let doc: Record<string, unknown> = { ...base };
      for (const f of axis.fields) doc = withField(doc, f, v);
      try {
        hwConfigFromDocument(doc, hwLabel);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        for (const issue of e.issues)
          issues.push({
            file,
            path: where,
            value: showValue(v),
            expected: `${issue.expected} (${hwLabel}: ${issue.path} with ${axis.name} = ${String(v)})`,
          });
      }
    });
  });
}

function checkFields(
  axes: readonly Axis[],
  base: Readonly<Record<string, unknown>>,
  file: string,
  issues: InputIssue[],
): void {
  const seen = new Map<string, string>();
  axes.forEach((axis, i) => {
    axis.fields.forEach((f, k) => {
      const path = axis.fields.length === 1 && k === 0 ? `axes[${i}].field` : `axes[${i}].fields[${k}]`;
      const owner = seen.get(f);
      if (owner !== undefined)
        issues.push({
          file,
          path,
          value: JSON.stringify(f),
          expected: `a field no other axis sets (axis ${owner} sets it)`,
        });
      seen.set(f, axis.name);
      if (f === FORMAT_FIELD) return;
      const parent = f.includes('.') ? fieldValue(base, f.slice(0, f.lastIndexOf('.'))) : base;
      const cur = fieldValue(base, f);
      if (parent === undefined || (cur !== undefined && typeof cur === 'object'))
        issues.push({
          file,
          path,
          value: JSON.stringify(f),
          expected: `a scalar field of the base preset (dotted path, e.g. array.rows), or "${FORMAT_FIELD}" for the number format`,
        });
    });
  });
}

/** Names an expression may use: axes, derived quantities (earlier ones), fields of the preset. */
function checkNames(
  e: Expr,
  known: ReadonlySet<string>,
  base: Readonly<Record<string, unknown>>,
  file: string,
  path: string,
  issues: InputIssue[],
): void {
  for (const n of e.names) {
    if (known.has(n)) continue;
    const v = fieldValue(base, n);
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') continue;
    issues.push({
      file,
      path,
      value: JSON.stringify(e.text),
      expected: `names of axes, derived quantities or scalar preset fields ("${n}" is none of them)`,
    });
  }
}

function parseExprAt(text: string, file: string, path: string, issues: InputIssue[]): Expr | undefined {
  try {
    return parseExpr(text);
  } catch (e) {
    if (!(e instanceof ExprError)) throw e;
    issues.push({ file, path, value: JSON.stringify(text), expected: `an expression (${e.message})` });
    return undefined;
  }
}

function resolveWorkloads(raw: RawSpec['workloads'], file: string, issues: InputIssue[]): SweepWorkload[] {
  const out: SweepWorkload[] = [];
  raw.forEach((w, i) => {
    const o = typeof w === 'string' ? { workload: w } : w;
    const resolved = resolveSpecPath(o.workload, file);
    const params = Object.fromEntries(
      Object.entries(('params' in o ? o.params : undefined) ?? {}).map(([k, v]) => [k, String(v)]),
    );
    const batch = 'batch' in o ? o.batch : undefined;
    const name = ('name' in o ? o.name : undefined) ?? o.workload;
    try {
      loadGraph(resolved ?? o.workload, params, batch !== undefined ? { batch } : {});
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      for (const issue of e.issues)
        issues.push({
          file,
          path: `workloads[${i}]`,
          value: JSON.stringify(o.workload),
          expected: `a workload that loads (${issue.file ?? o.workload}: ${issue.path}: got ${issue.value}; expected ${issue.expected})`,
        });
    }
    if (out.some((x) => x.name === name))
      issues.push({
        file,
        path: `workloads[${i}]`,
        value: JSON.stringify(name),
        expected: 'a workload name not used before (give `name:`)',
      });
    out.push({
      name,
      workload: resolved ?? o.workload,
      params,
      ...(batch !== undefined ? { batch } : {}),
      ...(resolved !== undefined ? { contentSha256: sha256(readFileSync(resolved)) } : {}),
    });
  });
  return out;
}

function resolveObjectives(
  raw: RawSpec['objectives'],
  file: string,
  priced: boolean,
  targetId: string,
  issues: InputIssue[],
): Objective[] {
  const out: Objective[] = [];
  raw.forEach((o, i) => {
    const name = typeof o === 'string' ? o : o.metric;
    const metric = findMetric(name);
    const path = `objectives[${i}]`;
    if (metric === undefined) {
      issues.push({ file, path, value: JSON.stringify(name), expected: `one of: ${metricNames.join(', ')}` });
      return;
    }
    if (targetId === '') return; // the preset did not load: reported already
    if (metric.priced === true && !priced)
      issues.push({
        file,
        path,
        value: JSON.stringify(name),
        expected:
          'a metric the base preset can give: it names no technology (node_nm, dram), so energy and area are not computed',
      });
    if (metric.fpga === true && targetId !== 'fpga-dataflow')
      issues.push({
        file,
        path,
        value: JSON.stringify(name),
        expected: `a metric the ${targetId} target reports (FPGA resources come from FPGA targets)`,
      });
    if (out.some((x) => x.metric.name === name))
      issues.push({ file, path, value: JSON.stringify(name), expected: 'each objective once' });
    out.push({ metric, goal: typeof o === 'string' ? metric.goal : (o.goal ?? metric.goal) });
  });
  return out;
}

/** Validate a parsed spec document (every problem at once). */
export function parseSweepSpec(raw: unknown, file: string): SweepSpec {
  const doc = parseWithSchema(specSchema, raw, file);
  const issues: InputIssue[] = [];

  const hwFile = resolveSpecPath(doc.hw, file);
  let hwDocument: Record<string, unknown> = {};
  let targetId = '';
  let priced = false;
  if (hwFile === undefined) {
    issues.push({
      file,
      path: 'hw',
      value: JSON.stringify(doc.hw),
      expected: 'an existing YAML preset, relative to the spec file or the repository',
    });
  } else if (/\.cfg$/i.test(hwFile)) {
    issues.push({
      file,
      path: 'hw',
      value: JSON.stringify(doc.hw),
      expected: 'a YAML preset (a SCALE-Sim .cfg has no fields to sweep; convert it to a preset)',
    });
  } else {
    try {
      const hwRaw = readYamlFile(hwFile);
      const hw = hwConfigFromDocument(hwRaw, doc.hw);
      hwDocument = hwRaw as Record<string, unknown>;
      targetId = hw.target.id;
      priced = hw.target.technology(hw.spec) !== undefined;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues.push(...e.issues);
    }
  }

  const axes: Axis[] = doc.axes.map((a) => ({
    name: a.name,
    fields: a.fields ?? [a.field!],
    values: axisValues(a),
  }));
  axes.forEach((a, i) => {
    if (axes.findIndex((b) => b.name === a.name) !== i)
      issues.push({
        file,
        path: `axes[${i}].name`,
        value: JSON.stringify(a.name),
        expected: 'an axis name not used before',
      });
    const dup = a.values.findIndex((v, j) => a.values.indexOf(v) !== j);
    if (dup >= 0)
      issues.push({
        file,
        path: `axes[${i}].values[${dup}]`,
        value: showValue(a.values[dup]),
        expected: 'each value once',
      });
  });
  if (hwFile !== undefined && targetId !== '') {
    checkFields(axes, hwDocument, file, issues);
    checkAxisValues(axes, hwDocument, file, doc.hw, issues);
  }

  const known = new Set(axes.map((a) => a.name));
  const derived: Derived[] = [];
  for (const [name, text] of Object.entries(doc.derived ?? {})) {
    const path = `derived.${name}`;
    if (known.has(name))
      issues.push({ file, path, value: JSON.stringify(name), expected: 'a name no axis uses' });
    const e = parseExprAt(text, file, path, issues);
    if (e !== undefined) {
      checkNames(e, known, hwDocument, file, path, issues);
      derived.push({ name, expr: e });
    }
    known.add(name);
  }
  const constraints: Expr[] = [];
  (doc.constraints ?? []).forEach((text, i) => {
    const e = parseExprAt(text, file, `constraints[${i}]`, issues);
    if (e !== undefined) {
      checkNames(e, known, hwDocument, file, `constraints[${i}]`, issues);
      constraints.push(e);
    }
  });

  const workloads = resolveWorkloads(doc.workloads, file, issues);
  const objectives = resolveObjectives(doc.objectives, file, priced, targetId, issues);
  const numericsWanted = objectives.some((o) => o.metric.numerics === true);
  const n = doc.numerics;
  const contentSha256: Record<string, string> = {};
  const dataPath = (key: 'data' | 'calib'): string | undefined => {
    const p = n?.[key];
    if (p === undefined) return undefined;
    const r = resolveSpecPath(p, file);
    if (r === undefined) {
      issues.push({
        file,
        path: `numerics.${key}`,
        value: JSON.stringify(p),
        expected: 'an existing dataset manifest, relative to the spec file or the repository',
      });
      return undefined;
    }
    contentSha256[key] = sha256(readFileSync(r));
    return r;
  };
  const data = dataPath('data');
  const calib = dataPath('calib');
  if (n !== undefined && !numericsWanted)
    issues.push({
      file,
      path: 'numerics',
      value: '(given)',
      expected: 'an objective that needs it (sqnr, top1-agreement or accuracy)',
    });
  if (objectives.some((o) => o.metric.name === 'accuracy') && n?.data === undefined)
    issues.push({
      file,
      path: 'objectives',
      value: '"accuracy"',
      expected: 'numerics.data: labelled evaluation data',
    });
  if (numericsWanted && workloads.some((w) => w.batch !== undefined && w.batch !== 1))
    issues.push({
      file,
      path: 'workloads',
      value: 'batch > 1',
      expected: 'batch 1 when a numerical-error objective runs the executor',
    });
  if (objectives.length === 1 && doc.strategy?.kind === 'evolutionary')
    issues.push({
      file,
      path: 'objectives',
      value: '1 objective',
      expected: 'at least two objectives for an evolutionary search toward a Pareto front',
    });

  if (issues.length > 0) throw new InputError(issues);

  const strategy: Strategy =
    doc.strategy === undefined || doc.strategy.kind === 'grid'
      ? { kind: 'grid' }
      : doc.strategy.kind === 'random'
        ? { kind: 'random', samples: doc.strategy.samples, seed: doc.strategy.seed ?? 1 }
        : {
            kind: 'evolutionary',
            population: doc.strategy.population,
            generations: doc.strategy.generations,
            seed: doc.strategy.seed ?? 1,
          };
  const numerics: NumericsSettings | undefined = numericsWanted
    ? {
        ...(data !== undefined ? { data } : {}),
        ...(calib !== undefined ? { calib } : {}),
        ...(n?.eval_count !== undefined ? { evalCount: n.eval_count } : {}),
        method: n?.method ?? 'minmax',
        contentSha256,
      }
    : undefined;
  const hash = sha256(
    canonicalJson({
      hw: hwDocument,
      workloads: workloads.map((w) => ({
        ...w,
        workload: w.contentSha256 === undefined ? w.workload : w.name,
      })),
      axes,
      derived: derived.map((d) => ({ name: d.name, expr: d.expr.text })),
      constraints: constraints.map((c) => c.text),
      strategy,
      objectives: objectives.map((o) => ({ metric: o.metric.name, goal: o.goal })),
      numerics: numerics === undefined ? null : { ...numerics, data: undefined, calib: undefined },
    }),
  );
  return {
    file,
    name: doc.name,
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    hw: doc.hw,
    hwFile: hwFile!,
    hwDocument,
    targetId,
    workloads,
    axes,
    derived,
    constraints,
    strategy,
    objectives,
    ...(numerics !== undefined ? { numerics } : {}),
    hash,
  };
}

export function loadSweepSpec(file: string): SweepSpec {
  return parseSweepSpec(readYamlFile(file), file);
}
