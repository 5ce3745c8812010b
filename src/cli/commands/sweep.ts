import { join } from 'node:path';
import { summarizeFolder, type FolderSummary } from '../../dse/folder.js';
import { mergeSweeps, type MergeOutcome } from '../../dse/merge.js';
import { parseShard, runSweep, type Progress, type SweepOutcome } from '../../dse/run.js';
import { loadSweepSpec } from '../../dse/spec.js';
import { canonicalJson } from '../../report/json.js';
import { paretoCsv, paretoJson, renderSweep, sweepHtml, sweepSummaryJson } from '../../report/sweep.js';
import { writeFileAtomic } from '../../report/write-dir.js';
import { defaultWorkers } from '../../sim/pool.js';
import { packageRoot } from '../../units/paths.js';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from '../io.js';
import { positiveIntFlag } from './common.js';

export interface SweepArgs {
  readonly spec: string;
  readonly out?: string | undefined;
  readonly workers?: number | undefined;
  readonly shard?: string | undefined;
  readonly json: boolean;
  readonly verbose: boolean;
}

export interface MergeArgs {
  readonly dirs: readonly string[];
  readonly out: string;
  readonly json: boolean;
}

/** `[=====     ] 120/480 25.0 %  35.2 pts/s  ETA 0:10` (rate and ETA over the points run now). */
export function progressLine(p: Progress, elapsedS: number, width = 30): string {
  const frac = p.total > 0 ? p.done / p.total : 1;
  const filled = Math.round(frac * width);
  const ran = p.done - p.resumed;
  const rate = elapsedS > 0 ? ran / elapsedS : 0;
  const left = p.total - p.done;
  const eta = rate > 0 ? clock(left / rate) : '?';
  const resumed = p.resumed > 0 ? ` (${p.resumed} resumed)` : '';
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${p.done}/${p.total} ${(100 * frac).toFixed(1)} %${resumed}  ${rate.toFixed(1)} pts/s  ETA ${eta}`;
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** pareto.csv, pareto.json, summary.json and sweep.html of a finished (or merged) folder. */
export function writeSweepReports(dir: string): FolderSummary {
  const s = summarizeFolder(dir);
  writeFileAtomic(join(dir, 'pareto.csv'), paretoCsv(s));
  writeFileAtomic(join(dir, 'pareto.json'), paretoJson(s));
  writeFileAtomic(join(dir, 'summary.json'), sweepSummaryJson(s));
  writeFileAtomic(join(dir, 'sweep.html'), sweepHtml(s, `bitcycle sweep ${s.manifest.name}`));
  return s;
}

function runJson(o: SweepOutcome, s: FolderSummary): string {
  return canonicalJson({
    outDir: o.outDir,
    total: o.total,
    ran: o.ran,
    resumed: o.resumed,
    ok: o.ok,
    failed: o.failed,
    dropped: o.dropped,
    frontSizes: Object.fromEntries(s.manifest.workloads.map((w) => [w, s.fronts.get(w)?.length ?? 0])),
  });
}

export async function sweepCommand(args: SweepArgs, io: CliIo): Promise<number> {
  const workers =
    args.workers === undefined ? defaultWorkers() : (positiveIntFlag('--workers', args.workers) ?? 1);
  const shard = args.shard === undefined ? undefined : parseShard(args.shard);
  const spec = loadSweepSpec(args.spec);
  const outDir =
    args.out ??
    join(
      packageRoot(),
      'reports',
      shard === undefined || shard.count === 1
        ? spec.name
        : `${spec.name}-shard-${shard.index}-of-${shard.count}`,
    );
  const started = performance.now();
  const show = args.json ? undefined : io.progress;
  let last = 0;
  const outcome = await runSweep(spec, {
    outDir,
    workers,
    ...(shard !== undefined ? { shard } : {}),
    onProgress: (p) => {
      if (show === undefined) return;
      const now = performance.now();
      if (now - last < 200 && p.done < p.total) return;
      last = now;
      show(progressLine(p, (now - started) / 1000));
    },
  });
  show?.(null);
  const s = writeSweepReports(outDir);
  if (args.json) io.out(runJson(outcome, s));
  else {
    io.out(renderSweep(s));
    io.out(
      `\n${outcome.ran} points run, ${outcome.resumed} resumed from an earlier run${outcome.dropped > 0 ? `, ${outcome.dropped} stale results dropped` : ''}; wrote results.jsonl, points.jsonl, sweep.json, pareto.csv, pareto.json, summary.json, sweep.html to ${outDir}`,
    );
  }
  if (args.verbose)
    io.err(`bitcycle: ${((performance.now() - started) / 1000).toFixed(1)} s on ${workers} worker(s)`);
  return EXIT_OK;
}

function renderMerge(m: MergeOutcome): string {
  const lines = [`merged ${m.shards} folder(s): ${m.results} of ${m.points} points have results`];
  if (m.missingShards.length > 0) lines.push(`missing shards: ${m.missingShards.join(', ')}`);
  if (m.missing.length > 0) {
    lines.push(`missing points: ${m.missing.length}`);
    for (const p of m.missing.slice(0, 10))
      lines.push(`  #${p.index} ${p.workload} (${p.key.slice(0, 12)}…)`);
    if (m.missing.length > 10) lines.push(`  … and ${m.missing.length - 10} more`);
  }
  for (const d of m.duplicates.slice(0, 10))
    lines.push(
      `duplicate ${d.identical ? '(identical)' : '(CONFLICTING)'}: ${d.key.slice(0, 12)}… in ${d.folders.join(', ')}`,
    );
  if (m.duplicates.length > 10) lines.push(`… and ${m.duplicates.length - 10} more duplicates`);
  return lines.join('\n');
}

/** Join shard folders; exit 1 when points are missing or duplicates conflict (the merge is written anyway). */
export function mergeCommand(args: MergeArgs, io: CliIo): number {
  const m = mergeSweeps(args.dirs, args.out);
  const s = writeSweepReports(args.out);
  const incomplete =
    m.missing.length > 0 || m.missingShards.length > 0 || m.duplicates.some((d) => !d.identical);
  if (args.json)
    io.out(
      canonicalJson({
        outDir: m.outDir,
        shards: m.shards,
        missingShards: m.missingShards,
        points: m.points,
        results: m.results,
        missing: m.missing,
        duplicates: m.duplicates,
      }),
    );
  else io.out(`${renderMerge(m)}\n\n${renderSweep(s)}\n\nwrote ${args.out}`);
  return incomplete ? EXIT_FAILURE : EXIT_OK;
}
