import { analyzeGraph } from '../../graph/analyze.js';
import { loadGraph } from '../../graph/load.js';
import { parseFormat } from '../../formats/index.js';
import { resolveFormatFlags, type FormatFlags } from '../../config/format-flags.js';
import { inspectResult, renderInspect } from '../../report/inspect.js';
import { canonicalJson } from '../../report/json.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { parseParamFlags, positiveIntFlag } from './common.js';

export interface InspectArgs extends FormatFlags {
  readonly workload: string;
  readonly params: readonly string[];
  readonly batch?: number | undefined;
  readonly json: boolean;
  readonly verbose: boolean;
}

export function inspectCommand(args: InspectArgs, io: CliIo): Promise<number> {
  const params = parseParamFlags(args.params);
  const batch = positiveIntFlag('--batch', args.batch);
  const graph = loadGraph(args.workload, params, batch !== undefined ? { batch } : {}).graph;
  const analysis = analyzeGraph(graph);
  const fallback = graph.quant ?? { weights: 'int8', activations: 'int8', accumulator: 'int32' };
  const formats = resolveFormatFlags(args, fallback);
  const wFormat = parseFormat(formats.weights);
  const result = inspectResult(graph, analysis, wFormat.name, wFormat.bits);
  io.out(args.json ? canonicalJson(result) : renderInspect(result));
  return Promise.resolve(EXIT_OK);
}
