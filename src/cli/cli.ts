import yargs, { type Argv } from 'yargs';
import { EXIT_OK, UsageError, processIo, reportError, type CliIo } from './io.js';
import { inspectCommand } from './commands/inspect.js';
import { listCommand, LIST_KINDS } from './commands/list.js';
import { validateCommand } from './commands/validate.js';
import { formatsShowCommand } from './commands/formats.js';
import { simulateCommand } from './commands/simulate.js';
import { infoCommand } from './commands/info.js';
import { regressCommand } from './commands/regress.js';
import { mergeCommand, sweepCommand } from './commands/sweep.js';
import { compareFormatsCommand, DEFAULT_COMPARE_FORMATS } from './commands/compare-formats.js';
import { evaluateCommand, quantizeCommand, type NumericsArgs } from './commands/numerics.js';
import { DEFAULT_FORMAT, DEFAULT_HW, DEFAULT_WORKLOAD } from './defaults.js';

/**
 * yargs reads `--no-<flag>` as `<flag> = false` for every flag; for a flag that takes a value (a
 * path, a number) that would reach the command as `false`. Refuse it as a usage error.
 */
function rejectNegatedValues(argv: readonly string[], parser: Argv): void {
  // getOptions() (the declared types of the running command's flags) is not in yargs' typings
  const opts = (
    parser as unknown as { getOptions?: () => { string?: string[]; number?: string[] } }
  ).getOptions?.();
  const valued = new Set([...(opts?.string ?? []), ...(opts?.number ?? [])]);
  for (const token of argv) {
    const m = /^--no-([A-Za-z0-9-]+)$/.exec(token);
    if (m !== null && valued.has(m[1]!))
      throw new UsageError(`${token}: --${m[1]!} takes a value; give it (or leave the flag out)`);
  }
}

/** Parse argv and run one command; returns the exit code (0 ok, 1 failure, 2 bad input). */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let code = EXIT_OK;
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const set = (c: number): void => {
    code = c;
  };
  const parser = buildParser(argv, io, set);
  try {
    await parser.parseAsync();
  } catch (e) {
    return reportError(e, io, verbose);
  }
  return code;
}

