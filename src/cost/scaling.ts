/**
 * Scaling between technology nodes and supply voltages (tables: hw-configs/tech/scaling.yaml).
 *
 * - Area: Stillmaker & Baas multipliers from 45 nm, linear interpolation in node between the
 *   tabulated nodes (what Accelergy's library plug-in does).
 * - Energy between nodes: Stillmaker & Baas energy polynomial E_n(V) = a·V² + b·V + c, evaluated at
 *   the plug-in's reference voltage for both nodes, E_to(V_ref) / E_from(V_ref), interpolated
 *   linearly in node between tabulated nodes.
 * - Energy with supply voltage at a fixed node: (V / V0)^k with k = 2 (dynamic ∝ C·V²).
 * - Leakage: a density per µm² (Aladdin-derived) × a node factor × (V / V_nominal)^k_leak × an
 *   operating-point factor (body bias, boost) given by the caller.
 * Every factor is a product of per-step ratios, so scaling A→B→A returns to 1 up to rounding.
 */

import { InputError } from '../units/errors.js';
import { describeRow, loadTechLibrary, type TechLibrary, type TechValue } from './tech-table.js';

/** Three significant digits for provenance text. */
export function fmt(x: number): string {
  return String(Number(x.toPrecision(3)));
}

interface NodePoint {
  readonly nodeNm: number;
  readonly value: number;
}

/** Piecewise-linear interpolation in node over points sorted by node; undefined outside. */
function interpolateInNode(points: readonly NodePoint[], nodeNm: number): number | undefined {
  const exact = points.find((p) => p.nodeNm === nodeNm);
  if (exact !== undefined) return exact.value;
  for (let i = 0; i + 1 < points.length; i++) {
    const lo = points[i]!;
    const hi = points[i + 1]!;
    if (nodeNm > lo.nodeNm && nodeNm < hi.nodeNm) {
      const t = (nodeNm - lo.nodeNm) / (hi.nodeNm - lo.nodeNm);
      return lo.value + t * (hi.value - lo.value);
    }
  }
  return undefined;
}

function nodeOf(v: TechValue): number {
  const n = v.provenance.nodeNm;
  return n;
}

function sortedByNode(points: NodePoint[]): NodePoint[] {
  return points.sort((x, y) => x.nodeNm - y.nodeNm);
}

/** The nodes the cost model accepts (those with a nominal-voltage row), largest first. */
export function supportedNodes(lib: TechLibrary = loadTechLibrary()): readonly number[] {
  return lib
    .rows('scaling', 'node.')
    .filter((r) => r.provenance.id.endsWith('.nominal_voltage'))
    .map(nodeOf)
    .sort((a, b) => b - a);
}

function unknownNode(nodeNm: number, lib: TechLibrary, path: string): InputError {
  return new InputError([
    {
      file: lib.fileOf('scaling'),
      path,
      value: `${nodeNm} nm`,
      expected: `a supported node: one of ${supportedNodes(lib).join(', ')} nm`,
    },
  ]);
}

/** The nominal supply of a node; an unknown node is an InputError listing the supported ones. */
export function nominalVoltage(
  nodeNm: number,
  lib: TechLibrary = loadTechLibrary(),
  path = 'node',
): TechValue {
  const hit = lib.rows('scaling', `node.${nodeNm}nm.nominal_voltage`)[0];
  if (hit === undefined) throw unknownNode(nodeNm, lib, path);
  return hit;
}

function checkNode(nodeNm: number, lib: TechLibrary, path: string): void {
  nominalVoltage(nodeNm, lib, path);
}

function checkVoltage(voltageV: number, path: string): void {
  if (!Number.isFinite(voltageV) || voltageV <= 0) {
    throw new InputError([{ path, value: String(voltageV), expected: 'a positive supply voltage in volts' }]);
  }
}

