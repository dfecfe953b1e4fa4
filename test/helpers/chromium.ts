// Debian's Chromium for the HTML report's browser tests: scripts/ensure-chromium.sh installs it
// when missing (where it can) and prints its path; a test skips with a visible message without it.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'ensure-chromium.sh');

export function ensureChromium(): { path?: string; why?: string } {
  try {
    const out = execFileSync('bash', [SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    const path = out.trim().split('\n').pop();
    return path ? { path } : { why: 'ensure-chromium.sh printed no path' };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return { why: (err.stderr || err.message).trim() };
  }
}
