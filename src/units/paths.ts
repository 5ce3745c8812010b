import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The bitcycle package root (the folder holding its package.json, hw-configs/ and workloads/),
 * found by walking up from this module. Works from src/ (tests) and from dist/src/ (built CLI).
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown };
      if (parsed.name === 'bitcycle') {
        cachedRoot = dir;
        return dir;
      }
    }
    const up = resolve(dir, '..');
    if (up === dir)
      throw new Error('bitcycle package root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

let version: string | undefined;

/** The bitcycle version from package.json (read once per process: every sweep point asks). */
export function packageVersion(): string {
  if (version === undefined) {
    const parsed = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    version = typeof parsed.version === 'string' ? parsed.version : '0.0.0';
  }
  return version;
}
