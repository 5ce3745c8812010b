/**
 * `bitcycle merge <dirs…>`: join the folders of a sharded sweep into one. Checks that they are
 * shards of one sweep (same spec hash and shard count), reports missing shards, points that no shard
 * finished, and points finished twice (identical, or conflicting), and writes the merged folder in
 * the same sorted form as an unsharded run — so N shards merged equal one run byte for byte.
 */
import { join } from 'node:path';
import { InputError } from '../units/errors.js';
import { canonicalJson } from '../units/json.js';
import { readManifest, type Manifest } from './folder.js';
import {
  AtomicLineWriter,
  copyLines,
  ensureOutDir,
  parsePointLine,
  MANIFEST_FILE,
  parseResultLine,
  POINTS_FILE,
  RESULTS_FILE,
  scanLines,
  sha256Hex,
} from './store.js';

export interface MergeOutcome {
  readonly outDir: string;
  readonly shards: number;
  readonly missingShards: readonly number[];
  /** Points owed by the shards. */
  readonly points: number;
  readonly results: number;
  /** Owed points without a result: key, workload, index. */
  readonly missing: readonly { readonly key: string; readonly workload: string; readonly index: number }[];
  /** Keys with a result in more than one folder; `identical` when the lines are the same bytes. */
  readonly duplicates: readonly {
    readonly key: string;
    readonly folders: readonly string[];
    readonly identical: boolean;
  }[];
}

interface Loc {
  readonly dir: string;
  readonly file: string;
  readonly offset: number;
  readonly length: number;
  readonly index: number;
  readonly order: number;
  readonly workload: string;
}

function sortLocs(locs: Loc[]): Loc[] {
  return locs.sort((a, b) => a.index - b.index || a.order - b.order);
}

function writeLocs(to: string, locs: readonly Loc[]): void {
  copyLines(to, to, locs);
}

export function mergeSweeps(dirs: readonly string[], outDir: string): MergeOutcome {
  if (dirs.length === 0)
    throw new InputError([{ path: 'dirs', value: '(none)', expected: 'one or more sweep folders' }]);
  const manifests = dirs.map((d) => ({ dir: d, ...readManifest(d) }));
  const first = manifests[0]!;
  const count = first.manifest.shard?.count ?? 1;
  const issues = manifests.flatMap(({ dir, manifest }) => {
    const file = join(dir, MANIFEST_FILE);
    const out = [];
    if (manifest.specHash !== first.manifest.specHash)
      out.push({
        file,
        path: 'specHash',
        value: manifest.specHash.slice(0, 12),
        expected: `the sweep of ${dirs[0]} (${first.manifest.specHash.slice(0, 12)}…)`,
      });
    if ((manifest.shard?.count ?? 1) !== count)
      out.push({
        file,
        path: 'shard.count',
        value: String(manifest.shard?.count ?? 1),
        expected: `${count}, as in ${dirs[0]}`,
      });
    return out;
  });
  if (issues.length > 0) throw new InputError(issues);
  const present = new Set(manifests.map((m) => m.manifest.shard?.index ?? 0));
  const missingShards = [...Array(count).keys()].filter((i) => !present.has(i));

  const workloads = first.manifest.workloads;
  const order = (w: string): number => workloads.indexOf(w);
  const owed = new Map<string, Loc>();
  for (const { dir } of manifests) {
    const file = join(dir, POINTS_FILE);
    scanLines(file, (text, offset, length, lineNo) => {
      const p = parsePointLine(text, file, lineNo);
      if (!owed.has(p.key))
        owed.set(p.key, {
          dir,
          file,
          offset,
          length,
          index: p.index,
          order: order(p.workload),
          workload: p.workload,
        });
    });
  }
  const results = new Map<string, Loc & { sha: string }>();
  const dup = new Map<string, { folders: string[]; identical: boolean }>();
  for (const { dir } of manifests) {
    const file = join(dir, RESULTS_FILE);
    scanLines(file, (text, offset, length, lineNo) => {
      const r = parseResultLine(text, file, lineNo);
      const old = results.get(r.key);
      if (old !== undefined) {
        const d = dup.get(r.key) ?? { folders: [old.dir], identical: true };
        d.folders.push(dir);
        d.identical &&= old.sha === sha256Hex(text);
        dup.set(r.key, d);
        return;
      }
      if (!owed.has(r.key)) return;
      results.set(r.key, {
        dir,
        file,
        offset,
        length,
        index: r.index,
        order: order(r.workload),
        workload: r.workload,
        sha: sha256Hex(text),
      });
    });
  }
  const missing = [...owed]
    .filter(([key]) => !results.has(key))
    .map(([key, l]) => ({ key, workload: l.workload, index: l.index }))
    .sort((a, b) => a.index - b.index || order(a.workload) - order(b.workload));

  ensureOutDir(outDir);
  writeLocs(join(outDir, POINTS_FILE), sortLocs([...owed.values()]));
  writeLocs(join(outDir, RESULTS_FILE), sortLocs([...results.values()]));
  const merged: Manifest = { ...(JSON.parse(first.text) as Manifest), shard: null, points: owed.size };
  const w = new AtomicLineWriter(join(outDir, MANIFEST_FILE));
  w.write(canonicalJson(merged));
  w.commit();
  return {
    outDir,
    shards: present.size,
    missingShards,
    points: owed.size,
    results: results.size,
    missing,
    duplicates: [...dup].map(([key, d]) => ({ key, folders: d.folders, identical: d.identical })),
  };
}
