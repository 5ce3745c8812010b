/**
 * Prices a run: energy = Σ action counts × energy per action + leakage × time; area = Σ inventory
 * items × area. Every figure keeps the provenance of the table rows it came from. An action without
 * a price is an error, never a silent zero.
 *
 * Pricing choices (see docs/cost-model.md):
 *  - a MAC (`pe.mac`) costs the format's MAC (./mac.ts); a PE-to-PE hop is one register write of the
 *    value's width; an idle PE-cycle costs no dynamic energy (clock-gated), leakage covers time;
 *  - SRAM: a 64-bit port access of a macro of that size (CACTI sweep), shared by the 64/w elements of
 *    width w it moves;
 *  - DRAM: pJ/bit of the memory kind × bits moved;
 *  - a vector-unit element costs one accumulate stage of the layer's MAC (an adder, estimate);
 *  - a block (processor core, engine) prices its actions from hw-configs/tech/blocks.yaml rows or
 *    as one MAC of the given formats, and its area from a row; an SRAM with an `actions` map prices
 *    those actions as a share of a 64-bit access. An action priced at several components costs the sum.
 */
import { parseFormat } from '../formats/index.js';
import type { BlockAction, InventoryItem } from '../targets/types.js';
import { macCost, stageCost, type MacCost } from './mac.js';
import { leakagePower, scaling, type OperatingPoint } from './scaling.js';
import { describeRow, loadTechLibrary, type TechLibrary } from './tech-table.js';
import { dramAccessEnergy, registerFileCost, sramCost } from './sram.js';

export interface Technology {
  readonly nodeNm: number;
  readonly voltageV?: number;
  /** DRAM kind in hw-configs/tech/dram.yaml (lpddr4, ddr3, hbm2 …), when the inventory has DRAM. */
  readonly dram?: string;
  /** Leakage factor of the operating point (body bias, boost); 1 when absent. */
  readonly leakageFactor?: number;
}

export interface PricedLayer {
  readonly dynamicEnergyPj: number;
  readonly leakageEnergyPj: number;
  readonly energyPj: number;
  readonly energyByComponentPj: Readonly<Record<string, number>>;
}

export interface PricedRun {
  readonly layers: readonly PricedLayer[];
  readonly areaByComponentUm2: Readonly<Record<string, number>>;
  readonly areaUm2: number;
  readonly leakagePowerUw: number;
  /** Energy per unit of each action, with where it came from. */
  readonly actionEnergyPj: Readonly<Record<string, number>>;
  readonly provenance: Readonly<Record<string, string>>;
}

/** SRAM accesses are priced as a share of a 64-bit port access. */
const SRAM_PORT_BITS = 64;

interface Price {
  readonly component: string;
  readonly energyPj: number;
  readonly provenance: string;
}

function find<K extends InventoryItem['kind']>(
  inv: readonly InventoryItem[],
  kind: K,
  id?: string,
): Extract<InventoryItem, { kind: K }> {
  const item = inv.find((i) => i.kind === kind && (id === undefined || i.id === id));
  if (item === undefined) throw new Error(`inventory has no ${kind}${id !== undefined ? ` ${id}` : ''}`);
  return item as Extract<InventoryItem, { kind: K }>;
}

function operatingPoint(tech: Technology): OperatingPoint {
  return tech.voltageV !== undefined
    ? { nodeNm: tech.nodeNm, voltageV: tech.voltageV }
    : { nodeNm: tech.nodeNm };
}

/**
 * Energy per action for an inventory (one price table per run). An action may be priced at more
 * than one component (a TCDM word costs its SRAM bank and the interconnect); its energy is the sum.
 */
export function actionPrices(inv: readonly InventoryItem[], tech: Technology): Map<string, Price[]> {
  const prices = new Map<string, Price[]>();
  const add = (action: string, p: Price): void => {
    const list = prices.get(action);
    if (list === undefined) prices.set(action, [p]);
    else list.push(p);
  };
  if (inv.some((i) => i.kind === 'mac-array')) {
    for (const [a, p] of arrayPrices(inv, tech)) add(a, p);
  }
  const op = operatingPoint(tech);
  const lib = loadTechLibrary();
  for (const item of inv) {
    if (item.kind === 'block') {
      for (const [action, how] of Object.entries(item.actions))
        add(action, blockActionPrice(item.id, how, op, lib));
    } else if (item.kind === 'sram' && item.actions !== undefined) {
      const c = sramCost(
        { capacityBytes: item.bytesPerMacro, widthBits: SRAM_PORT_BITS, ports: item.ports },
        op,
      );
      for (const [action, a] of Object.entries(item.actions)) {
        const share = a.bits / SRAM_PORT_BITS;
        const e = a.access === 'read' ? c.readEnergyPj : c.writeEnergyPj;
        const why = a.access === 'read' ? c.provenance.readEnergyPj : c.provenance.writeEnergyPj;
        add(action, {
          component: item.id,
          energyPj: e * share,
          provenance: `${a.bits}/${SRAM_PORT_BITS} of a 64-bit ${a.access}: ${why}`,
        });
      }
    }
  }
  return prices;
}

