import type { GraphAnalysis } from '../graph/analyze.js';
import type { Graph } from '../graph/ir.js';
import { renderTable } from './table.js';

export interface InspectLayer {
  readonly name: string;
  readonly op: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly macs: number;
  readonly params: number;
}

/** What `bitcycle inspect --json` prints (stable). */
export interface InspectResult {
  readonly workload: string;
  readonly weightFormat: string;
  readonly weightBits: number;
  readonly layers: readonly InspectLayer[];
  readonly totals: { readonly macs: number; readonly params: number; readonly paramBytes: number };
}

export function inspectResult(
  graph: Graph,
  analysis: GraphAnalysis,
  weightFormat: string,
  weightBits: number,
): InspectResult {
  const layers = analysis.layers.map((l) => ({
    name: l.name,
    op: l.op,
    inputShape: l.inputShape,
    outputShape: l.outputShape,
    macs: l.macs,
    params: l.params,
  }));
  return {
    workload: graph.name,
    weightFormat,
    weightBits,
    layers,
    totals: {
      macs: analysis.totals.macs,
      params: analysis.totals.params,
      paramBytes: Math.ceil((analysis.totals.params * weightBits) / 8),
    },
  };
}

export function renderInspect(r: InspectResult): string {
  const bytesPer = r.weightBits / 8;
  const rows = r.layers.map((l) => [
    l.name,
    l.op,
    shape(l.inputShape),
    shape(l.outputShape),
    l.macs,
    l.params,
    Math.ceil(l.params * bytesPer),
  ]);
  const table = renderTable(
    [
      { header: 'layer' },
      { header: 'op' },
      { header: 'input' },
      { header: 'output' },
      { header: 'MACs' },
      { header: 'params' },
      { header: `bytes (${r.weightFormat})` },
    ],
    rows,
  );
  const gmacs = (r.totals.macs / 1e9).toFixed(3);
  const mparams = (r.totals.params / 1e6).toFixed(3);
  const mb = (r.totals.paramBytes / 2 ** 20).toFixed(2);
  return `${table}\n\n${r.workload}: ${r.layers.length} layers, ${gmacs} GMACs, ${mparams} M params, ${mb} MiB of ${r.weightFormat} weights`;
}

function shape(s: readonly number[]): string {
  return s.join('x');
}
