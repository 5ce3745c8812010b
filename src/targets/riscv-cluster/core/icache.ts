/**
 * The cluster's hierarchical instruction cache (pulp-platform/hier-icache, reference/pulp.md §2):
 * a small private cache per core in front of a shared cache for all cores, refilled from L2.
 * Both levels are set-associative with LRU replacement, allocate on a miss, and hold whole lines.
 * A fetch that hits the private level costs nothing extra; a private miss that hits the shared
 * level costs `sharedHitRefillCycles`; missing both adds `l2RefillCycles` (./timing.ts — both are
 * labelled estimates there). Contention between cores at the shared level is not modelled.
 */
import type { CacheGeometry, ICacheConfig } from './timing.js';

/** One set-associative level with LRU replacement. State in typed arrays. */
export class SetAssocCache {
  readonly sets: number;
  readonly lineShift: number;
  private readonly tags: Float64Array;
  private readonly stamps: Float64Array;
  private clock = 0;
  hits = 0;
  misses = 0;

  constructor(readonly geometry: CacheGeometry) {
    const { sizeBytes, ways, lineBytes } = geometry;
    const lines = sizeBytes / lineBytes;
    if (!Number.isInteger(Math.log2(lineBytes)) || !Number.isInteger(lines) || lines % ways !== 0)
      throw new Error(
        `cache geometry ${sizeBytes} B / ${ways} ways / ${lineBytes} B lines is not a whole number of sets`,
      );
    this.sets = lines / ways;
    this.lineShift = Math.log2(lineBytes);
    this.tags = new Float64Array(lines).fill(-1);
    this.stamps = new Float64Array(lines);
  }

  /** Look up line number `line` (address >> lineShift); on a miss the line is allocated. */
  access(line: number): boolean {
    const ways = this.geometry.ways;
    const set = line % this.sets;
    const first = set * ways;
    let victim = first;
    for (let w = first; w < first + ways; w++) {
      if (this.tags[w] === line) {
        this.stamps[w] = ++this.clock;
        this.hits++;
        return true;
      }
      if (this.stamps[w]! < this.stamps[victim]!) victim = w;
    }
    this.tags[victim] = line;
    this.stamps[victim] = ++this.clock;
    this.misses++;
    return false;
  }

  /** Forget everything (counters kept). */
  invalidate(): void {
    this.tags.fill(-1);
    this.stamps.fill(0);
  }
}

/** One core's view: its private level and the (possibly shared) second level. */
export class InstructionCache {
  readonly private: SetAssocCache;
  private lastLine = -1;
  /** Fetches, and this core's refills from the shared level and from L2. */
  fetches = 0;
  sharedRefills = 0;
  l2Refills = 0;

  /**
   * `shared`: the cluster's shared level (the same object for every core), or null for none.
   * `config` gives the private geometry and the refill costs.
   */
  constructor(
    readonly config: ICacheConfig,
    readonly shared: SetAssocCache | null,
  ) {
    this.private = new SetAssocCache(config.private);
  }

  /** A stand-alone core: a private level and its own shared level built from `config`. */
  static standalone(config: ICacheConfig): InstructionCache {
    return new InstructionCache(config, config.shared === null ? null : new SetAssocCache(config.shared));
  }

  /** Extra cycles to fetch `bytes` bytes at `addr` (0 on a hit); fills the lines on a miss. */
  fetch(addr: number, bytes: number): number {
    const shift = this.private.lineShift;
    this.fetches++;
    const first = Math.floor(addr / 2 ** shift);
    const last = Math.floor((addr + bytes - 1) / 2 ** shift);
    if (first === last && first === this.lastLine) {
      this.private.hits++;
      return 0;
    }
    let extra = this.line(first);
    if (last !== first) extra += this.line(last);
    this.lastLine = last;
    return extra;
  }

  private line(line: number): number {
    if (this.private.access(line)) return 0;
    const c = this.config;
    if (this.shared !== null) {
      const sharedLine = Math.floor((line * 2 ** this.private.lineShift) / 2 ** this.shared.lineShift);
      if (this.shared.access(sharedLine)) {
        this.sharedRefills++;
        return c.sharedHitRefillCycles;
      }
    }
    this.l2Refills++;
    return c.sharedHitRefillCycles + c.l2RefillCycles;
  }

  invalidate(): void {
    this.private.invalidate();
    this.lastLine = -1;
  }
}
