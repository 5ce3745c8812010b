import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { packageRoot } from '../../src/units/paths.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI in-process with captured output. */
export async function cli(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => (stdout += t.endsWith('\n') ? t : t + '\n'),
    err: (t) => (stderr += t.endsWith('\n') ? t : t + '\n'),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Run the built CLI (dist/) as a child process, the way users do. */
export function cliProcess(...argv: string[]): CliRun {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  const r = spawnSync(process.execPath, [main, ...argv], { encoding: 'utf8', cwd: packageRoot() });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const fixture = (name: string): string => join(packageRoot(), 'test', 'fixtures', name);
