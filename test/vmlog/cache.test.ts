import { describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVmEventsCached } from '../../src/vmlog/correlate-report.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('loadVmEventsCached (scan --vm-logs reads the logs once per process)', () => {
  it('returns the same events for unchanged logs and reads them again after a change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-vmcache-'));
    cpSync(join(fixtures, 'nmi'), dir, { recursive: true });
    const a = await loadVmEventsCached([dir]);
    const b = await loadVmEventsCached([dir]);
    expect(b).toBe(a);
    expect(a.crashes.length).toBeGreaterThan(0);
    const log = join(dir, 'vmware.log');
    appendFileSync(log, '2024-03-05T10:59:59.000Z In(05) vmx - a line appended later\n');
    const c = await loadVmEventsCached([dir]);
    expect(c).not.toBe(a);
    expect(c.crashes.length).toBe(a.crashes.length);
  });
});
