import { z } from 'zod';
import { readYamlFile } from '../config/yaml.js';
import { parseWithSchema } from '../config/validate.js';

/**
 * A technology table under hw-configs/tech/: energy or area figures per action or component, each
 * row with its source, node and supply voltage, so every figure in a report traces to a row.
 */
const RowSchema = z.strictObject({
  id: z.string().min(1, 'a non-empty row id'),
  value: z.number().nonnegative('a non-negative number'),
  unit: z.enum(['pJ', 'pJ/bit', 'pJ/byte', 'um2', 'mm2', 'uW', 'mW', 'W']),
  source: z.string().min(3, 'a source: paper and table/figure, datasheet, or "estimate: <reasoning>"'),
  node_nm: z.number().positive('a technology node in nm'),
  voltage_v: z.number().positive('a supply voltage in volts'),
  note: z.string().optional(),
});

export const TechTableSchema = z.strictObject({
  kind: z.literal('tech-table'),
  name: z.string().min(1),
  description: z.string().min(1),
  rows: z.array(RowSchema),
});

export type TechTable = z.output<typeof TechTableSchema>;
export type TechRow = TechTable['rows'][number];

export function parseTechTable(raw: unknown, file: string): TechTable {
  return parseWithSchema(TechTableSchema, raw, file);
}

export function loadTechTable(file: string): TechTable {
  return parseTechTable(readYamlFile(file), file);
}
