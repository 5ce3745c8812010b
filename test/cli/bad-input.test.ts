import { describe, expect, it } from 'vitest';
import { cli, cliProcess, fixture } from './helpers.js';

/** Every bad input: one clear line naming file/field/value/expectation, exit 2, no stack trace. */
function expectOneClearError(r: { code: number; stdout: string; stderr: string }, ...parts: string[]): void {
  expect(r.code).toBe(2);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('error:'));
  expect(lines).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toContain(p);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
  expect(r.stdout).toBe('');
}

describe('bad input gives one clear message and exit 2', () => {
  it('a value flag negated (--no-out, --no-hw): a usage error, not a crash', async () => {
    for (const argv of [
      ['simulate', '--hw', 'hw-configs/systolic/default.yaml', '--workload', 'alexnet', '--no-out'],
      ['simulate', '--no-hw', '--workload', 'alexnet'],
      ['sweep', fixture('sweep/tiny.yaml'), '--no-out'],
    ]) {
      const flag = argv.find((a) => a.startsWith('--no-'))!;
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(`error: ${flag}: --${flag.slice(5)} takes a value`);
      expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    }
  });

  it('malformed YAML', async () => {
    const f = fixture('bad/malformed.yaml');
    expectOneClearError(await cli('validate', f), f, 'line 5, column 1', 'well-formed YAML');
  });

  it('unknown format name', async () => {
    const r = await cli('inspect', '--workload', 'resnet18', '--format', 'int99');
    expectOneClearError(r, '--format', 'int99');
    expect(r.stderr).toContain('valid forms: intN'); // the valid forms are listed
  });

  it('negative dimension in a layer table', async () => {
    const f = fixture('bad/negative-dim.json');
    expectOneClearError(await cli('inspect', '--workload', f), f, 'inputs[0].shape[2]', '-224');
  });

  it('SCALE-Sim CSV with a missing column', async () => {
    const f = fixture('bad/missing-column.csv');
    expectOneClearError(await cli('inspect', '--workload', f), f, 'Strides');
  });

  it('unknown zoo workload', async () => {
    expectOneClearError(await cli('inspect', '--workload', 'resnet9000'), 'resnet9000', 'resnet18');
  });

  it('unknown flag and unknown command', async () => {
    const a = await cli('inspect', '--workload', 'resnet18', '--frobnicate');
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('frobnicate');
    const b = await cli('frobnicate');
    expect(b.code).toBe(2);
  });

  it('malformed --param', async () => {
    expectOneClearError(
      await cli('inspect', '--workload', 'bert-base', '--param', 'seq'),
      '--param',
      'NAME=VALUE',
    );
  });

  it('the installed binary behaves the same (exit code 2, no stack trace)', () => {
    const r = cliProcess('inspect', '--workload', 'resnet18', '--format', 'posit<99,0>');
    expectOneClearError(r, '--format');
  });
});
