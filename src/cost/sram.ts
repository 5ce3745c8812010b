/**
 * On-chip SRAM, register files and off-chip DRAM (tables: hw-configs/tech/sram.yaml, dram.yaml,
 * components.yaml, horowitz-45nm.yaml).
 *
 * SRAM method (docs/cost-model.md):
 * 1. At a CACTI node (22/32/45/65 nm) and a tabulated port width (64 or 256 bit), read energy,
 *    write energy and area follow a piecewise power law through the published capacities
 *    (log figure linear in log capacity); below 8 KB and above 2 MB the end segment is extended.
 * 2. Other widths: the same power law in width through the 64- and 256-bit results.
 * 3. Nodes between CACTI nodes (28, 40 nm): linear interpolation in node (what Accelergy does);
 *    nodes below 22 nm: the 22 nm figure scaled by Stillmaker & Baas (./scaling.ts).
 * 4. Supply: CACTI's voltage is unstated; it is taken as the node's nominal supply and scaled by V².
 * 5. Extra ports: the estimate factors in components.yaml. Leakage: area × leakage density.
 */

import { InputError } from '../units/errors.js';
import { powerLawThrough } from './primitives.js';
import { fmt, leakagePower, nominalVoltage, scaling, type LeakageOptions } from './scaling.js';
import { describeRow, loadTechLibrary, numParam, type TechLibrary, type TechValue } from './tech-table.js';

export interface SramSpec {
  readonly capacityBytes: number;
  readonly widthBits: number;
  /** Read/write ports (default 1). */
  readonly ports?: number;
}

export interface SramCost {
  /** Energy of one read of the full port width. */
  readonly readEnergyPj: number;
  readonly writeEnergyPj: number;
  readonly areaUm2: number;
  readonly leakagePowerUw: number;
  readonly provenance: {
    readonly readEnergyPj: string;
    readonly writeEnergyPj: string;
    readonly areaUm2: string;
    readonly leakagePowerUw: string;
  };
}

type Quantity = 'read' | 'write' | 'area';

const UM2_PER_MM2 = 1e6;
const BYTES_PER_MB = 2 ** 20;

interface Fig {
  readonly value: number;
  readonly text: string;
}

function cactiRows(lib: TechLibrary): readonly TechValue[] {
  return lib.rows('sram', 'cacti.');
}

/** The CACTI nodes present in the table, ascending. */
export function cactiNodes(lib: TechLibrary = loadTechLibrary()): readonly number[] {
  return [...new Set(cactiRows(lib).map((r) => r.provenance.nodeNm))].sort((a, b) => a - b);
}

function cactiWidths(lib: TechLibrary): readonly number[] {
  return [...new Set(cactiRows(lib).map((r) => numParam(r, 'width_bits')))].sort((a, b) => a - b);
}

/** A quantity as a function of capacity at one CACTI node and tabulated width, in pJ or µm². */
function atCactiPoint(
  lib: TechLibrary,
  nodeNm: number,
  widthBits: number,
  q: Quantity,
  capacity: number,
): Fig {
  const suffix = q === 'area' ? ['.area', '.density'] : [`.${q}`];
  const rows = cactiRows(lib).filter(
    (r) =>
      r.provenance.nodeNm === nodeNm &&
      numParam(r, 'width_bits') === widthBits &&
      suffix.some((s) => r.provenance.id.endsWith(s)),
  );
  const points = rows
    .map((r) => {
      const cap = numParam(r, 'capacity_bytes');
      const y =
        r.unit === 'mm2'
          ? r.value * UM2_PER_MM2
          : r.unit === 'mm2/MB'
            ? (r.value * cap * UM2_PER_MM2) / BYTES_PER_MB
            : r.value;
      return { x: cap, y };
    })
    .sort((a, b) => a.x - b.x);
  const fit = powerLawThrough(points, capacity);
  const range = `${points[0]!.x / 1024}-${points[points.length - 1]!.x / 1024} KB`;
  const how = fit.extrapolated
    ? `extrapolated beyond ${range}`
    : `interpolated in log capacity over ${range}`;
  return {
    value: fit.y,
    text: `sram rows cacti.w${widthBits}.*.${nodeNm}nm.${q === 'area' ? 'area/density' : q} [D], ${how} (exponent ${fmt(fit.exponent)})`,
  };
}

