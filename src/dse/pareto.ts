/**
 * Pareto dominance over several objectives, each minimised or maximised: a streaming archive of the
 * non-dominated points (the front; independent of the order points arrive in), and the
 * non-dominated sorting + crowding distance of NSGA-II (Deb et al., 2002) for the evolutionary
 * strategy.
 */
import type { Goal } from './metrics.js';

/** Objective values oriented so that smaller is better. */
export type Costs = readonly number[];

export function orient(values: readonly number[], goals: readonly Goal[]): number[] {
  return values.map((v, i) => (goals[i] === 'maximize' ? -v : v));
}

/** a dominates b: no worse in every objective and better in one (smaller is better). */
export function dominates(a: Costs, b: Costs): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/** The non-dominated subset of points seen so far; equal points are all kept. */
export class ParetoArchive<T> {
  private readonly members: { costs: Costs; item: T }[] = [];

  offer(costs: Costs, item: T): void {
    for (const m of this.members) if (dominates(m.costs, costs)) return;
    for (let i = this.members.length - 1; i >= 0; i--) {
      if (dominates(costs, this.members[i]!.costs)) this.members.splice(i, 1);
    }
    this.members.push({ costs, item });
  }

  items(): T[] {
    return this.members.map((m) => m.item);
  }
}

/** Fronts of non-dominated sorting: indices into `points`, front 0 first. */
export function nonDominatedSort(points: readonly Costs[]): number[][] {
  const n = points.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominatesList: number[][] = points.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i]!, points[j]!)) {
        dominatesList[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominates(points[j]!, points[i]!)) {
        dominatesList[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = [...Array(n).keys()].filter((i) => dominatedBy[i] === 0);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominatesList[i]!) {
        dominatedBy[j]!--;
        if (dominatedBy[j] === 0) next.push(j);
      }
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** Crowding distance of each member of one front (boundary points: Infinity). */
export function crowdingDistance(points: readonly Costs[], front: readonly number[]): Map<number, number> {
  const d = new Map<number, number>(front.map((i) => [i, 0]));
  const m = points[front[0] ?? 0]?.length ?? 0;
  for (let k = 0; k < m; k++) {
    const sorted = [...front].sort((a, b) => points[a]![k]! - points[b]![k]! || a - b);
    const lo = points[sorted[0]!]![k]!;
    const hi = points[sorted[sorted.length - 1]!]![k]!;
    d.set(sorted[0]!, Infinity);
    d.set(sorted[sorted.length - 1]!, Infinity);
    if (hi === lo) continue;
    for (let r = 1; r < sorted.length - 1; r++) {
      const i = sorted[r]!;
      const gap = (points[sorted[r + 1]!]![k]! - points[sorted[r - 1]!]![k]!) / (hi - lo);
      d.set(i, d.get(i)! + gap);
    }
  }
  return d;
}
