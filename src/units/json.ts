/**
 * Canonical JSON: objects keep the key order in which bitcycle builds them (the documented order of
 * the result object), numbers are normalised (−0 → 0; non-finite → null) and the output always ends
 * with a newline, so equal results are equal bytes.
 */
export function canonicalJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, replacer, indent) + '\n';
}

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    if (Object.is(v, -0)) return 0;
    return v;
  }
  if (v instanceof Map) return Object.fromEntries(v as Map<string, unknown>);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}