/** A block action's energy: a `blocks` row scaled to the operating point, or one MAC. */
function blockActionPrice(component: string, how: BlockAction, op: OperatingPoint, lib: TechLibrary): Price {
  if ('mac' in how) {
    const m = macCost(
      parseFormat(how.mac.weights),
      parseFormat(how.mac.activations),
      parseFormat(how.mac.accumulator),
      op,
    );
    return { component, energyPj: m.energyPj, provenance: `one MAC: ${m.provenance}` };
  }
  const row = lib.get('blocks', how.row, 'pJ');
  const sc = scaling({ nodeNm: row.provenance.nodeNm, voltageV: row.provenance.voltageV }, op, lib);
  return {
    component,
    energyPj: row.value * sc.energyFactor,
    provenance: `${row.value} pJ, ${describeRow(row.provenance)}, ${sc.description}`,
  };
}

/** A block's area: count × a `blocks` row scaled to the node. */
function blockArea(
  item: Extract<InventoryItem, { kind: 'block' }>,
  op: OperatingPoint,
  lib: TechLibrary,
): { areaUm2: number; provenance: string } {
  const row = lib.get('blocks', item.areaRow, 'um2');
  const sc = scaling({ nodeNm: row.provenance.nodeNm, voltageV: row.provenance.voltageV }, op, lib);
  const one = row.value * sc.areaFactor;
  return {
    areaUm2: item.count * one,
    provenance: `${item.count} × ${one.toFixed(0)} µm² (${row.value} µm², ${describeRow(row.provenance)}, ${sc.description})`,
  };
}

/** The systolic array's actions: MACs, PE hops, the three SRAM buffers, DRAM, the vector unit. */
function arrayPrices(inv: readonly InventoryItem[], tech: Technology): Map<string, Price> {
  const op = operatingPoint(tech);
  const prices = new Map<string, Price>();
  const arr = find(inv, 'mac-array');
  const mac: MacCost = macCost(
    parseFormat(arr.weights),
    parseFormat(arr.activations),
    parseFormat(arr.accumulator),
    op,
  );
  prices.set('pe.mac', { component: arr.id, energyPj: mac.energyPj, provenance: mac.provenance });
  prices.set('pe.idle', {
    component: arr.id,
    energyPj: 0,
    provenance: 'clock-gated idle PE-cycle: no dynamic energy (leakage is priced over time)',
  });
  const hop = (action: string, regId: string): void => {
    const r = find(inv, 'registers', regId);
    const c = registerFileCost({ entries: 1, widthBits: r.bits }, op);
    prices.set(action, {
      component: regId,
      energyPj: c.writeEnergyPj,
      provenance: `one ${r.bits}-bit register write: ${c.provenance}`,
    });
  };
  hop('pe.ifmap_hop', 'pe.ifmap_reg');
  hop('pe.filter_hop', 'pe.filter_reg');
  hop('pe.psum_hop', 'pe.acc_reg');
  for (const buf of ['ifmap', 'filter', 'ofmap'] as const) {
    const s = find(inv, 'sram', `sram.${buf}`);
    const c = sramCost({ capacityBytes: s.bytesPerMacro, widthBits: SRAM_PORT_BITS, ports: s.ports }, op);
    const share = s.wordBits / SRAM_PORT_BITS;
    const read = {
      component: s.id,
      energyPj: c.readEnergyPj * share,
      provenance: `${s.wordBits}/${SRAM_PORT_BITS} of a 64-bit read: ${c.provenance.readEnergyPj}`,
    };
    const write = {
      component: s.id,
      energyPj: c.writeEnergyPj * share,
      provenance: `${s.wordBits}/${SRAM_PORT_BITS} of a 64-bit write: ${c.provenance.writeEnergyPj}`,
    };
    if (buf === 'ofmap') {
      prices.set('sram.ofmap.write', write);
      prices.set('sram.ofmap.drain', read);
    } else {
      prices.set(`sram.${buf}.read`, read);
      prices.set(`sram.${buf}.fill`, write);
    }
  }
  const dram = find(inv, 'dram');
  if (tech.dram === undefined) throw new Error('a technology with a DRAM kind is needed to price DRAM');
  const perByte = dramAccessEnergy(tech.dram, 8);
  for (const a of [
    'dram.ifmap.read.bytes',
    'dram.filter.read.bytes',
    'dram.ofmap.write.bytes',
    'dram.psum.read.bytes',
  ]) {
    prices.set(a, {
      component: dram.id,
      energyPj: perByte.energyPj,
      provenance: `${perByte.provenance} per byte`,
    });
  }
  const vec = find(inv, 'vector-unit');
  const add = stageCost(mac, 'accumulate');
  const vecPrice = {
    component: vec.id,
    energyPj: add.energyPj,
    provenance: `one accumulate stage of the MAC (an adder; estimate): ${mac.provenance}`,
  };
  prices.set('vector.element', vecPrice);
  prices.set('vector.fused_element', vecPrice);
  return prices;
}

