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
import type { InventoryItem } from '../../src/targets/types.js';

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

describe('cost roll-up: blocks and priced SRAMs', () => {
  const inv: InventoryItem[] = [
    {
      kind: 'block',
      id: 'core',
      count: 2,
      areaRow: 'pulp.core.area',
      actions: {
        insn: { row: 'pulp.core.instruction.energy' },
        lane: { mac: { weights: 'int4', activations: 'int4', accumulator: 'int32' } },
        word: { row: 'pulp.interconnect.word.energy' },
      },
    },
    {
      kind: 'sram',
      id: 'bank',
      macros: 4,
      bytesPerMacro: 8192,
      wordBits: 32,
      ports: 1,
      actions: { word: { access: 'read', bits: 32 }, store: { access: 'write', bits: 16 } },
    },
  ];
  const layers = [{ cycles: 1000, counts: { insn: 10, lane: 40, word: 7, store: 3 } }];

  it('prices rows at their own node and voltage unscaled, MACs by the MAC model, shared actions as a sum', () => {
    const tech = { nodeNm: 22, voltageV: 0.8 };
    const p = priceRun(inv, layers, tech, 1e9);
    const e = p.layers[0]!.energyByComponentPj;
    const lane = macCost(parseFormat('int4'), parseFormat('int4'), parseFormat('int32'), tech).energyPj;
    // blocks.yaml: instruction 2.0 pJ and interconnect word 0.3 pJ at 22 nm, 0.8 V
    expect(e.core).toBeCloseTo(10 * 2.0 + 40 * lane + 7 * 0.3, 9);
    const bank = sramCost({ capacityBytes: 8192, widthBits: 64, ports: 1 }, tech);
    expect(e.bank).toBeCloseTo(7 * bank.readEnergyPj * (32 / 64) + 3 * bank.writeEnergyPj * (16 / 64), 9);
    expect(p.actionEnergyPj.word).toBeCloseTo(0.3 + bank.readEnergyPj / 2, 9);
    expect(p.provenance['energy.word']).toMatch(/^core: .*\+ bank: /);
    // area: 2 cores of the 28 nm row scaled to 22 nm, plus 4 macros
    expect(p.areaByComponentUm2.bank).toBeCloseTo(4 * bank.areaUm2, 6);
    expect(p.areaByComponentUm2.core).toBeGreaterThan(2 * 43000 * 0.4);
    expect(p.areaByComponentUm2.core).toBeLessThan(2 * 43000);
  });

  it('scales block rows by V² to the operating point, and leakage by the technology factor', () => {
    const nominal = priceRun(inv, layers, { nodeNm: 22, voltageV: 0.8 }, 1e9);
    const low = priceRun(inv, layers, { nodeNm: 22, voltageV: 0.4, leakageFactor: 3 }, 1e9);
    expect(low.actionEnergyPj.insn).toBeCloseTo(2.0 * (0.4 / 0.8) ** 2, 9);
    const leak = leakagePower(nominal.areaUm2, { nodeNm: 22, voltageV: 0.4, leakageFactor: 3 }).powerUw;
    expect(low.layers[0]!.leakageEnergyPj).toBeCloseTo(leak * 1e-6 * 1e6, 9);
  });

  it('an action with no price is an error', () => {
    expect(() => priceRun(inv, [{ cycles: 1, counts: { unknown: 1 } }], { nodeNm: 22 }, 1e9)).toThrow(
      /no energy price for action unknown/,
    );
  });
});
