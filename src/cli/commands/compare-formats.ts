import { join } from 'node:path';
import { compareFormats, parseNode, splitFormatList } from '../../sim/compare.js';
import { defaultWorkers } from '../../sim/pool.js';
import { compareCsv, compareHtml, compareJson, renderCompare } from '../../report/compare.js';
import { writeDirAtomic } from '../../report/write-dir.js';
import { packageRoot } from '../../units/paths.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { parseParamFlags, positiveIntFlag } from './common.js';

export const DEFAULT_COMPARE_FORMATS =
  'int8,int4,fp8-e4m3,fp8-e5m2,shortfloat8,posit<8,0>,bf16,fixed<4,4>,binary';

export interface CompareArgs {
  readonly hw: string;
  readonly workload: string;
  readonly formats: string;
  readonly node?: string | undefined;
  readonly params: readonly string[];
  readonly batch?: number | undefined;
  readonly workers?: number | undefined;
  readonly out?: string | undefined;
  readonly json: boolean;
}

export async function compareFormatsCommand(args: CompareArgs, io: CliIo): Promise<number> {
  const formats = splitFormatList(args.formats);
  const rows = await compareFormats({
    hw: args.hw,
    workload: args.workload,
    formats,
    params: parseParamFlags(args.params),
    batch: positiveIntFlag('--batch', args.batch),
    nodeNm: args.node === undefined ? undefined : parseNode(args.node),
    workers:
      args.workers === undefined ? defaultWorkers() : (positiveIntFlag('--workers', args.workers) ?? 1),
  });
  const title = `compare-formats: ${args.workload} on ${args.hw}${args.node !== undefined ? ` at ${args.node}` : ''}`;
  const dir = args.out ?? join(packageRoot(), 'reports', 'compare-formats');
  writeDirAtomic(
    dir,
    new Map([
      ['compare.json', compareJson(rows)],
      ['compare.csv', compareCsv(rows)],
      ['compare.html', compareHtml(rows, title)],
    ]),
  );
  io.out(
    args.json
      ? compareJson(rows)
      : `${renderCompare(rows, title)}\n\nwrote compare.json, compare.csv, compare.html to ${dir}`,
  );
  return EXIT_OK;
}
