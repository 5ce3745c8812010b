/**
 * A hardware configuration that cannot run a given layer (an SRAM too small for one fold, an
 * array too small for a stationary tile …). Raised inside a target's runJob; the run reports it as
 * bad input (the config's field, its value, what it would need), exit code 2.
 */
export class TargetConfigError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${field}: got ${value}; expected ${expected}`);
    this.name = 'TargetConfigError';
  }
}
