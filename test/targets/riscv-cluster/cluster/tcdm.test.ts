/** The banked TCDM on its own: bank mapping, round-robin arbitration, wide all-or-nothing requests. */
import { describe, expect, it } from 'vitest';
import { bankOf, Tcdm } from '../../../../src/targets/riscv-cluster/cluster/tcdm.js';

const BASE = 0x1000_0000;

describe('TCDM bank mapping', () => {
  it('is word-interleaved: bank = (addr >> 2) mod banks', () => {
    expect(bankOf(BASE, BASE, 32)).toBe(0);
    expect(bankOf(BASE + 3, BASE, 32)).toBe(0);
    expect(bankOf(BASE + 4, BASE, 32)).toBe(1);
    expect(bankOf(BASE + 31 * 4, BASE, 32)).toBe(31);
    expect(bankOf(BASE + 32 * 4, BASE, 32)).toBe(0);
    expect(bankOf(BASE + 0x1234, BASE, 32)).toBe((0x1234 >> 2) % 32);
    expect(bankOf(BASE + 0x1234, BASE, 8)).toBe((0x1234 >> 2) % 8);
    const t = new Tcdm({ base: BASE, sizeBytes: 128 * 1024, banks: 32 });
    expect(t.bankOf(BASE + 128 * 1024 - 4)).toBe(31);
  });

  it('refuses a size that is not a whole number of words per bank', () => {
    expect(() => new Tcdm({ base: BASE, sizeBytes: 100, banks: 32 })).toThrow(/whole number/);
  });
});

describe('round-robin arbitration', () => {
  it('two masters hammering one bank alternate, one grant per cycle', () => {
    const t = new Tcdm({ base: BASE, sizeBytes: 4096, banks: 32 });
    const a = t.addMaster('a');
    const b = t.addMaster('b');
    const winners: string[] = [];
    for (let c = 0; c < 8; c++) {
      t.request(a, BASE, 4, false, 0);
      t.request(b, BASE + 32 * 4, 4, false, 0); // same bank 0, another word
      t.arbitrate();
      expect(t.granted(a) !== t.granted(b)).toBe(true);
      winners.push(t.granted(a) ? 'a' : 'b');
    }
    expect(winners.join('')).toBe('abababab');
    expect(t.bankAccesses[0]).toBe(8);
    expect(t.bankConflicts[0]).toBe(8);
    expect(t.masterConflicts).toEqual([4, 4]);
  });

  it('four masters on one bank are served 0, 1, 2, 3, 0 …; a master that drops out is skipped', () => {
    const t = new Tcdm({ base: BASE, sizeBytes: 4096, banks: 32 });
    const m = [0, 1, 2, 3].map((i) => t.addMaster(`m${i}`));
    const order: number[] = [];
    for (let c = 0; c < 8; c++) {
      for (const i of m) t.request(i, BASE + 8 + 128 * i, 4, false, 0);
      t.arbitrate();
      order.push(m.findIndex((i) => t.granted(i)));
    }
    expect(order).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(t.bankConflicts[2]).toBe(8 * 3);
    // only masters 0 and 2 now: after 3 was served last, 0 then 2 then 0 …
    const two: number[] = [];
    for (let c = 0; c < 4; c++) {
      t.request(m[0]!, BASE + 8, 4, false, 0);
      t.request(m[2]!, BASE + 8 + 256, 4, false, 0);
      t.arbitrate();
      two.push(t.granted(m[0]!) ? 0 : 2);
    }
    expect(two).toEqual([0, 2, 0, 2]);
  });

  it('different banks never conflict; the priority of each bank is its own', () => {
    const t = new Tcdm({ base: BASE, sizeBytes: 4096, banks: 4 });
    const ms = [0, 1, 2, 3].map((i) => t.addMaster(`m${i}`));
    for (const i of ms) t.request(i, BASE + 4 * i, 4, false, 0);
    t.arbitrate();
    expect(ms.every((i) => t.granted(i))).toBe(true);
    expect(t.conflicts).toBe(0);
  });

  it('performs granted reads and writes; a loser’s write happens when it is granted', () => {
    const t = new Tcdm({ base: BASE, sizeBytes: 4096, banks: 32 });
    const a = t.addMaster('a');
    const b = t.addMaster('b');
    t.write(BASE + 128, 4, 0xdeadbeef);
    t.request(a, BASE, 4, true, 7);
    t.request(b, BASE + 128, 2, false, 0);
    t.arbitrate();
    expect(t.read(BASE, 4)).toBe(7);
    expect(t.granted(b)).toBe(false);
    t.request(b, BASE + 128, 2, false, 0);
    t.arbitrate();
    expect(t.rdata(b)).toBe(0xbeef);
  });
});

describe('wide requests (an accelerator port over consecutive banks)', () => {
  it('are granted all or nothing; the banks of a refused wide request go to others', () => {
    const t = new Tcdm({ base: BASE, sizeBytes: 4096, banks: 32 });
    const a = t.addMaster('core');
    const w = t.addMaster('rbe');
    const c = t.addMaster('core2');
    const data = new Uint32Array(9).fill(0x11);
    // cycle 1: the core has priority at bank 4 (its id is lower), so the 9-bank request loses
    t.request(a, BASE + 4 * 4, 4, false, 0);
    t.requestWide(w, BASE, data, true);
    t.request(c, BASE + 2 * 4 + 128, 4, false, 0); // bank 2: behind the wide one, but it is refused
    t.arbitrate();
    expect([t.granted(a), t.granted(w), t.granted(c)]).toEqual([true, false, true]);
    expect(t.read(BASE, 4)).toBe(0);
    expect(t.bankConflicts[4]).toBe(1);
    // bank 2 went to core2 while the wide request was refused there: a conflict at bank 2 too;
    // the banks nobody got (0, 1, 3, 5–8) count none
    expect(t.bankConflicts[2]).toBe(1);
    expect(t.bankConflicts[0]).toBe(0);
    // cycle 2: bank 4's priority has moved past the core: the wide request wins all 9 banks
    t.request(a, BASE + 4 * 4, 4, false, 0);
    t.requestWide(w, BASE, data, true);
    t.arbitrate();
    expect([t.granted(a), t.granted(w)]).toEqual([false, true]);
    for (let i = 0; i < 9; i++) expect(t.read(BASE + 4 * i, 4)).toBe(0x11);
    expect(t.masterAccesses[w]).toBe(1);
    expect(t.masterConflicts[w]).toBe(1);
  });

  it('wraps around the last bank', () => {
    const t = new Tcdm({ base: BASE, sizeBytes: 4096, banks: 8 });
    const w = t.addMaster('w');
    const a = t.addMaster('a');
    t.requestWide(w, BASE + 6 * 4, new Uint32Array(4), false); // banks 6, 7, 0, 1
    t.request(a, BASE + 32, 4, false, 0); // bank 0
    t.arbitrate();
    expect(t.granted(w)).toBe(true);
    expect(t.granted(a)).toBe(false);
    expect(t.bankConflicts[0]).toBe(1);
  });
});