/** Area multiplier relative to 45 nm at any supported node. */
function areaRelativeTo45(nodeNm: number, lib: TechLibrary): number {
  const points = sortedByNode(
    lib.rows('scaling', 'area.').map((r) => ({ nodeNm: nodeOf(r), value: r.value })),
  );
  const v = interpolateInNode(points, nodeNm);
  if (v === undefined) throw unknownNode(nodeNm, lib, 'node');
  return v;
}

/** Stillmaker energy polynomial at the reference voltage, at any supported node. */
function energyAtReference(nodeNm: number, lib: TechLibrary): number {
  const vRef = lib.get('scaling', 'energy.reference_voltage', 'V').value;
  const nodes = [
    ...new Set(
      lib
        .rows('scaling', 'energy.')
        .filter((r) => r.unit === 'coefficient')
        .map(nodeOf),
    ),
  ];
  const points = sortedByNode(
    nodes.map((n) => {
      const a = lib.get('scaling', `energy.${n}nm.a`, 'coefficient').value;
      const b = lib.get('scaling', `energy.${n}nm.b`, 'coefficient').value;
      const c = lib.get('scaling', `energy.${n}nm.c`, 'coefficient').value;
      return { nodeNm: n, value: a * vRef * vRef + b * vRef + c };
    }),
  );
  const v = interpolateInNode(points, nodeNm);
  if (v === undefined) throw unknownNode(nodeNm, lib, 'node');
  return v;
}

/** Area factor from one node to another (Stillmaker & Baas). */
export function nodeAreaFactor(fromNm: number, toNm: number, lib: TechLibrary = loadTechLibrary()): number {
  checkNode(fromNm, lib, 'node');
  checkNode(toNm, lib, 'node');
  if (fromNm === toNm) return 1;
  return areaRelativeTo45(toNm, lib) / areaRelativeTo45(fromNm, lib);
}

/** Dynamic-energy factor from one node to another at equal supply (Stillmaker & Baas). */
export function nodeEnergyFactor(fromNm: number, toNm: number, lib: TechLibrary = loadTechLibrary()): number {
  checkNode(fromNm, lib, 'node');
  checkNode(toNm, lib, 'node');
  if (fromNm === toNm) return 1;
  return energyAtReference(toNm, lib) / energyAtReference(fromNm, lib);
}

/** Dynamic-energy factor for a supply change at a fixed node: (to / from)^k, k = 2. */
export function voltageEnergyFactor(
  fromV: number,
  toV: number,
  lib: TechLibrary = loadTechLibrary(),
): number {
  checkVoltage(fromV, 'voltage');
  checkVoltage(toV, 'voltage');
  const k = lib.get('scaling', 'dynamic.voltage_exponent', 'coefficient').value;
  return fromV === toV ? 1 : (toV / fromV) ** k;
}

/** Where a figure was measured or stated. */
export interface SourcePoint {
  readonly nodeNm: number;
  readonly voltageV: number | 'unstated';
}

/** Where it is wanted; the voltage defaults to the node's nominal supply. */
export interface OperatingPoint {
  readonly nodeNm: number;
  readonly voltageV?: number;
}

export interface Scaling {
  readonly fromNodeNm: number;
  readonly fromVoltageV: number;
  readonly toNodeNm: number;
  readonly toVoltageV: number;
  readonly areaFactor: number;
  readonly nodeEnergyFactor: number;
  readonly voltageEnergyFactor: number;
  /** nodeEnergyFactor × voltageEnergyFactor. */
  readonly energyFactor: number;
  /** e.g. "scaled 45→22 nm (area ×0.252, energy ×0.294), V 0.9→0.8 (×0.79)". */
  readonly description: string;
}

