/**
 * The target-agnostic cycle kernel's contract.
 *
 * A Component is a stateful piece of hardware. `step()` advances it by exactly one cycle;
 * `nextActivity()` says how many upcoming cycles are "steady" — cycles whose effect `advance(n)` can
 * apply arithmetically (counters caught up, no interaction with other components); `advance(n)` must
 * be equivalent to n calls of `step()` whenever n ≤ nextActivity(). Infinity means idle until another
 * component changes something. The reference stepper only ever calls step(); the event runner jumps
 * steady stretches with advance(). R ≡ E is therefore a test of advance(n) ≡ n × step().
 */

/** Per component, per action (`pe.mac`, `sram.ifmap.read` …). The only thing cost/ is told. */
export type ActionCounts = Record<string, number>;

export interface Component {
  readonly id: string;
  reset(): void;
  step(): void;
  nextActivity(): number;
  advance(n: number): void;
  counts(): ActionCounts;
}

/** Add `from` into `into` (summing equal keys). */
export function addCounts(into: ActionCounts, from: Readonly<ActionCounts>): ActionCounts {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** Counts with keys sorted, zero entries kept: equal counts are equal JSON. */
export function sortedCounts(c: Readonly<ActionCounts>): ActionCounts {
  const out: ActionCounts = {};
  for (const k of Object.keys(c).sort()) out[k] = c[k] ?? 0;
  return out;
}
