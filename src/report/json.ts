/** Canonical JSON lives in units/ (dse/ writes it too); re-exported here for the report writers. */
export { canonicalJson } from '../units/json.js';
