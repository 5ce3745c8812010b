/**
 * Regenerates workloads/zoo/*.json from the builders in scripts/zoo/ (`npm run gen:zoo`). The
 * folder holds generated files only: a .json there that no builder produces is removed.
 * test/graph/zoo-regen.test.ts checks that the committed files equal a fresh rendering.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zooDir } from '../src/graph/workload.js';
import { renderZoo } from './zoo/index.js';

function main(): void {
  const dir = zooDir();
  mkdirSync(dir, { recursive: true });
  const files = renderZoo();
  let changed = 0;
  for (const [name, text] of files) {
    const path = join(dir, name);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    writeFileSync(path, text);
    changed++;
    console.log(`wrote workloads/zoo/${name}`);
  }
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.json') && !files.has(name)) {
      rmSync(join(dir, name));
      console.log(`removed stale workloads/zoo/${name}`);
    }
  }
  console.log(`${files.size} zoo workloads, ${changed} changed`);
}

main();
