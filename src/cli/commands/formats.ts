import { parseFormat, valueGrid } from '../../formats/index.js';
import { canonicalJson } from '../../report/json.js';
import { formatNumber } from '../../report/table.js';
import { EXIT_OK, type CliIo } from '../io.js';

/** Grids up to this many codes are printed in full. */
const PRINT_GRID_MAX_CODES = 256;

export function formatsShowCommand(text: string, json: boolean, io: CliIo): number {
  const f = parseFormat(text);
  const grid = f.bits <= 16 ? Array.from(valueGrid(f)) : [];
  const finite = [
    ...new Set(grid.filter((v) => Number.isFinite(v)).map((v) => (Object.is(v, -0) ? 0 : v))),
  ].sort((a, b) => a - b);
  const special = grid.filter((v) => !Number.isFinite(v)).length;
  const info = {
    name: f.name,
    kind: f.kind,
    bits: f.bits,
    signed: f.signed,
    minValue: f.minValue,
    maxValue: f.maxValue,
    minPositive: f.minPositive,
    distinctFiniteValues: f.bits <= 16 ? finite.length : null,
    specialCodes: f.bits <= 16 ? special : null,
    hardware: f.hardware,
    grid: 1 << f.bits <= PRINT_GRID_MAX_CODES ? finite : null,
  };
  if (json) {
    io.out(canonicalJson(info));
    return EXIT_OK;
  }
  const lines = [
    `${f.name}: ${f.kind}, ${f.bits} bits, ${f.signed ? 'signed' : 'unsigned'}`,
    `range: [${formatNumber(f.minValue, 6)}, ${formatNumber(f.maxValue, 6)}], smallest positive ${formatNumber(f.minPositive, 6)}`,
  ];
  if (info.distinctFiniteValues !== null) {
    lines.push(`distinct finite values: ${info.distinctFiniteValues}; codes that are inf/NaN: ${special}`);
  }
  lines.push('hardware:');
  for (const [k, v] of Object.entries(f.hardware)) lines.push(`  ${k}: ${String(v)}`);
  if (info.grid !== null) lines.push(`grid: ${info.grid.map((v) => formatNumber(v, 8)).join(' ')}`);
  io.out(lines.join('\n'));
  return EXIT_OK;
}
