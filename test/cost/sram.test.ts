import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dramAccessEnergy,
  dramEnergyPerBit,
  dramKinds,
  loadTechLibrary,
  registerFileCost,
  sramCost,
} from '../../src/cost/index.js';
import { InputError } from '../../src/units/errors.js';
import { issuesOf } from '../support/input-error.js';

const KB = 1024;
const MB = 1024 * KB;

describe('SRAM model', () => {
  it('returns every published CACTI point exactly at its node (nominal supply)', () => {
    const lib = loadTechLibrary();
    let checked = 0;
    for (const r of lib.rows('sram', 'cacti.')) {
      const node = r.provenance.nodeNm;
      if (node === 65) continue; // in the table for reference; 65 nm is not a supported node
      const cap = r.params.capacity_bytes as number;
      const width = r.params.width_bits as number;
      const c = sramCost({ capacityBytes: cap, widthBits: width }, { nodeNm: node });
      const id = r.provenance.id;
      if (id.endsWith('.read')) expect(c.readEnergyPj).toBeCloseTo(r.value, 10);
      else if (id.endsWith('.write')) expect(c.writeEnergyPj).toBeCloseTo(r.value, 10);
      else if (id.endsWith('.area')) expect(c.areaUm2).toBeCloseTo(r.value * 1e6, 6);
      else expect(c.areaUm2).toBeCloseTo((r.value * 1e6 * cap) / MB, 6);
      checked++;
    }
    expect(checked).toBe(3 * (8 + 6) * 3);
  });

  it('interpolates 28 nm linearly between 32 and 22 nm like the reference table (§2.2)', () => {
    const read = (cap: number, w: number) =>
      sramCost({ capacityBytes: cap, widthBits: w }, { nodeNm: 28 }).readEnergyPj;
    expect(read(32 * KB, 64)).toBeCloseTo(6.5, 1);
    expect(read(128 * KB, 64)).toBeCloseTo(13.9, 1);
    expect(read(1 * MB, 64)).toBeCloseTo(40.6, 1);
    expect(read(32 * KB, 256)).toBeCloseTo(12.0, 1);
    expect(read(128 * KB, 256)).toBeCloseTo(32.7, 1);
    expect(read(1 * MB, 256)).toBeCloseTo(109.7, 1);
  });

  it('agrees with Horowitz within a factor of two at 45 nm', () => {
    const horowitz: [number, number, number][] = [
      [8 * KB, 64, 10],
      [32 * KB, 64, 20],
      [1 * MB, 64, 100],
      [8 * KB, 32, 5],
    ];
    for (const [cap, w, pj] of horowitz) {
      const r = sramCost({ capacityBytes: cap, widthBits: w }, { nodeNm: 45 }).readEnergyPj / pj;
      expect(r).toBeGreaterThan(0.5);
      expect(r).toBeLessThan(2);
    }
  });

  it('is monotone in capacity (energy and area), at tabulated and other widths and nodes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 22 }),
        fc.integer({ min: 10, max: 22 }),
        fc.constantFrom(32, 64, 128, 256),
        fc.constantFrom(45, 40, 32, 28, 22, 16, 7),
        (e1, e2, w, n) => {
          fc.pre(e1 < e2);
          const a = sramCost({ capacityBytes: 2 ** e1, widthBits: w }, { nodeNm: n });
          const b = sramCost({ capacityBytes: 2 ** e2, widthBits: w }, { nodeNm: n });
          expect(b.readEnergyPj).toBeGreaterThan(a.readEnergyPj);
          expect(b.writeEnergyPj).toBeGreaterThan(a.writeEnergyPj);
          expect(b.areaUm2).toBeGreaterThan(a.areaUm2);
        },
      ),
    );
  });

  it('is monotone in node at a fixed supply', () => {
    const nodes = [45, 40, 32, 28, 22, 20, 16, 14, 12, 10, 7];
    for (const cap of [8 * KB, 128 * KB, 2 * MB]) {
      const costs = nodes.map((n) =>
        sramCost({ capacityBytes: cap, widthBits: 64 }, { nodeNm: n, voltageV: 0.8 }),
      );
      for (let i = 0; i + 1 < costs.length; i++) {
        expect(costs[i + 1]!.readEnergyPj).toBeLessThan(costs[i]!.readEnergyPj);
        expect(costs[i + 1]!.areaUm2).toBeLessThan(costs[i]!.areaUm2);
      }
    }
  });

  it('wider ports cost less per bit', () => {
    const perBit = (w: number) =>
      sramCost({ capacityBytes: 128 * KB, widthBits: w }, { nodeNm: 22 }).readEnergyPj / w;
    expect(perBit(256)).toBeLessThan(perBit(128));
    expect(perBit(128)).toBeLessThan(perBit(64));
  });

  it('applies the (estimated) extra-port factors and says so', () => {
    const one = sramCost({ capacityBytes: 64 * KB, widthBits: 64 }, { nodeNm: 22 });
    const two = sramCost({ capacityBytes: 64 * KB, widthBits: 64, ports: 2 }, { nodeNm: 22 });
    expect(two.areaUm2).toBeCloseTo(one.areaUm2 * 1.5, 6);
    expect(two.readEnergyPj).toBeCloseTo(one.readEnergyPj * 1.2, 10);
    expect(two.provenance.areaUm2).toContain('sram.extra_port.area_factor [estimate]');
  });

  it('scales with V² and reports leakage from its area', () => {
    const a = sramCost({ capacityBytes: 64 * KB, widthBits: 64 }, { nodeNm: 45, voltageV: 0.9 });
    const b = sramCost({ capacityBytes: 64 * KB, widthBits: 64 }, { nodeNm: 45, voltageV: 0.72 });
    expect(b.readEnergyPj / a.readEnergyPj).toBeCloseTo(0.64, 12);
    expect(b.areaUm2).toBe(a.areaUm2);
    expect(a.leakagePowerUw).toBeGreaterThan(0);
    expect(a.provenance.readEnergyPj).toContain('cacti.w64');
  });

  it('rejects a bad spec and an unknown node, all problems at once', () => {
    const issues = issuesOf(() => sramCost({ capacityBytes: 0, widthBits: 1.5, ports: 0 }, { nodeNm: 22 }));
    expect(issues.map((i) => i.path)).toEqual(['capacityBytes', 'widthBits', 'ports']);
    expect(issuesOf(() => sramCost({ capacityBytes: 1024, widthBits: 64 }, { nodeNm: 65 }))[0]!.value).toBe(
      '65 nm',
    );
  });
});

