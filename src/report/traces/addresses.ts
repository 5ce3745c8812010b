/**
 * Operand addresses for the trace walkers, computed arithmetically and without per-element
 * divisions on the hot path. They are the addresses of mapping/gemm.ts (SCALE-Sim's layout):
 * `ifmapAddress`, `filterAddress`, `ofmapAddress`; the tests check them against those functions.
 *
 * IFMAP (im2col) element (m, k) of a conv: k = (window position, channel) is decoded once per layer
 * into a table (pixel offset, row/col displacement); output pixel m is decoded into a "slot" (its
 * window origin and base address) once per fold or row; the address is then base + offset, with a
 * bounds check only for windows that touch the padding. Padded positions give −1 (no access).
 */
import type { GemmSegment, GemmView } from '../../mapping/gemm.js';

export class IfmapAddresses {
  private readonly slotBase: Float64Array;
  private readonly slotR0: Int32Array;
  private readonly slotC0: Int32Array;
  private readonly slotInterior: Uint8Array;
  private kOff = new Int32Array(0);
  private kDi = new Int32Array(0);
  private kDj = new Int32Array(0);
  private tableK = -1;
  private maxDi = 0;
  private maxDj = 0;
  private segBase = 0;
  private segK = 0;

  /** `slots`: how many output pixels can be decoded at once (≥ the array's rows and columns). */
  constructor(
    private readonly view: GemmView,
    slots: number,
  ) {
    this.slotBase = new Float64Array(slots);
    this.slotR0 = new Int32Array(slots);
    this.slotC0 = new Int32Array(slots);
    this.slotInterior = new Uint8Array(slots);
  }

  /** Select the segment (image / group / batch) that the next slots and reads belong to. */
  setSegment(seg: GemmSegment): void {
    this.segK = seg.k;
    if (this.tableK !== seg.k) this.buildTable(seg.k);
    const g = this.view.conv;
    if (g === undefined) {
      this.segBase = seg.index * seg.m * seg.k;
      return;
    }
    const cg = g.inChannels / g.groups;
    const image = Math.floor(seg.index / g.groups);
    const group = seg.index % g.groups;
    this.segBase = image * g.inH * g.inW * g.inChannels + group * cg;
  }

  /** Decode output pixel m of the current segment into slot s. */
  setSlot(s: number, m: number): void {
    const g = this.view.conv;
    if (g === undefined) {
      this.slotBase[s] = this.segBase + m * this.segK;
      this.slotInterior[s] = 1;
      return;
    }
    const oy = Math.floor(m / g.outW);
    const ox = m - oy * g.outW;
    const r0 = oy * g.strideH - g.padTop;
    const c0 = ox * g.strideW - g.padLeft;
    this.slotR0[s] = r0;
    this.slotC0[s] = c0;
    this.slotBase[s] = this.segBase + (r0 * g.inW + c0) * g.inChannels;
    this.slotInterior[s] = r0 >= 0 && c0 >= 0 && r0 + this.maxDi < g.inH && c0 + this.maxDj < g.inW ? 1 : 0;
  }

  /** Address of (slot's m, k) without offset, or −1 for a padded position. */
  at(s: number, k: number): number {
    if (this.slotInterior[s] === 1) return this.slotBase[s]! + this.kOff[k]!;
    const g = this.view.conv!;
    const r = this.slotR0[s]! + this.kDi[k]!;
    const c = this.slotC0[s]! + this.kDj[k]!;
    return r >= 0 && r < g.inH && c >= 0 && c < g.inW ? this.slotBase[s]! + this.kOff[k]! : -1;
  }

  /** Per k: offset from the window origin's address, and the window displacement (conv). */
  private buildTable(k: number): void {
    this.kOff = new Int32Array(k);
    this.kDi = new Int32Array(k);
    this.kDj = new Int32Array(k);
    this.tableK = k;
    const g = this.view.conv;
    if (g === undefined) {
      for (let kk = 0; kk < k; kk++) this.kOff[kk] = kk; // a plain matrix row
      return;
    }
    const cg = g.inChannels / g.groups;
    let maxDi = 0;
    let maxDj = 0;
    for (let kk = 0; kk < k; kk++) {
      const c = kk % cg;
      const w = (kk - c) / cg;
      const j = w % g.kw;
      const di = ((w - j) / g.kw) * g.dilationH;
      const dj = j * g.dilationW;
      this.kDi[kk] = di;
      this.kDj[kk] = dj;
      this.kOff[kk] = (di * g.inW + dj) * g.inChannels + c;
      maxDi = Math.max(maxDi, di);
      maxDj = Math.max(maxDj, dj);
    }
    this.maxDi = maxDi;
    this.maxDj = maxDj;
  }
}

/** FILTER (k, n) of a segment: weights per group at slot·K·N + n·K + k (gemm.ts filterAddress). */
export function filterBase(view: GemmView, seg: GemmSegment): number {
  return (seg.index % view.bSlots) * seg.k * seg.n;
}

/** OFMAP (m, n) of a segment at index·M·N + m·N + n (gemm.ts ofmapAddress). */
export function ofmapBase(seg: GemmSegment): number {
  return seg.index * seg.m * seg.n;
}
