import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listFormats } from '../../formats/index.js';
import { listZoo } from '../../graph/workload.js';
import { TARGETS } from '../../targets/registry.js';
import { canonicalJson } from '../../report/json.js';
import { renderTable } from '../../report/table.js';
import { packageRoot } from '../../units/paths.js';
import { EXIT_OK, type CliIo } from '../io.js';

export const LIST_KINDS = ['targets', 'formats', 'workloads', 'presets'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export function listCommand(what: ListKind, json: boolean, io: CliIo): number {
  const rows = listRows(what);
  if (json) io.out(canonicalJson(rows));
  else {
    const headers = rows.length > 0 ? Object.keys(rows[0] ?? {}) : ['name'];
    io.out(
      rows.length === 0
        ? `(no ${what})`
        : renderTable(
            headers.map((h) => ({ header: h, align: 'left' as const })),
            rows.map((r) => headers.map((h) => r[h] ?? '')),
          ),
    );
  }
  return EXIT_OK;
}

function listRows(what: ListKind): Record<string, string>[] {
  switch (what) {
    case 'targets':
      return TARGETS.map((t) => ({ id: t.id, fidelity: t.fidelity, description: t.description }));
    case 'formats':
      return listFormats().map((f) => ({ name: f.name, description: f.description }));
    case 'workloads':
      return listZoo().map((w) => ({
        id: w.id,
        params: Object.keys(w.params).join(', '),
        description: w.description,
      }));
    case 'presets':
      return listPresets();
  }
}

/** Every hardware preset: hw-configs/<target>/*.yaml (tech tables and sweeps are not presets). */
export function listPresets(): Record<string, string>[] {
  const root = join(packageRoot(), 'hw-configs');
  const out: Record<string, string>[] = [];
  for (const dir of readdirSync(root).sort()) {
    if (dir === 'tech' || dir === 'sweeps') continue;
    const full = join(root, dir);
    if (!statSync(full).isDirectory()) continue;
    for (const f of readdirSync(full).sort()) {
      if (f.endsWith('.yaml') || f.endsWith('.yml') || f.endsWith('.cfg')) {
        out.push({
          target: dir,
          preset: f.replace(/\.(ya?ml|cfg)$/, ''),
          file: relative(packageRoot(), join(full, f)),
        });
      }
    }
  }
  return out;
}