/** Area of every inventory item. */
export function inventoryArea(
  inv: readonly InventoryItem[],
  tech: Technology,
): { byComponentUm2: Record<string, number>; provenance: Record<string, string> } {
  const op = operatingPoint(tech);
  const lib = loadTechLibrary();
  const byComponentUm2: Record<string, number> = {};
  const provenance: Record<string, string> = {};
  let macFor: MacCost | undefined;
  for (const item of inv) {
    switch (item.kind) {
      case 'mac-array': {
        macFor = macCost(
          parseFormat(item.weights),
          parseFormat(item.activations),
          parseFormat(item.accumulator),
          op,
        );
        byComponentUm2[item.id] = item.macs * macFor.areaUm2;
        provenance[`area.${item.id}`] =
          `${item.macs} MACs × ${macFor.areaUm2.toFixed(1)} µm²: ${macFor.provenance}`;
        break;
      }
      case 'registers': {
        const c = registerFileCost({ entries: item.count, widthBits: item.bits }, op);
        byComponentUm2[item.id] = c.areaUm2;
        provenance[`area.${item.id}`] = c.provenance;
        break;
      }
      case 'sram': {
        const c = sramCost(
          { capacityBytes: item.bytesPerMacro, widthBits: SRAM_PORT_BITS, ports: item.ports },
          op,
        );
        byComponentUm2[item.id] = item.macros * c.areaUm2;
        provenance[`area.${item.id}`] = `${item.macros} macros × ${c.provenance.areaUm2}`;
        break;
      }
      case 'vector-unit': {
        const m =
          macFor ??
          macCost(parseFormat(`int${item.bits}`), parseFormat(`int${item.bits}`), parseFormat('int32'), op);
        const add = stageCost(m, 'accumulate');
        byComponentUm2[item.id] = item.lanes * add.areaUm2;
        provenance[`area.${item.id}`] =
          `${item.lanes} lanes × one adder (the MAC's accumulate stage; estimate)`;
        break;
      }
      case 'dram':
        byComponentUm2[item.id] = 0;
        provenance[`area.${item.id}`] = 'off chip';
        break;
      case 'block': {
        const a = blockArea(item, op, lib);
        byComponentUm2[item.id] = a.areaUm2;
        provenance[`area.${item.id}`] = a.provenance;
        break;
      }
    }
  }
  return { byComponentUm2, provenance };
}

export function priceRun(
  inv: readonly InventoryItem[],
  layers: readonly { readonly cycles: number; readonly counts: Readonly<Record<string, number>> }[],
  tech: Technology,
  clockHz: number,
): PricedRun {
  const prices = actionPrices(inv, tech);
  const area = inventoryArea(inv, tech);
  const areaUm2 = Object.values(area.byComponentUm2).reduce((a, b) => a + b, 0);
  const op = operatingPoint(tech);
  const leak = leakagePower(
    areaUm2,
    tech.leakageFactor !== undefined ? { ...op, leakageFactor: tech.leakageFactor } : op,
  );
  const priced = layers.map((l): PricedLayer => {
    const byComponent: Record<string, number> = {};
    let dynamic = 0;
    for (const [action, n] of Object.entries(l.counts)) {
      const list = prices.get(action);
      if (list === undefined) throw new Error(`no energy price for action ${action}`);
      for (const p of list) {
        const e = n * p.energyPj;
        dynamic += e;
        byComponent[p.component] = (byComponent[p.component] ?? 0) + e;
      }
    }
    // µW × s = µJ = 1e6 pJ
    const leakage = leak.powerUw * (l.cycles / clockHz) * 1e6;
    byComponent.leakage = leakage;
    return {
      dynamicEnergyPj: dynamic,
      leakageEnergyPj: leakage,
      energyPj: dynamic + leakage,
      energyByComponentPj: byComponent,
    };
  });
  const actionEnergyPj: Record<string, number> = {};
  const provenance: Record<string, string> = { ...area.provenance, leakage: leak.provenance };
  for (const [a, list] of [...prices].sort(([x], [y]) => x.localeCompare(y))) {
    actionEnergyPj[a] = list.reduce((sum, p) => sum + p.energyPj, 0);
    provenance[`energy.${a}`] =
      list.length === 1
        ? list[0]!.provenance
        : list.map((p) => `${p.component}: ${p.provenance}`).join(' + ');
  }
  return {
    layers: priced,
    areaByComponentUm2: area.byComponentUm2,
    areaUm2,
    leakagePowerUw: leak.powerUw,
    actionEnergyPj,
    provenance,
  };
}
