/**
 * Everything before the cycles: load the hardware description (YAML preset or SCALE-Sim .cfg), the
 * workload, the formats; check that the target can map every node; compile to jobs. The result is
 * plain data that worker threads can run.
 */
import { extname } from 'node:path';
import { resolveFormatFlags, type FormatAssignment, type FormatFlags } from '../config/format-flags.js';
import { readTextFile, readYamlFile } from '../config/yaml.js';
import { analyzeGraph } from '../graph/analyze.js';
import type { Graph } from '../graph/ir.js';
import { loadGraph } from '../graph/load.js';
import { applyPresetFlags, hwConfigFromDocument, type PresetFlagValues } from '../targets/load.js';
import { findTarget } from '../targets/registry.js';
import { parseScaleSimCfg } from '../targets/systolic/scalesim-cfg.js';
import type { AnyTarget, EngineChoice, ShapedNode } from '../targets/types.js';
import { InputError, type InputIssue } from '../units/errors.js';

export interface SimulateRequest {
  /** A YAML preset (`--hw`) or a SCALE-Sim .cfg (`--scalesim-cfg`). */
  readonly hw: string;
  /** A zoo id, layer table or topology CSV (`--workload` / `--topology`). */
  readonly workload: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly batch?: number | undefined;
  readonly formats?: FormatFlags;
  /** `reference` runs the reference stepper and checks it against the event engine. */
  readonly engine?: EngineChoice;
  /**
   * The parsed hardware document, when the caller built it (a sweep's design point); `hw` then only
   * names it in messages. A YAML preset document, never a .cfg.
   */
  readonly hwDocument?: unknown;
  /** The workload's graph, when the caller already loaded it (`workload` then only names it). */
  readonly graph?: Graph;
  /** Preset fields set on the command line (`--op-point`, `--rbe`). */
  readonly presetFlags?: PresetFlagValues;
}

export interface PreparedRun {
  readonly target: AnyTarget;
  readonly spec: unknown;
  readonly preset: string;
  readonly hwFile: string;
  readonly graph: Graph;
  readonly nodes: readonly ShapedNode[];
  readonly formats: FormatAssignment;
  readonly jobs: readonly unknown[];
  readonly batch: number;
}

const INT8: FormatAssignment = { weights: 'int8', activations: 'int8', accumulator: 'int32' };

function loadHardware(
  file: string,
  document: unknown,
  flags: PresetFlagValues,
): { target: AnyTarget; spec: unknown; preset: string } {
  const flagged = Object.keys(flags).length > 0;
  if (document === undefined && extname(file).toLowerCase() === '.cfg') {
    if (flagged) {
      throw new InputError(
        Object.entries(flags).map(([flag, v]) => ({
          path: `--${flag}`,
          value: String(v),
          expected: `a YAML preset with the field (${file} is a SCALE-Sim .cfg)`,
        })),
      );
    }
    const cfg = parseScaleSimCfg(readTextFile(file), file);
    return { target: findTarget('systolic')!, spec: cfg.spec, preset: cfg.runName };
  }
  const raw = applyPresetFlags(document ?? readYamlFile(file), file, flags);
  const hw = hwConfigFromDocument(raw, file);
  return { target: hw.target, spec: hw.spec, preset: hw.name };
}

export function prepareRun(req: SimulateRequest): PreparedRun {
  const { target, spec, preset } = loadHardware(req.hw, req.hwDocument, req.presetFlags ?? {});
  const opts = req.batch !== undefined ? { batch: req.batch } : {};
  const graph = req.graph ?? loadGraph(req.workload, { ...(req.params ?? {}) }, opts).graph;
  const analysis = analyzeGraph(graph);
  const nodes: ShapedNode[] = graph.nodes.map((node, i) => ({
    node,
    inputShapes: node.inputs.map((t) => analysis.shapes.get(t) ?? []),
    outputShapes: node.outputs.map((t) => analysis.shapes.get(t) ?? []),
    macs: analysis.layers[i]?.macs ?? 0,
  }));
  const refused: InputIssue[] = [];
  nodes.forEach((s, i) => {
    const r = target.supports(s, spec);
    if (!r.ok)
      refused.push({
        file: req.workload,
        path: `nodes[${i}] (${s.node.name})`,
        value: s.node.op,
        expected: `an op the ${target.id} target maps: ${r.reason}`,
      });
  });
  if (refused.length > 0) throw new InputError(refused);
  const fallback = target.presetFormats(spec) ?? graph.quant ?? INT8;
  const formats = resolveFormatFlags(req.formats ?? {}, fallback);
  const jobs = target.compile(graph, nodes, spec, formats, { engine: req.engine ?? 'event' });
  const batch =
    req.batch ?? graph.inputs.reduce((b, name) => Math.max(b, analysis.shapes.get(name)?.[0] ?? 1), 1);
  return { target, spec, preset, hwFile: req.hw, graph, nodes, formats, jobs, batch };
}
