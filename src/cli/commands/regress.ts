import { baselineMetrics, buildBaseline, defaultBaselineFile, readBaseline } from '../../regress/baseline.js';
import { storedToCaseMetrics } from '../../regress/baseline.js';
import { compareRuns } from '../../regress/compare.js';
import { runSuite } from '../../regress/run.js';
import { loadSuite, TOLERANCE_KEYS, type Tolerances } from '../../regress/suite.js';
import { baselineJson, junitXml, renderComparison, renderUpdate } from '../../report/regress.js';
import { writeFileAtomic } from '../../report/write-dir.js';
import { defaultWorkers } from '../../sim/pool.js';
import { InputError } from '../../units/errors.js';
import { packageVersion } from '../../units/paths.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from '../io.js';
import { positiveIntFlag } from './common.js';

export interface RegressArgs {
  readonly suite: string;
  readonly update?: boolean | undefined;
  readonly junit?: string | undefined;
  readonly workers?: number | undefined;
  readonly baseline?: string | undefined;
  readonly verbose: boolean;
}

/** Every metric exact: what `--update` lists as changed. */
const ALL_EXACT = Object.fromEntries(TOLERANCE_KEYS.map((k) => [k, 'exact'])) as Tolerances;

function missingBaseline(file: string, suite: string): InputError {
  return new InputError([
    {
      file,
      path: '(file)',
      value: 'missing',
      expected: `a baseline; create it with: bitcycle regress --suite ${suite} --update`,
    },
  ]);
}

/** Rerun a suite and compare it with its baseline (exit 1 on a regression), or rewrite the baseline. */
export async function regressCommand(args: RegressArgs, io: CliIo): Promise<number> {
  if (args.update === true && args.junit !== undefined)
    throw new UsageError('--junit reports a comparison; it cannot be combined with --update');
  const workers =
    args.workers === undefined ? defaultWorkers() : (positiveIntFlag('--workers', args.workers) ?? 1);
  const suite = loadSuite(args.suite);
  const file = args.baseline ?? defaultBaselineFile(suite.name);
  const old = readBaseline(file);
  if (old === undefined && args.update !== true) throw missingBaseline(file, args.suite);
  const now = await runSuite(suite, workers, (c, i) => {
    if (args.verbose) io.err(`bitcycle: case ${i + 1}/${suite.cases.length}: ${c.name}`);
  });
  const nowMetrics = storedToCaseMetrics(now);
  if (args.update === true) {
    const changes = old === undefined ? undefined : compareRuns(baselineMetrics(old), nowMetrics, ALL_EXACT);
    writeFileAtomic(file, baselineJson(buildBaseline(packageVersion(), suite.name, now)));
    io.out(renderUpdate(file, changes));
    return EXIT_OK;
  }
  const cmp = compareRuns(baselineMetrics(old!), nowMetrics, suite.tolerances);
  if (args.junit !== undefined) {
    writeFileAtomic(args.junit, junitXml(suite.name, [...now.keys()], cmp.findings));
    if (args.verbose) io.err(`bitcycle: wrote ${args.junit}`);
  }
  io.out(renderComparison(cmp));
  return cmp.findings.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
