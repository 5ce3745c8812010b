/**
 * 2^k for integer k by table lookup: V8 computes `2 ** k` with a variable k through Math.pow, which
 * costs ~100 ns; hot paths use this instead.
 */

const MIN = -1074;
const MAX = 1023;

const TABLE = (() => {
  const t = new Float64Array(MAX - MIN + 1);
  let v = 1;
  for (let k = 0; k <= MAX; k++, v *= 2) t[k - MIN] = v;
  v = 1;
  for (let k = 0; k >= MIN; k--, v /= 2) t[k - MIN] = v;
  return t;
})();

/** 2^k for an integer k; 0 below 2^−1074 and Infinity above 2^1023, as fp64 would give. */
export function exp2(k: number): number {
  if (k < MIN) return 0;
  if (k > MAX) return Infinity;
  return TABLE[k - MIN]!;
}
