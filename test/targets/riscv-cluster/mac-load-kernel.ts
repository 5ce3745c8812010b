/**
 * Test-side MAC&LOAD matmul block (4×2 / 4×4 outputs, PULP-NN-mixed inner-loop structure as in
 * reference/pulp.md §3.4) and its plain reference, shared by matmul.test.ts and measurements.
 */
import { mlCtrl } from '../../../src/targets/riscv-cluster/asm/builder.js';
import { InstructionCache } from '../../../src/targets/riscv-cluster/core/icache.js';
import { PULP_ICACHE } from '../../../src/targets/riscv-cluster/core/timing.js';
import { run } from './helpers.js';

export type W = 'b' | 'n' | 'c';
export const BITS: Record<W, number> = { b: 8, n: 4, c: 2 };
export const LANES: Record<W, number> = { b: 4, n: 8, c: 16 };

/** Accumulator registers, in output order (row fastest, then column). */
const ACC = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 't0', 't1', 't2', 't3', 't4', 't5', 't6', 's8'];
const WPTR = ['s0', 's1', 's2', 's3'];
const XPTR = ['s4', 's5', 's6', 's7'];

/**
 * A 4×`cols` MAC&LOAD block over `kWords` 32-bit words of K: weights (signed) in rows wt0..wt3,
 * activations (unsigned) in columns act0..act{cols−1}; `pv.mlsdotsup` (unsigned activation × signed
 * weight), as the PULP-NN-mixed kernels use. mcycle is read around the loop.
 */
export function kernel(cols: 2 | 4, w: W, kWords: number): string {
  const ml = `pv.mlsdotsup.${w}`;
  const lines: string[] = [];
  WPTR.forEach((r, i) => lines.push(`la ${r}, wt${i}`));
  for (let c = 0; c < cols; c++) lines.push(`la ${XPTR[c]!}, act${c}`);
  lines.push(`li s9, ${kWords}`);
  WPTR.forEach((r, i) =>
    lines.push(`pv.mlinitspr ${r}, ${mlCtrl({ a: 0, w: i as 0 | 1 | 2 | 3, load: 'w' })}`),
  );
  lines.push(`pv.mlinitspr s4, ${mlCtrl({ a: 0, w: 0, load: 'a' })}`);
  for (let i = 0; i < 4 * cols; i++) lines.push(`li ${ACC[i]!}, 0`);
  lines.push('csrr s10, mcycle', 'lp.setup 0, s9, end');
  // one iteration: A1 <- column 1, then the dot products; every SPR is reloaded ≥ 4 instructions
  // before its next use (column 0 → A0, 1 → A1, 2 → A0, 3 → A1; weights reloaded by the last four)
  const body: string[] = [`pv.mlinitspr s5, ${mlCtrl({ a: 1, w: 0, load: 'a' })}`];
  for (let c = 0; c < cols; c++) {
    const a = (c % 2) as 0 | 1;
    for (let r = 0; r < 4; r++) {
      const acc = ACC[c * 4 + r]!;
      const lastCol = c === cols - 1;
      let ctrl = mlCtrl({ a, w: r as 0 | 1 | 2 | 3 });
      let ptr = WPTR[r]!;
      if (lastCol) {
        ctrl = mlCtrl({ a, w: r as 0 | 1 | 2 | 3, load: 'w' });
      } else if (r === 3) {
        // reload this A SPR with the column after next (wrapping to the next word of column 0)
        const next = c + 2 < cols ? c + 2 : 0;
        ctrl = mlCtrl({ a, w: 3, load: 'a' });
        ptr = XPTR[next]!;
      }
      body.push(`${ml} ${acc}, ${ptr}, ${ctrl}`);
    }
  }
  body[body.length - 1] = `end: ${body[body.length - 1]!}`;
  lines.push(...body, 'csrr s11, mcycle', 'la ra, out');
  for (let i = 0; i < 4 * cols; i++) lines.push(`p.sw ${ACC[i]!}, 4(ra!)`);
  lines.push('ecall', '.align 2');
  return lines.join('\n');
}

function pack(vals: readonly number[], bits: number): number[] {
  const per = 32 / bits;
  const out: number[] = [];
  for (let i = 0; i < vals.length; i += per) {
    let v = 0;
    for (let j = 0; j < per; j++) v |= (vals[i + j]! & ((1 << bits) - 1)) << (j * bits);
    out.push(v | 0);
  }
  return out;
}

export interface Result {
  readonly out: number[];
  readonly ref: number[];
  readonly innerCycles: number;
  readonly totalCycles: number;
  readonly macs: number;
}

export function matmul(cols: 2 | 4, w: W, kWords: number, seed: number, icache = false): Result {
  const bits = BITS[w];
  const k = kWords * LANES[w];
  // deterministic data from a small LCG (the property tests vary the seed)
  let s = seed >>> 0;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  const wts = Array.from({ length: 4 }, () =>
    Array.from({ length: k }, () => rnd(2 ** bits) - 2 ** (bits - 1)),
  );
  const xs = Array.from({ length: cols }, () => Array.from({ length: k }, () => rnd(2 ** bits)));
  // one spare word after each array: the last iteration's loads read one word ahead
  const data = [
    ...wts.map((r, i) => `wt${i}: .word ${[...pack(r, bits), 0].join(', ')}`),
    ...xs.map((r, i) => `act${i}: .word ${[...pack(r, bits), 0].join(', ')}`),
    `out: .space ${4 * 4 * cols}`,
  ];
  const { core, mem, program } = run(`${kernel(cols, w, kWords)}\n${data.join('\n')}`, {
    icache: icache ? InstructionCache.standalone(PULP_ICACHE) : null,
  });
  const outAt = program.symbols.get('out')!;
  const out = Array.from({ length: 4 * cols }, (_, i) => mem.word(outAt + 4 * i));
  const ref: number[] = [];
  for (let c = 0; c < cols; c++)
    for (let r = 0; r < 4; r++) ref.push(wts[r]!.reduce((acc, wv, i) => acc + wv * xs[c]![i]!, 0) | 0);
  return {
    out,
    ref,
    innerCycles: core.x[27]! - core.x[26]! - 2,
    totalCycles: core.cycle,
    macs: 4 * cols * k,
  };
}
