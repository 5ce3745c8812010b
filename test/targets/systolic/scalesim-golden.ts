/**
 * Shared helpers of the SCALE-Sim tests: the golden cases (test/golden/scalesim/cases.json, produced
 * by running SCALE-Sim v2) and bitcycle's pipeline for one case: .cfg → spec, topology CSV → graph →
 * jobs, and the report rows with the plan and timing behind them.
 */
import { readFileSync } from 'node:fs';
import { analyzeGraph } from '../../../src/graph/analyze.js';
import { parseScaleSimCsv } from '../../../src/graph/import/scalesim-csv.js';
import type { Graph } from '../../../src/graph/ir.js';
import { scaleSimRowFromDetail, type ScaleSimRow } from '../../../src/report/scalesim.js';
import { newTimeline } from '../../../src/targets/systolic/event.js';
import {
  simulateGemm,
  systolicTarget,
  type GemmLayerDetail,
  type SystolicJob,
} from '../../../src/targets/systolic/index.js';
import { parseScaleSimCfg } from '../../../src/targets/systolic/scalesim-cfg.js';
import type { SystolicSpec } from '../../../src/targets/systolic/spec.js';
import type { ShapedNode } from '../../../src/targets/types.js';

export interface GoldenCase {
  readonly id: string;
  readonly inputType: 'conv' | 'gemm';
  readonly cfgText: string;
  readonly config: { readonly interfaceBandwidth: 'CALC' | 'USER' };
  readonly topology: { readonly text: string };
  readonly expected: readonly ScaleSimRow[];
  readonly large: boolean;
}

export const GOLDEN_CASES = JSON.parse(
  readFileSync('test/golden/scalesim/cases.json', 'utf8'),
) as GoldenCase[];

export function goldenCase(id: string): GoldenCase {
  const c = GOLDEN_CASES.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no golden case ${id}`);
  return c;
}

export function shapedNodes(graph: Graph): ShapedNode[] {
  const a = analyzeGraph(graph);
  return graph.nodes.map((node, i) => ({
    node,
    inputShapes: node.inputs.map((t) => a.shapes.get(t) ?? []),
    outputShapes: node.outputs.map((t) => a.shapes.get(t) ?? []),
    macs: a.layers[i]?.macs ?? 0,
  }));
}

export interface CaseRun {
  readonly spec: SystolicSpec;
  readonly jobs: SystolicJob[];
  readonly rows: ScaleSimRow[];
  readonly details: GemmLayerDetail[];
}

/** Run a golden case through bitcycle exactly as `simulate --scalesim-cfg … --topology …` would. */
export function runCase(c: GoldenCase): CaseRun {
  const { spec } = parseScaleSimCfg(c.cfgText, `${c.id}.cfg`);
  const graph = parseScaleSimCsv(c.topology.text, `${c.id}.csv`, { kind: c.inputType });
  const formats = graph.quant ?? { weights: 'int8', activations: 'int8', accumulator: 'int32' };
  const jobs = systolicTarget.compile(graph, shapedNodes(graph), spec, formats, { engine: 'event' });
  const rows: ScaleSimRow[] = [];
  const details: GemmLayerDetail[] = [];
  for (const job of jobs) {
    if (job.kind !== 'gemm') continue;
    const timeline = newTimeline();
    const detail = simulateGemm(job, spec, timeline);
    rows.push(scaleSimRowFromDetail(rows.length, job.view, spec, detail, timeline));
    details.push(detail);
  }
  return { spec, jobs, rows, details };
}