/** Any width at one CACTI node: power law in width through the tabulated widths. */
function atCactiNode(lib: TechLibrary, nodeNm: number, spec: SramSpec, q: Quantity): Fig {
  const widths = cactiWidths(lib);
  const figs = widths.map((w) => ({ w, f: atCactiPoint(lib, nodeNm, w, q, spec.capacityBytes) }));
  const direct = figs.find((x) => x.w === spec.widthBits);
  if (direct !== undefined) return direct.f;
  const fit = powerLawThrough(
    figs.map((x) => ({ x: x.w, y: x.f.value })),
    spec.widthBits,
  );
  return {
    value: fit.y,
    text:
      `${figs.map((x) => x.f.text).join('; ')}; ${fit.extrapolated ? 'extrapolated' : 'interpolated'} in log width ` +
      `${widths.join('/')}→${spec.widthBits} bit (exponent ${fmt(fit.exponent)})`,
  };
}

/** The figure at the target node and supply. */
function atOperatingPoint(lib: TechLibrary, spec: SramSpec, q: Quantity, op: LeakageOptions): Fig {
  const nodes = cactiNodes(lib);
  const target = op.nodeNm;
  nominalVoltage(target, lib);
  const isArea = q === 'area';
  const pick = (sc: { areaFactor: number; energyFactor: number }): number =>
    isArea ? sc.areaFactor : sc.energyFactor;
  if (nodes.includes(target) || target < nodes[0]!) {
    const src = nodes.includes(target) ? target : nodes[0]!;
    const f = atCactiNode(lib, src, spec, q);
    const sc = scaling({ nodeNm: src, voltageV: 'unstated' }, op, lib);
    return { value: f.value * pick(sc), text: `${f.text}; ${sc.description}` };
  }
  const hi = nodes.find((n) => n > target);
  const lo = [...nodes].reverse().find((n) => n < target);
  if (hi === undefined || lo === undefined) {
    throw new InputError([
      {
        file: lib.fileOf('sram'),
        path: 'node',
        value: `${target} nm`,
        expected: `a node up to ${nodes[nodes.length - 1]!} nm`,
      },
    ]);
  }
  const t = (target - lo) / (hi - lo);
  const fLo = atCactiNode(lib, lo, spec, q);
  const fHi = atCactiNode(lib, hi, spec, q);
  const sc = scaling({ nodeNm: target, voltageV: 'unstated' }, op, lib);
  const value = (fLo.value + t * (fHi.value - fLo.value)) * (isArea ? 1 : sc.voltageEnergyFactor);
  return {
    value,
    text: `linear in node between ${lo} and ${hi} nm (t = ${fmt(t)}): [${fLo.text}] and [${fHi.text}]; ${sc.description}`,
  };
}

function portFactor(lib: TechLibrary, ports: number, q: Quantity): { factor: number; text: string } {
  if (ports === 1) return { factor: 1, text: '' };
  const row = lib.get(
    'components',
    q === 'area' ? 'sram.extra_port.area_factor' : 'sram.extra_port.energy_factor',
    'ratio',
  );
  const factor = 1 + (ports - 1) * row.value;
  return { factor, text: `; ${ports} ports ×${fmt(factor)} (${describeRow(row.provenance)})` };
}

function checkSpec(spec: SramSpec): void {
  const issues = [];
  const posInt = (v: number): boolean => Number.isInteger(v) && v > 0;
  if (!posInt(spec.capacityBytes)) {
    issues.push({
      path: 'capacityBytes',
      value: String(spec.capacityBytes),
      expected: 'a positive whole number of bytes',
    });
  }
  if (!posInt(spec.widthBits)) {
    issues.push({
      path: 'widthBits',
      value: String(spec.widthBits),
      expected: 'a positive whole number of bits',
    });
  }
  const ports = spec.ports ?? 1;
  if (!posInt(ports))
    issues.push({ path: 'ports', value: String(ports), expected: 'a positive whole number of ports' });
  if (issues.length > 0) throw new InputError(issues);
}

/** Priced SRAMs per table library: a sweep prices the same few macros at thousands of points. */
const sramCache = new WeakMap<TechLibrary, Map<string, SramCost>>();

/** Energy per read/write, area and leakage of one SRAM macro at an operating point (memoized). */
export function sramCost(spec: SramSpec, op: LeakageOptions, lib: TechLibrary = loadTechLibrary()): SramCost {
  let byKey = sramCache.get(lib);
  if (byKey === undefined) {
    byKey = new Map();
    sramCache.set(lib, byKey);
  }
  const key = JSON.stringify([spec.capacityBytes, spec.widthBits, spec.ports ?? 1, op]);
  const hit = byKey.get(key);
  if (hit !== undefined) return hit;
  const cost = priceSram(spec, op, lib);
  byKey.set(key, cost);
  return cost;
}

