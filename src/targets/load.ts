import { readYamlFile } from '../config/yaml.js';
import { InputError, showValue } from '../units/errors.js';
import { TARGETS, findTarget } from './registry.js';
import type { AnyTarget } from './types.js';

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

export function hwConfigFromDocument(raw: unknown, file: string): LoadedHwConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError([
      { file, path: '(root)', value: showValue(raw), expected: 'a mapping with a `target:` key' },
    ]);
  }
  const doc = raw as Record<string, unknown>;
  const id = doc.target;
  const known = TARGETS.map((t) => t.id).join(', ') || '(no targets are registered yet)';
  if (typeof id !== 'string') {
    throw new InputError([{ file, path: 'target', value: showValue(id), expected: `one of: ${known}` }]);
  }
  const target = findTarget(id);
  if (target === undefined) {
    throw new InputError([{ file, path: 'target', value: showValue(id), expected: `one of: ${known}` }]);
  }
  const spec = target.parseSpec(raw, file);
  const name = typeof doc.name === 'string' ? doc.name : file;
  return { file, target, name, spec };
}
