import { readYamlFile } from '../config/yaml.js';
import { InputError, showValue } from '../units/errors.js';
import { TARGETS, findTarget } from './registry.js';
import type { AnyTarget, PresetFlag } from './types.js';

export interface LoadedHwConfig {
  readonly file: string;
  readonly target: AnyTarget;
  /** The preset's `name`. */
  readonly name: string;
  readonly spec: unknown;
}

/** Load a hardware description (YAML under hw-configs/<target>/) and validate it with its target. */
export function loadHwConfig(file: string): LoadedHwConfig {
  return hwConfigFromDocument(readYamlFile(file), file);
}

/** Values for preset fields given on the command line (`--op-point`, `--rbe`), by flag. */
export type PresetFlagValues = Readonly<Partial<Record<PresetFlag, string | boolean>>>;

/** How each preset flag is spelled on the command line. */
const FLAG_SPELLING: Readonly<Record<PresetFlag, string>> = {
  'op-point': '--op-point',
  rbe: '--rbe',
  'device-engine': '--engine',
};

/**
 * The document with the command line's preset flags written into the fields the target names for
 * them (`presetFields`); a flag the target has no field for is an InputError naming the flag.
 */
export function applyPresetFlags(raw: unknown, file: string, flags: PresetFlagValues): unknown {
  const set = Object.entries(flags) as [PresetFlag, string | boolean][];
  if (set.length === 0) return raw;
  const target = hwConfigTarget(raw, file);
  const issues = set
    .filter(([flag]) => target.presetFields?.[flag] === undefined)
    .map(([flag, v]) => ({
      path: FLAG_SPELLING[flag],
      value: showValue(v),
      expected: `no such flag for the ${target.id} target (${file}); it applies to targets with a preset field for it: ${TARGETS.filter(
        (t) => t.presetFields?.[flag] !== undefined,
      )
        .map((t) => t.id)
        .join(', ')}`,
    }));
  if (issues.length > 0) throw new InputError(issues);
  const doc = { ...(raw as Record<string, unknown>) };
  for (const [flag, v] of set) doc[target.presetFields![flag]!] = v;
  return doc;
}

function hwConfigTarget(raw: unknown, file: string): AnyTarget {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError([
      { file, path: '(root)', value: showValue(raw), expected: 'a mapping with a `target:` key' },
    ]);
  }
  const id = (raw as Record<string, unknown>).target;
  const known = TARGETS.map((t) => t.id).join(', ') || '(no targets are registered yet)';
  const target = typeof id === 'string' ? findTarget(id) : undefined;
  if (target === undefined) {
    throw new InputError([{ file, path: 'target', value: showValue(id), expected: `one of: ${known}` }]);
  }
  return target;
}

export function hwConfigFromDocument(raw: unknown, file: string): LoadedHwConfig {
  const target = hwConfigTarget(raw, file);
  const spec = target.parseSpec(raw, file);
  const name = (raw as Record<string, unknown>).name;
  return { file, target, name: typeof name === 'string' ? name : file, spec };
}
