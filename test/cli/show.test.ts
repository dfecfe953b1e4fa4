import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('dumptriage show', () => {
  it.each(['0xD1', 'D1', '0x000000D1', 'DRIVER_IRQL_NOT_LESS_OR_EQUAL'])('%s names 0xD1', async (code) => {
    const r = await cli('show', code, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ kind: 'bugcheck', code: '0xd1', name: 'DRIVER_IRQL_NOT_LESS_OR_EQUAL' });
    expect(j.args).toHaveLength(4);
  });
  it('decodes given arguments', async () => {
    const r = await cli('show', '0x9F', '3', 'ffffe00012345678', '0', 'ffffe00087654321');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/DRIVER_POWER_STATE_FAILURE \(0000009f\)/);
    expect(r.stdout).toMatch(/Sub-code 0x3 BLOCKED_IRP/);
    expect(r.stdout).toMatch(/Arg4: 0xffffe00087654321/);
  });
  it('decodes the access type of 0xD1', async () => {
    const j = JSON.parse((await cli('show', 'd1', '10', '2', '1', 'fffff80312345678', '--json')).stdout);
    expect(j.args[2]).toMatchObject({ value: '0x1', decoded: 'write' });
  });
  it('exceptions: c0000005 with parameters', async () => {
    const j = JSON.parse((await cli('show', 'c0000005', '1', '45', '--json')).stdout);
    expect(j).toMatchObject({ kind: 'exception', name: 'STATUS_ACCESS_VIOLATION' });
    expect(j.parameters[0]).toMatchObject({ decoded: 'write' });
  });
  it('unknown code is a usage error', async () => {
    const r = await cli('show', 'NOT_A_CODE');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown/);
  });
});
