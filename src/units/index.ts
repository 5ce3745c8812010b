/**
 * Branded quantities and a seeded random number generator.
 *
 * Units live in names (`latencyCycles`, `readEnergyPj`, `areaUm2`); the brands below make a few of the
 * most-confused quantities distinct types so that a cycle count cannot be passed where picojoules are
 * expected. This folder imports nothing.
 */

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type Cycles = Brand<number, 'Cycles'>;
export type Picojoules = Brand<number, 'Picojoules'>;
export type SquareMicrons = Brand<number, 'SquareMicrons'>;
export type Bytes = Brand<number, 'Bytes'>;
export type Hertz = Brand<number, 'Hertz'>;

export const cycles = (n: number): Cycles => n as Cycles;
export const picojoules = (n: number): Picojoules => n as Picojoules;
export const squareMicrons = (n: number): SquareMicrons => n as SquareMicrons;
export const bytes = (n: number): Bytes => n as Bytes;
export const hertz = (n: number): Hertz => n as Hertz;

export const UM2_PER_MM2 = 1e6;
export const PJ_PER_J = 1e12;

/**
 * A small, fast, seeded PRNG (SplitMix32 seeding a xoshiro128**). Deterministic across platforms:
 * only 32-bit integer arithmetic via Math.imul and >>> 0.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal via Box-Muller. */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
