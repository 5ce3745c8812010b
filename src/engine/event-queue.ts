/**
 * A pooled binary min-heap of (time, sequence, id) events. Ties break by insertion order so runs
 * are deterministic. Handles are small integers; the heap arrays grow by doubling and are reused,
 * so steady-state scheduling allocates nothing.
 */
export class EventQueue {
  private times: Float64Array;
  private seqs: Float64Array;
  private ids: Int32Array;
  private n = 0;
  private seq = 0;

  constructor(initialCapacity = 64) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 0)
      throw new RangeError(`EventQueue capacity ${initialCapacity} must be a non-negative integer`);
    this.times = new Float64Array(initialCapacity);
    this.seqs = new Float64Array(initialCapacity);
    this.ids = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
    this.seq = 0;
  }

  /** Schedule event `id` (an int32 other than −1, the empty marker of pop()) at absolute `time`. */
  push(time: number, id: number): void {
    if ((id | 0) !== id || id === -1) throw new RangeError(`event id ${id} must be an int32 other than -1`);
    if (this.n === this.times.length) this.grow();
    let i = this.n++;
    const s = this.seq++;
    // sift up
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(time, s, this.times[p] ?? 0, this.seqs[p] ?? 0)) break;
      this.times[i] = this.times[p] ?? 0;
      this.seqs[i] = this.seqs[p] ?? 0;
      this.ids[i] = this.ids[p] ?? 0;
      i = p;
    }
    this.times[i] = time;
    this.seqs[i] = s;
    this.ids[i] = id;
  }

  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number {
    return this.n === 0 ? Infinity : (this.times[0] ?? Infinity);
  }

  /** Remove the earliest event and return its id (−1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    const top = this.ids[0] ?? -1;
    const last = --this.n;
    if (last > 0) {
      const t = this.times[last] ?? 0;
      const s = this.seqs[last] ?? 0;
      const id = this.ids[last] ?? 0;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        let c = l;
        if (
          r < last &&
          this.less(this.times[r] ?? 0, this.seqs[r] ?? 0, this.times[l] ?? 0, this.seqs[l] ?? 0)
        )
          c = r;
        if (!this.less(this.times[c] ?? 0, this.seqs[c] ?? 0, t, s)) break;
        this.times[i] = this.times[c] ?? 0;
        this.seqs[i] = this.seqs[c] ?? 0;
        this.ids[i] = this.ids[c] ?? 0;
        i = c;
      }
      this.times[i] = t;
      this.seqs[i] = s;
      this.ids[i] = id;
    }
    return top;
  }

  private less(t1: number, s1: number, t2: number, s2: number): boolean {
    return t1 < t2 || (t1 === t2 && s1 < s2);
  }

  private grow(): void {
    const cap = Math.max(4, this.times.length * 2);
    const t = new Float64Array(cap);
    const s = new Float64Array(cap);
    const id = new Int32Array(cap);
    t.set(this.times);
    s.set(this.seqs);
    id.set(this.ids);
    this.times = t;
    this.seqs = s;
    this.ids = id;
  }
}
