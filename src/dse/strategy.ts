/**
 * Which points a sweep runs. Grid: every feasible point, in index order. Random: a seeded sample of
 * N distinct feasible points, in index order. Evolutionary: NSGA-II-style generations (Deb et al.
 * 2002) over the axis digits (tournament on rank and crowding, uniform crossover, step/reset
 * mutation), which needs the results of each generation before the next (see run.ts).
 */
import { Rng } from '../units/index.js';
import { crowdingDistance, nonDominatedSort, type Costs } from './pareto.js';
import { digitsOf, feasible, feasibleIndices, indexOf, pointAt, spaceSize } from './space.js';
import type { SweepSpec } from './spec.js';

/** Spaces up to this size are listed when sampling (exact sampling without replacement). */
const LIST_LIMIT = 2_000_000;

/** N distinct feasible indices drawn with `rng`, ascending; fewer when the space has fewer. */
export function sampleIndices(spec: SweepSpec, samples: number, rng: Rng): number[] {
  const size = spaceSize(spec);
  if (size <= LIST_LIMIT) {
    const all = [...feasibleIndices(spec)];
    const n = Math.min(samples, all.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(rng.next() * (all.length - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, n).sort((a, b) => a - b);
  }
  const chosen = new Set<number>();
  for (let attempts = 0; chosen.size < samples && attempts < samples * 1000; attempts++) {
    const i = Math.floor(rng.next() * size);
    if (!chosen.has(i) && feasible(spec, pointAt(spec, i))) chosen.add(i);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** The indices a grid or random sweep runs, lazily for a grid. */
export function* plannedIndices(spec: SweepSpec): Generator<number> {
  if (spec.strategy.kind === 'grid') yield* feasibleIndices(spec);
  else if (spec.strategy.kind === 'random')
    yield* sampleIndices(spec, spec.strategy.samples, new Rng(spec.strategy.seed));
  else throw new Error('plannedIndices: the evolutionary strategy plans generation by generation');
}

/** Rank (front number) and crowding distance of every member, for selection. */
function fitness(costs: readonly Costs[]): { rank: number[]; crowd: number[] } {
  const rank = new Array<number>(costs.length).fill(0);
  const crowd = new Array<number>(costs.length).fill(0);
  nonDominatedSort(costs).forEach((front, r) => {
    const d = crowdingDistance(costs, front);
    for (const i of front) {
      rank[i] = r;
      crowd[i] = d.get(i) ?? 0;
    }
  });
  return { rank, crowd };
}

/** Survivors: the best `size` of `pool` by rank, then crowding distance (larger first), then index. */
export function selectSurvivors(pool: readonly number[], costs: readonly Costs[], size: number): number[] {
  const { rank, crowd } = fitness(costs);
  return pool
    .map((index, i) => ({ index, rank: rank[i]!, crowd: crowd[i]! }))
    .sort((a, b) => a.rank - b.rank || b.crowd - a.crowd || a.index - b.index)
    .slice(0, size)
    .map((e) => e.index);
}

function mutate(spec: SweepSpec, digits: number[], rng: Rng): void {
  const p = 1 / spec.axes.length;
  spec.axes.forEach((a, i) => {
    if (rng.next() >= p) return;
    const n = a.values.length;
    if (n === 1) return;
    if (rng.next() < 0.3) digits[i] = Math.floor(rng.next() * n);
    else digits[i] = Math.min(n - 1, Math.max(0, digits[i]! + (rng.next() < 0.5 ? -1 : 1)));
  });
}

/**
 * `count` children of `parents` (indices with their costs): binary tournaments on (rank, crowding),
 * uniform crossover of the axis digits, mutation; infeasible children are redrawn (up to 50 tries,
 * then a fresh random feasible point). Children not yet `seen` are preferred.
 */
export function offspring(
  spec: SweepSpec,
  parents: readonly number[],
  parentCosts: readonly Costs[],
  count: number,
  seen: ReadonlySet<number>,
  rng: Rng,
): number[] {
  const { rank, crowd } = fitness(parentCosts);
  const pick = (): number => {
    const a = Math.floor(rng.next() * parents.length);
    const b = Math.floor(rng.next() * parents.length);
    const better = rank[a]! < rank[b]! || (rank[a] === rank[b] && crowd[a]! >= crowd[b]!) ? a : b;
    return parents[better]!;
  };
  const children: number[] = [];
  const taken = new Set<number>();
  for (let c = 0; c < count; c++) {
    let child: number | undefined;
    for (let tries = 0; tries < 50; tries++) {
      const x = digitsOf(spec, pick());
      const y = digitsOf(spec, pick());
      const digits = x.map((d, i) => (rng.next() < 0.5 ? d : y[i]!));
      mutate(spec, digits, rng);
      const index = indexOf(spec, digits);
      if (!feasible(spec, pointAt(spec, index))) continue;
      child = index;
      if (!seen.has(index) && !taken.has(index)) break;
    }
    child ??= sampleIndices(spec, 1, rng)[0];
    if (child === undefined) break;
    taken.add(child);
    children.push(child);
  }
  return children;
}
