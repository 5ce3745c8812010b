/**
 * The streaming dataflow pipeline engine of the future `fpga-dataflow` target (not registered yet):
 * module descriptions with FINN's expected cycles and folding rules, per-frame token schedules,
 * the reference stepper (R), the event engine (E) and FIFO sizing. docs/fpga-dataflow-engine.md.
 */
export * from './modules.js';
export * from './schedules.js';
export * from './pipeline.js';
export { runReference, runReferenceResolved } from './pipeline-ref.js';
export {
  runEvent,
  runEventDetailed,
  runEventResolved,
  type EventDetail,
  type EventOptions,
} from './pipeline-event.js';
export * from './fifo-sizing.js';
