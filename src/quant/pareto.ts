/**
 * Pareto front of (cost, SQNR) points: lower cost and higher SQNR are better. A point is kept when
 * no other point has cost ≤ and SQNR ≥ with one of them strict. Of equal points the first is kept.
 * The front is returned cost ascending, so its SQNR is strictly ascending.
 */

export interface CostQuality {
  readonly cost: number;
  readonly sqnrDb: number;
}

export function dominates(a: CostQuality, b: CostQuality): boolean {
  return a.cost <= b.cost && a.sqnrDb >= b.sqnrDb && (a.cost < b.cost || a.sqnrDb > b.sqnrDb);
}

export function paretoFront<T extends CostQuality>(points: readonly T[]): T[] {
  const order = points
    .map((p, i) => ({ p, i }))
    .filter((e) => !Number.isNaN(e.p.cost) && !Number.isNaN(e.p.sqnrDb))
    .sort((a, b) => a.p.cost - b.p.cost || b.p.sqnrDb - a.p.sqnrDb || a.i - b.i);
  const front: T[] = [];
  for (const { p } of order) {
    const last = front[front.length - 1];
    if (last === undefined || p.sqnrDb > last.sqnrDb) front.push(p);
  }
  return front;
}