function buildParser(argv: readonly string[], io: CliIo, setCode: (c: number) => void): Argv {
  const paramOption = {
    type: 'string',
    array: true,
    describe: 'workload parameter override NAME=VALUE (e.g. seq=256, phase=decode); repeatable',
  } as const;
  const formatOptions = {
    format: {
      type: 'string',
      describe: 'one format for weights and activations, or wXaY (e.g. int8, w4a8, fp8-e4m3)',
    },
    weights: { type: 'string', describe: 'weight format (with --acts)' },
    acts: { type: 'string', describe: 'activation format (with --weights)' },
    accumulator: {
      type: 'string',
      describe: 'accumulator format (default: int32 for integer formats, fp32 for floating)',
    },
  } as const;

  /** Evaluation / calibration data and the range picker: compare-formats, quantize, evaluate. */
  const dataOptions = {
    data: {
      type: 'string',
      describe: 'evaluation data: a bitcycle-dataset/1 manifest or a .pb tensor (default: seeded N(0,1))',
    },
    calib: { type: 'string', describe: 'calibration data (default: seeded N(0,1))' },
    'eval-count': { type: 'number', describe: 'evaluation samples (default: all of --data, or 1)' },
    method: { type: 'string', describe: 'range picker: minmax (default), percentile, mmse' },
  } as const;
  const numericsOptions = <T>(y: Argv<T>) =>
    y
      .option('workload', {
        alias: 'w',
        type: 'string',
        demandOption: true,
        describe: 'a model (.onnx, TF.js model.json, bitcycle graph .json), zoo id or layer table',
      })
      .option('param', paramOption)
      .options(formatOptions)
      .options(dataOptions)
      .option('calib-count', {
        type: 'number',
        describe: 'calibration samples (default 64 of --calib, or 2)',
      })
      .option('granularity', { type: 'string', describe: 'weights: per-channel (default) or per-tensor' })
      .option('bias-correction', { type: 'boolean', describe: 'correct biases for the weight error' })
      .option('overflow', {
        type: 'string',
        describe: 'integer accumulator overflow: wrap (default) or saturate',
      })
      .option('requant', { type: 'string', describe: 'requantization: float (default) or fixed-point' })
      .option('partial-sum-rows', {
        type: 'number',
        describe: 'accumulate in partial sums of N products (a ws/is array with N rows)',
      })
      .option('reference', { type: 'string', describe: 'float32 reference: tfjs (default) or kernels' })
      .option('seed', { type: 'number', describe: 'seed of generated weights and inputs (default 1)' });
  type NumericsYargs = Awaited<ReturnType<ReturnType<typeof numericsOptions>['parse']>>;
  const numericsArgs = (args: NumericsYargs & { readonly json: boolean }): NumericsArgs => ({
    workload: args.workload,
    params: args.param ?? [],
    format: args.format,
    weights: args.weights,
    acts: args.acts,
    accumulator: args.accumulator,
    data: args.data,
    calib: args.calib,
    evalCount: args['eval-count'],
    calibCount: args['calib-count'],
    method: args.method,
    granularity: args.granularity,
    biasCorrection: args['bias-correction'],
    overflow: args.overflow,
    requant: args.requant,
    partialSumRows: args['partial-sum-rows'],
    reference: args.reference,
    seed: args.seed,
    json: args.json,
  });

  const parser: Argv = yargs([...argv]);
  return parser
    .scriptName('bitcycle')
    .usage('$0 <command> [options]\n\nCycle-accurate simulation of quantized neural-network accelerators.')
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'say more about what runs' })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'print the machine-readable result on stdout',
    })
    .command(
      'start',
      'run the main job on the built-in default: ResNet-18, int8, default systolic preset (what `npm start` runs)',
      (y) => y.option('workers', { type: 'number', describe: 'worker threads (default: one per core)' }),
      async (args) => {
        setCode(
          await simulateCommand(
            {
              hw: DEFAULT_HW(),
              workload: DEFAULT_WORKLOAD,
              format: DEFAULT_FORMAT,
              params: [],
              workers: args.workers,
              json: args.json,
              verbose: args.verbose,
            },
            io,
          ),
        );
      },
    )
    .command(
      'simulate',
      'simulate a workload on a hardware description; prints per-layer cycles and writes reports',
      (y) =>
        y
          .option('hw', {
            type: 'string',
            describe: 'hardware preset (YAML), e.g. hw-configs/systolic/default.yaml',
          })
          .option('scalesim-cfg', {
            type: 'string',
            describe: 'a SCALE-Sim .cfg file, read unchanged (instead of --hw)',
          })
          .option('workload', {
            alias: 'w',
            type: 'string',
            describe:
              'zoo id, layer table (.json/.yaml), SCALE-Sim topology .csv, or a model (.onnx, TF.js model.json, bitcycle graph .json)',
          })
          .option('topology', {
            type: 'string',
            describe: 'a SCALE-Sim topology CSV (conv or GEMM), read unchanged',
          })
          .option('param', paramOption)
          .option('batch', { type: 'number', describe: 'batch size (default 1)' })
          .options(formatOptions)
          .option('out', { alias: 'o', type: 'string', describe: 'output folder (default reports/latest)' })
          .option('skip-reports', { type: 'boolean', describe: 'print only; write no report files' })
          .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
          .option('all-layers', { type: 'boolean', describe: 'show layers with 0 cycles in the table too' })
          .option('engine', {
            choices: ['event', 'reference', 'gpu', 'dla'] as const,
            describe:
              'event (default, fast) or reference: every PE every cycle with seeded values in the layer formats, checked against the event engine (small layers); gpu or dla: the unit of a device with several (jetson)',
          })
          .option('trace', {
            type: 'string',
            describe:
              'write traces to this folder: per-cycle SRAM/DRAM address traces per layer (SCALE-Sim layout), or with --trace-format one waveform / timeline file of the whole run',
          })
          .option('trace-format', {
            type: 'string',
            describe:
              'csv (default: SCALE-Sim address traces per layer), vcd (trace.vcd for GTKWave) or perfetto (trace.perfetto.json for ui.perfetto.dev)',
          })
          .option('op-point', {
            type: 'string',
            describe:
              "operating point (voltage, clock) by name, instead of the preset's operating_point (riscv-cluster)",
          })
          .option('rbe', {
            choices: ['on', 'off'] as const,
            describe:
              "run eligible layers on the RBE (on) or all on the cores, as if the preset had no RBE (off); default: the preset's rbe (riscv-cluster)",
          }),
      async (args) => {
        setCode(
          await simulateCommand(
            {
              hw: args.hw,
              scalesimCfg: args['scalesim-cfg'],
              workload: args.workload,
              topology: args.topology,
              params: args.param ?? [],
              batch: args.batch,
              format: args.format,
              weights: args.weights,
              acts: args.acts,
              accumulator: args.accumulator,
              out: args.out,
              noOut: args['skip-reports'],
              workers: args.workers,
              json: args.json,
              verbose: args.verbose,
              allLayers: args['all-layers'],
              trace: args.trace,
              traceFormat: args['trace-format'],
              engine: args.engine,
              opPoint: args['op-point'],
              rbe: args.rbe,
            },
            io,
          ),
        );
      },
    )
    .command(
      'quantize',
      'quantize a float model (min-max, percentile, MMSE; per channel; bias correction; mixed precision) and write it as ONNX QDQ and bitcycle JSON',
      (y) =>
        numericsOptions(y)
          .option('out', { alias: 'o', type: 'string', describe: 'output folder (default reports/quantize)' })
          .option('mixed-precision', {
            type: 'boolean',
            describe: 'search bits per layer under --budget; writes the Pareto front',
          })
          .option('node', { type: 'string', describe: 'technology node of an energy budget, e.g. 22nm' })
          .option('budget', {
            type: 'string',
            describe: 'model-bits:<bits> or energy:<pJ> (with --mixed-precision)',
          })
          .option('bits', { type: 'string', describe: 'bit widths a layer may take (default 2,4,8)' }),
      async (args) => {
        setCode(
          await quantizeCommand(
            {
              ...numericsArgs(args),
              out: args.out,
              mixedPrecision: args['mixed-precision'],
              budget: args.budget,
              node: args.node,
              bits: args.bits,
            },
            io,
          ),
        );
      },
    )
    .command(
      'evaluate',
      'numerical error of a model in a format (or as imported) against float32: per layer SQNR, top-1/top-5',
      (y) => numericsOptions(y),
      async (args) => {
        setCode(await evaluateCommand(numericsArgs(args), io));
      },
    )
    .command(
      'inspect',
      'per-layer shapes, MACs and parameter bytes of a workload',
      (y) =>
        y
          .option('workload', {
            alias: 'w',
            type: 'string',
            demandOption: true,
            describe:
              'zoo id, layer table, SCALE-Sim CSV, or a model (.onnx, TF.js model.json, bitcycle graph .json)',
          })
          .option('param', paramOption)
          .option('batch', { type: 'number', describe: 'batch size (default 1)' })
          .options(formatOptions),
      async (args) => {
        setCode(
          await inspectCommand(
            {
              workload: args.workload,
              params: args.param ?? [],
              batch: args.batch,
              format: args.format,
              weights: args.weights,
              acts: args.acts,
              accumulator: args.accumulator,
              json: args.json,
              verbose: args.verbose,
            },
            io,
          ),
        );
      },
    )
    .command(
      'compare-formats',
      'run one workload on one array in several number formats: area, energy, cycles, TOPS/W per format',
      (y) =>
        y
          .option('hw', {
            type: 'string',
            demandOption: true,
            describe: 'hardware preset (YAML with a technology: node and DRAM)',
          })
          .option('workload', {
            alias: 'w',
            type: 'string',
            demandOption: true,
            describe: 'zoo id, layer table, or a model (.onnx, TF.js model.json, bitcycle graph .json)',
          })
          .option('formats', {
            type: 'string',
            default: DEFAULT_COMPARE_FORMATS,
            describe: 'comma-separated formats or wXaY shorthands',
          })
          .option('node', { type: 'string', describe: "technology node instead of the preset's, e.g. 22nm" })
          .option('param', paramOption)
          .option('batch', { type: 'number', describe: 'batch size (default 1)' })
          .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
          .option('out', {
            alias: 'o',
            type: 'string',
            describe: 'output folder (default reports/compare-formats)',
          })
          .option('numerics', {
            type: 'boolean',
            default: true,
            describe: 'compute the numerical-error column (--no-numerics: cost only)',
          })
          .options(dataOptions),
      async (args) => {
        setCode(
          await compareFormatsCommand(
            {
              hw: args.hw,
              workload: args.workload,
              formats: args.formats,
              node: args.node,
              params: args.param ?? [],
              batch: args.batch,
              workers: args.workers,
              out: args.out,
              json: args.json,
              numerics: args.numerics,
              data: args.data,
              calib: args.calib,
              evalCount: args['eval-count'],
              method: args.method,
            },
            io,
          ),
        );
      },
    )
    .command(
      'regress',
      'rerun a regression suite and compare it with its baseline: diff table, JUnit XML, exit 1 on a regression',
      (y) =>
        y
          .option('suite', {
            type: 'string',
            demandOption: true,
            describe: 'suite YAML (format: bitcycle-suite/1), e.g. regress/suites/systolic.yaml',
          })
          .option('update', { type: 'boolean', describe: 'rewrite the baseline from this run' })
          .option('junit', {
            type: 'string',
            describe: 'write JUnit XML (one testcase per case) to this file',
          })
          .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
          .option('baseline', {
            type: 'string',
            describe: 'baseline file (default reports/baselines/<suite name>.json)',
          }),
      async (args) => {
        setCode(
          await regressCommand(
            {
              suite: args.suite,
              update: args.update,
              junit: args.junit,
              workers: args.workers,
              baseline: args.baseline,
              verbose: args.verbose,
            },
            io,
          ),
        );
      },
    )
    .command(
      'sweep <spec>',
      'explore a design space: grid, random or evolutionary over config fields and formats, on the worker pool; resumable, shardable',
      (y) =>
        y
          .positional('spec', {
            type: 'string',
            demandOption: true,
            describe:
              'sweep spec YAML (format: bitcycle-sweep/1), e.g. hw-configs/sweeps/systolic-format-area.yaml',
          })
          .option('out', {
            type: 'string',
            describe:
              'output folder (default reports/<sweep name>/, or reports/<name>-shard-<i>-of-<N>/): results.jsonl, pareto.csv, sweep.html …; rerun into it to resume',
          })
          .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
          .option('shard', {
            type: 'string',
            describe: 'run only shard i of N (i/N, 0 ≤ i < N; join the folders with bitcycle merge)',
          }),
      async (args) => {
        setCode(
          await sweepCommand(
            {
              spec: args.spec,
              out: args.out,
              workers: args.workers,
              shard: args.shard,
              json: args.json,
              verbose: args.verbose,
            },
            io,
          ),
        );
      },
    )
    .command(
      'merge <dirs..>',
      'join the folders of a sharded sweep (reports missing and duplicate points; exit 1 when incomplete)',
      (y) =>
        y
          .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'shard folders' })
          .option('out', { type: 'string', demandOption: true, describe: 'merged folder' }),
      (args) => {
        setCode(mergeCommand({ dirs: args.dirs, out: args.out, json: args.json }, io));
      },
    )
    .command(
      'info',
      'version, runtime, worker threads, targets and the TensorFlow.js backend in use (--verbose: why)',
      (y) => y,
      async (args) => {
        setCode(await infoCommand(args.json, args.verbose, io));
      },
    )
    .command(
      'list <what>',
      'list targets, formats, workloads or presets',
      (y) => y.positional('what', { choices: LIST_KINDS, demandOption: true, describe: 'what to list' }),
      (args) => {
        setCode(listCommand(args.what, args.json, io));
      },
    )
    .command(
      'validate <file>',
      'check a hardware config, layer table or tech table and report every problem',
      (y) => y.positional('file', { type: 'string', demandOption: true }),
      (args) => {
        setCode(validateCommand(args.file, args.json, io));
      },
    )
    .command(
      'formats <action> <fmt>',
      'formats show <fmt>: value grid, range and hardware descriptor of a number format',
      (y) =>
        y.positional('action', { choices: ['show'] as const, demandOption: true }).positional('fmt', {
          type: 'string',
          demandOption: true,
          describe: 'format name, e.g. fp8-e4m3 or posit<8,0>',
        }),
      (args) => {
        setCode(formatsShowCommand(args.fmt, args.json, io));
      },
    )
    .middleware(() => {
      rejectNegatedValues(argv, parser);
    }, true)
    .demandCommand(1, 'name a command')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg: string | undefined, err: Error | undefined) => {
      throw err ?? new UsageError(msg ?? 'invalid command line');
    });
}
