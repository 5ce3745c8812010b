/**
 * Cost models: technology tables with provenance (hw-configs/tech/), node and voltage scaling, MAC
 * area/energy per number format, SRAM / register-file / DRAM figures. See docs/cost-model.md.
 */

export {
  REQUIRED_TABLES,
  TECH_LABELS,
  TECH_UNITS,
  defaultTechDir,
  describeRow,
  loadTechLibrary,
  loadTechTable,
  parseTechTable,
  type RowProvenance,
  type TableName,
  type TechLabel,
  type TechLibrary,
  type TechRow,
  type TechTable,
  type TechUnit,
  type TechValue,
} from './tech-table.js';
export {
  leakagePower,
  nodeAreaFactor,
  nodeEnergyFactor,
  nominalVoltage,
  scaling,
  supportedNodes,
  voltageEnergyFactor,
  type Leakage,
  type LeakageOptions,
  type OperatingPoint,
  type Scaling,
  type SourcePoint,
} from './scaling.js';
export { fittedExponents } from './primitives.js';
export { macCost, stageCost, type MacCost, type MacOptions, type MacPart, type MacStage } from './mac.js';
export {
  cactiNodes,
  dramAccessEnergy,
  dramEnergyPerBit,
  dramKinds,
  registerFileCost,
  sramCost,
  type RegisterFileCost,
  type RegisterFileSpec,
  type SramCost,
  type SramSpec,
} from './sram.js';
export * from './fpga.js';