function priceSram(spec: SramSpec, op: LeakageOptions, lib: TechLibrary): SramCost {
  checkSpec(spec);
  const ports = spec.ports ?? 1;
  const fig = (q: Quantity): Fig => {
    const f = atOperatingPoint(lib, spec, q, op);
    const p = portFactor(lib, ports, q);
    return { value: f.value * p.factor, text: f.text + p.text };
  };
  const read = fig('read');
  const write = fig('write');
  const area = fig('area');
  const leak = leakagePower(area.value, op, lib);
  return {
    readEnergyPj: read.value,
    writeEnergyPj: write.value,
    areaUm2: area.value,
    leakagePowerUw: leak.powerUw,
    provenance: {
      readEnergyPj: read.text,
      writeEnergyPj: write.text,
      areaUm2: area.text,
      leakagePowerUw: leak.provenance,
    },
  };
}

export interface RegisterFileSpec {
  readonly entries: number;
  readonly widthBits: number;
}

export interface RegisterFileCost {
  readonly readEnergyPj: number;
  readonly writeEnergyPj: number;
  readonly areaUm2: number;
  readonly leakagePowerUw: number;
  readonly provenance: string;
}

/**
 * A small flip-flop register file: access energy = Han et al.'s 32-bit register-file access scaled
 * linearly in width (independent of the number of entries; write = read, estimate); area = entries
 * × width × the Accelergy 45 nm register's area per bit.
 */
export function registerFileCost(
  spec: RegisterFileSpec,
  op: LeakageOptions,
  lib: TechLibrary = loadTechLibrary(),
): RegisterFileCost {
  if (
    !Number.isInteger(spec.entries) ||
    spec.entries <= 0 ||
    !Number.isInteger(spec.widthBits) ||
    spec.widthBits <= 0
  ) {
    throw new InputError([
      {
        path: 'registerFile',
        value: `${spec.entries} × ${spec.widthBits}`,
        expected: 'positive whole entries × width bits',
      },
    ]);
  }
  const e = lib.get('horowitz-45nm', 'regfile.read32.energy', 'pJ');
  const a = lib.get('components', 'accelergy.register16.area', 'um2');
  const eBits = numParam(e, 'width_bits');
  const aBits = numParam(a, 'width_bits');
  const scE = scaling({ nodeNm: e.provenance.nodeNm, voltageV: e.provenance.voltageV }, op, lib);
  const scA = scaling({ nodeNm: a.provenance.nodeNm, voltageV: a.provenance.voltageV }, op, lib);
  const energy = e.value * (spec.widthBits / eBits) * scE.energyFactor;
  const areaUm2 = (a.value / aBits) * spec.widthBits * spec.entries * scA.areaFactor;
  const leak = leakagePower(areaUm2, op, lib);
  return {
    readEnergyPj: energy,
    writeEnergyPj: energy,
    areaUm2,
    leakagePowerUw: leak.powerUw,
    provenance:
      `energy: ${describeRow(e.provenance)} × ${spec.widthBits}/${eBits} (linear in width, estimate; write = read, ` +
      `estimate), ${scE.description}; area: ${describeRow(a.provenance)} / ${aBits} per bit × ` +
      `${spec.entries} × ${spec.widthBits}, ${scA.description}; leakage: ${leak.provenance}`,
  };
}

/** The DRAM kinds with a pJ/bit row (lpddr4, hbm2, …). */
export function dramKinds(lib: TechLibrary = loadTechLibrary()): readonly string[] {
  return lib.rows('dram', 'dram.').map((r) => String(r.params.kind));
}

/** Energy per bit of a DRAM kind (not node-scaled: a property of the memory device). */
export function dramEnergyPerBit(kind: string, lib: TechLibrary = loadTechLibrary()): TechValue {
  const row = lib.rows('dram', 'dram.').find((r) => r.params.kind === kind.toLowerCase());
  if (row === undefined) {
    throw new InputError([
      {
        file: lib.fileOf('dram'),
        path: 'dram',
        value: JSON.stringify(kind),
        expected: `one of ${dramKinds(lib).join(', ')}`,
      },
    ]);
  }
  return row;
}

/** Energy of moving `bits` to or from a DRAM kind, with provenance. */
export function dramAccessEnergy(
  kind: string,
  bits: number,
  lib: TechLibrary = loadTechLibrary(),
): { energyPj: number; provenance: string } {
  const row = dramEnergyPerBit(kind, lib);
  return {
    energyPj: row.value * bits,
    provenance: `${describeRow(row.provenance)} ${row.value} pJ/bit × ${bits} bit`,
  };
}