describe('register file', () => {
  it('is Han et al.’s 1 pJ per 32-bit access at 45 nm and grows with entries and width', () => {
    const r = registerFileCost({ entries: 32, widthBits: 32 }, { nodeNm: 45 });
    expect(r.readEnergyPj).toBe(1);
    expect(r.areaUm2).toBeCloseTo(32 * 32 * (95.7 / 16), 9);
    const r2 = registerFileCost({ entries: 64, widthBits: 32 }, { nodeNm: 45 });
    expect(r2.areaUm2).toBeCloseTo(2 * r.areaUm2, 9);
    const small = registerFileCost({ entries: 32, widthBits: 32 }, { nodeNm: 22 });
    expect(small.areaUm2).toBeLessThan(r.areaUm2);
    expect(small.readEnergyPj).toBeLessThan(r.readEnergyPj);
    expect(() => registerFileCost({ entries: 0, widthBits: 8 }, { nodeNm: 22 })).toThrow(InputError);
  });
});

describe('DRAM', () => {
  it('looks up pJ/bit by kind with provenance', () => {
    expect(dramEnergyPerBit('lpddr4').value).toBe(8);
    expect(dramEnergyPerBit('HBM2').value).toBe(3.9);
    expect(dramKinds()).toEqual(expect.arrayContaining(['lpddr4', 'hbm2', 'ddr3', 'gddr5', 'lpddr5']));
    const a = dramAccessEnergy('lpddr4', 64);
    expect(a.energyPj).toBe(512); // = the Timeloop exercises' 512 pJ per 64-bit LPDDR4 access
    expect(a.provenance).toContain('dram row dram.lpddr4');
  });

  it('an unknown kind is an InputError listing the known kinds', () => {
    const i = issuesOf(() => dramEnergyPerBit('ddr9'));
    expect(i[0]!.value).toBe('"ddr9"');
    expect(i[0]!.expected).toContain('hbm2');
  });
});
