/**
 * A systolic run's energy is Σ counts × table prices + leakage × time, recomputed here by hand from
 * the table rows (not from the roll-up's own price list).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/units/paths.js';
import { cli } from '../cli/helpers.js';
import { macCost } from '../../src/cost/mac.js';
import { priceRun } from '../../src/cost/rollup.js';
import { leakagePower } from '../../src/cost/scaling.js';
import { dramAccessEnergy, registerFileCost, sramCost } from '../../src/cost/sram.js';
import { parseFormat } from '../../src/formats/index.js';
import { simulateGemm, systolicInventory, operandBytes } from '../../src/targets/systolic/index.js';
import { gemmViewOf, specOf } from '../targets/systolic/helpers.js';

describe('cost roll-up', () => {
  const formats = { weights: 'int8', activations: 'int8', accumulator: 'int32' };
  const spec = {
    ...specOf({
      array: { rows: 4, cols: 4, dataflow: 'os' },
      sram: { ifmap_kib: 8, filter_kib: 8, ofmap_kib: 8 },
      dram: { read_bandwidth_bytes_per_cycle: 4, write_bandwidth_bytes_per_cycle: 4, latency_cycles: 2 },
    }),
    technology: { nodeNm: 22, dram: 'lpddr4' },
  };
  const job = {
    kind: 'gemm' as const,
    name: 'g',
    op: 'dense',
    view: gemmViewOf(9, 6, 10),
    bytes: operandBytes(formats, undefined),
  };
  const d = simulateGemm(job, spec);
  const op = { nodeNm: 22 };

  it('energy = Σ counts × prices from the tables + leakage × time', () => {
    const c = d.counts;
    const n = (k: string): number => c[k] ?? 0;
    const mac = macCost(parseFormat('int8'), parseFormat('int8'), parseFormat('int32'), op).energyPj;
    const reg8 = registerFileCost({ entries: 1, widthBits: 8 }, op).writeEnergyPj;
    const reg32 = registerFileCost({ entries: 1, widthBits: 32 }, op).writeEnergyPj;
    const sram = sramCost({ capacityBytes: 4096, widthBits: 64 }, op); // 8 KiB as two 4 KiB macros
    const dramByte = dramAccessEnergy('lpddr4', 8).energyPj;
    const dynamic =
      n('pe.mac') * mac +
      (n('pe.ifmap_hop') + n('pe.filter_hop')) * reg8 +
      n('pe.psum_hop') * reg32 +
      (n('sram.ifmap.read') + n('sram.filter.read') + n('sram.ofmap.drain')) * (sram.readEnergyPj / 8) +
      (n('sram.ifmap.fill') + n('sram.filter.fill') + n('sram.ofmap.write')) * (sram.writeEnergyPj / 8) +
      (n('dram.ifmap.read.bytes') + n('dram.filter.read.bytes') + n('dram.ofmap.write.bytes')) * dramByte;
    const priced = priceRun(
      systolicInventory(spec, formats),
      [{ cycles: d.timing.cycles, counts: c }],
      spec.technology,
      1e9,
    );
    const leakUw = leakagePower(priced.areaUm2, op).powerUw;
    const expected = dynamic + leakUw * (d.timing.cycles / 1e9) * 1e6;
    expect(priced.layers[0]!.energyPj).toBeCloseTo(expected, 6);
    expect(priced.layers[0]!.dynamicEnergyPj).toBeCloseTo(dynamic, 6);
    expect(n('pe.mac')).toBe(9 * 6 * 10);
  });

  it('every action has a price and a provenance; an unknown action is an error', () => {
    const priced = priceRun(
      systolicInventory(spec, formats),
      [{ cycles: d.timing.cycles, counts: d.counts }],
      spec.technology,
      1e9,
    );
    for (const k of Object.keys(d.counts)) expect(priced.provenance[`energy.${k}`], k).toBeTruthy();
    expect(() =>
      priceRun(
        systolicInventory(spec, formats),
        [{ cycles: 1, counts: { 'warp.drive': 1 } }],
        spec.technology,
        1e9,
      ),
    ).toThrow(/no energy price for action warp.drive/);
  });

  it('narrower formats cost less area and energy on the same array', () => {
    const price = (f: typeof formats) =>
      priceRun(
        systolicInventory(spec, f),
        [{ cycles: d.timing.cycles, counts: d.counts }],
        spec.technology,
        1e9,
      );
    const i8 = price(formats);
    const i4 = price({ weights: 'int4', activations: 'int4', accumulator: 'int32' });
    expect(i4.areaByComponentUm2.pe!).toBeLessThan(i8.areaByComponentUm2.pe!);
    expect(i4.actionEnergyPj['pe.mac']!).toBeLessThan(i8.actionEnergyPj['pe.mac']!);
  });
});

describe('priced results', () => {
  it('simulate --json carries energy, area, power, TOPS/W and inferences/s/W that agree with each other', async () => {
    const r = await cli(
      'simulate',
      '--hw',
      join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml'),
      '--workload',
      'squeezenet1_1',
      '--json',
      '--skip-reports',
    );
    expect(r.code).toBe(0);
    const t = (JSON.parse(r.stdout) as { totals: Record<string, number> }).totals;
    const joules = t.energyPj! / 1e12;
    expect(t.powerW).toBeCloseTo(joules / t.latencyS!, 9);
    expect(t.opsPerJ! / ((2 * t.macs!) / joules)).toBeCloseTo(1, 12);
    expect(t.inferencesPerSPerW! * joules).toBeCloseTo(1, 9);
    expect(t.areaUm2).toBeGreaterThan(0);
  });
});