function resolveVoltage(
  v: number | 'unstated' | undefined,
  nodeNm: number,
  lib: TechLibrary,
): { voltageV: number; text: string } {
  if (typeof v === 'number') return { voltageV: v, text: `${v}` };
  const nominal = nominalVoltage(nodeNm, lib);
  const why = v === 'unstated' ? 'unstated, taken as' : '';
  const label = nominal.provenance.label === 'estimate' ? ', estimate' : '';
  return {
    voltageV: nominal.value,
    text: `${why === '' ? '' : `${why} `}nominal ${nominal.value} (${describeRow(nominal.provenance)}${label})`,
  };
}

/** The factors that take a figure from `from` to `to`, with a provenance sentence. */
export function scaling(
  from: SourcePoint,
  to: OperatingPoint,
  lib: TechLibrary = loadTechLibrary(),
): Scaling {
  checkNode(to.nodeNm, lib, 'node');
  if (to.voltageV !== undefined) checkVoltage(to.voltageV, 'voltage');
  const fv = resolveVoltage(from.voltageV, from.nodeNm, lib);
  const tv = resolveVoltage(to.voltageV, to.nodeNm, lib);
  const areaFactor = nodeAreaFactor(from.nodeNm, to.nodeNm, lib);
  const nodeE = nodeEnergyFactor(from.nodeNm, to.nodeNm, lib);
  const voltE = voltageEnergyFactor(fv.voltageV, tv.voltageV, lib);
  const nodeText =
    from.nodeNm === to.nodeNm
      ? `at ${to.nodeNm} nm (no node scaling)`
      : `scaled ${from.nodeNm}→${to.nodeNm} nm (area ×${fmt(areaFactor)}, energy ×${fmt(nodeE)}; Stillmaker & Baas 2017)`;
  const voltText =
    fv.voltageV === tv.voltageV
      ? `V ${tv.voltageV}`
      : `V ${fv.text}→${tv.text} (energy ×${fmt(voltE)}, V² rule)`;
  return {
    fromNodeNm: from.nodeNm,
    fromVoltageV: fv.voltageV,
    toNodeNm: to.nodeNm,
    toVoltageV: tv.voltageV,
    areaFactor,
    nodeEnergyFactor: nodeE,
    voltageEnergyFactor: voltE,
    energyFactor: nodeE * voltE,
    description: `${nodeText}, ${voltText}`,
  };
}

export interface LeakageOptions extends OperatingPoint {
  /** Operating-point factor on leakage (body bias, boost); 1 when absent. */
  readonly leakageFactor?: number;
}

export interface Leakage {
  readonly powerUw: number;
  readonly provenance: string;
}

/** Leakage power of `areaUm2` of logic or SRAM at an operating point. */
export function leakagePower(
  areaUm2: number,
  op: LeakageOptions,
  lib: TechLibrary = loadTechLibrary(),
): Leakage {
  checkNode(op.nodeNm, lib, 'node');
  const density = lib.get('scaling', 'leakage.density.40nm', 'nW/um2');
  const nodeExp = lib.get('scaling', 'leakage.node_exponent', 'coefficient').value;
  const voltExp = lib.get('scaling', 'leakage.voltage_exponent', 'coefficient').value;
  const nodeFactor = nodeAreaFactor(density.provenance.nodeNm, op.nodeNm, lib) ** -nodeExp;
  const vNom = nominalVoltage(op.nodeNm, lib).value;
  const v = op.voltageV ?? vNom;
  checkVoltage(v, 'voltage');
  const voltFactor = (v / vNom) ** voltExp;
  const opFactor = op.leakageFactor ?? 1;
  const nwPerUw = 1000;
  const powerUw = (areaUm2 * density.value * nodeFactor * voltFactor * opFactor) / nwPerUw;
  return {
    powerUw,
    provenance:
      `${describeRow(density.provenance)} ${fmt(density.value)} nW/µm² × node factor ${fmt(nodeFactor)} ` +
      `(exponent ${nodeExp}, estimate) × (V/V_nom)^${voltExp} = ×${fmt(voltFactor)} (estimate)` +
      (opFactor === 1 ? '' : ` × operating-point factor ${fmt(opFactor)}`),
  };
}
