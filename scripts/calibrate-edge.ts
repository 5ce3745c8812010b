/**
 * `npm run calibrate:edge`: fits the free parameters of the jetson and movidius models to the
 * measurements of ../shared/reference/edge.md §4 (scripts/edge-calibration/), prints every fitted
 * value with the data it came from and the model's error on each calibration point, and writes
 * the values into the presets' calibrated blocks and the edge rows of hw-configs/tech/blocks.yaml.
 * `--check` writes nothing and exits 1 when a committed file differs from a fresh fit.
 * test/targets/jetson/calibration.test.ts checks that the committed files equal a fresh fit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { calibrateEdge, type PointResult } from './edge-calibration/fit.js';
import { abs, renderAll } from './edge-calibration/render.js';

const pct = (model: number, measured: number): string => {
  const e = (100 * (model - measured)) / measured;
  return `${e >= 0 ? '+' : ''}${e.toFixed(1)} %`;
};

function table(points: readonly PointResult[]): string[] {
  return points.map((p) => {
    const m = p.measurement;
    return `  ${`${m.engine} ${m.mode}`.padEnd(9)} ${m.workload.padEnd(8)} ${m.format}  inf/s ${m.inferencesPerS
      .toString()
      .padStart(
        6,
      )} → ${p.modelInferencesPerS.toFixed(1).padStart(6)} (${pct(p.modelInferencesPerS, m.inferencesPerS).padStart(8)})   inf/s/W ${m.inferencesPerSPerW
      .toString()
      .padStart(
        5,
      )} → ${p.modelInferencesPerSPerW.toFixed(2).padStart(6)} (${pct(p.modelInferencesPerSPerW, m.inferencesPerSPerW).padStart(8)})`;
  });
}

function main(): void {
  const check = process.argv.includes('--check');
  const cal = calibrateEdge((line) => {
    console.log(line);
  });
  console.log('\nXavier calibration points (edge.md §4, batch 1): measured → model');
  for (const l of table(cal.xavier.points)) console.log(l);
  console.log('\nError bands (max |model / measured − 1|):');
  for (const [mode, b] of Object.entries(cal.xavier.bands)) {
    for (const [engine, v] of Object.entries(b)) {
      console.log(
        `  Xavier ${engine.toUpperCase()} ${mode}: inf/s ±${v.inferencesPerSPct} %, inf/s/W ±${v.inferencesPerSPerWPct} % (${v.points} points)`,
      );
    }
  }
  console.log('\nNCS calibration points (edge.md §4, batch 1): measured → model');
  for (const l of table(cal.ncs.points)) console.log(l);
  const nb = cal.ncs.band;
  console.log(
    `  NCS: inf/s ±${nb.inferencesPerSPct} %, inf/s/W ±${nb.inferencesPerSPerWPct} % (${nb.points} points)`,
  );
  console.log('\nINT8 against MLPerf (edge.md §5; not fitted):');
  for (const v of cal.validation) {
    console.log(
      `  ${v.what}: measured ${v.measuredInferencesPerS.toFixed(1)} inf/s, model ${v.modelInferencesPerS.toFixed(1)} (${pct(v.modelInferencesPerS, v.measuredInferencesPerS)})`,
    );
  }
  const files = renderAll(cal, (rel) => readFileSync(abs(rel), 'utf8'));
  let changed = 0;
  for (const [rel, text] of files) {
    if (readFileSync(abs(rel), 'utf8') === text) continue;
    changed++;
    if (check) console.log(`differs from a fresh fit: ${rel}`);
    else {
      writeFileSync(abs(rel), text);
      console.log(`wrote ${rel}`);
    }
  }
  console.log(`${files.size} files, ${changed} ${check ? 'differ' : 'changed'}`);
  if (check && changed > 0) process.exitCode = 1;
}

main();
