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
 *  - a vector-unit element costs one accumulate stage of the layer's MAC (an adder, estimate).
 */
import { parseFormat } from '../formats/index.js';
import type { InventoryItem } from '../targets/types.js';
import { macCost, stageCost, type MacCost } from './mac.js';
import { leakagePower } from './scaling.js';
import { dramAccessEnergy, registerFileCost, sramCost } from './sram.js';

export interface Technology {
  readonly nodeNm: number;
  readonly voltageV?: number;
  /** DRAM kind in hw-configs/tech/dram.yaml (lpddr4, ddr3, hbm2 …). */
  readonly dram: string;
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

/** Energy per action for an inventory (one price table per run). */
export function actionPrices(inv: readonly InventoryItem[], tech: Technology): Map<string, Price> {
  const op =
    tech.voltageV !== undefined ? { nodeNm: tech.nodeNm, voltageV: tech.voltageV } : { nodeNm: tech.nodeNm };
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
  const op =
    tech.voltageV !== undefined ? { nodeNm: tech.nodeNm, voltageV: tech.voltageV } : { nodeNm: tech.nodeNm };
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
  const op =
    tech.voltageV !== undefined ? { nodeNm: tech.nodeNm, voltageV: tech.voltageV } : { nodeNm: tech.nodeNm };
  const leak = leakagePower(areaUm2, op);
  const priced = layers.map((l): PricedLayer => {
    const byComponent: Record<string, number> = {};
    let dynamic = 0;
    for (const [action, n] of Object.entries(l.counts)) {
      const p = prices.get(action);
      if (p === undefined) throw new Error(`no energy price for action ${action}`);
      const e = n * p.energyPj;
      dynamic += e;
      byComponent[p.component] = (byComponent[p.component] ?? 0) + e;
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
  for (const [a, p] of [...prices].sort(([x], [y]) => x.localeCompare(y))) {
    actionEnergyPj[a] = p.energyPj;
    provenance[`energy.${a}`] = p.provenance;
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
