// Progress line on stderr, on a TTY only (nothing when piped): done/total, rate, errors.

import type { ScanProgress } from './scan.js';

export class ProgressBar {
  private last = 0;
  private shown = false;
  constructor(private readonly out: { write(s: string): unknown; isTTY?: boolean }, private readonly width = 28) {}

  get enabled(): boolean {
    return this.out.isTTY === true;
  }

  update(p: ScanProgress, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const total = p.found;
    const frac = total > 0 ? p.done / total : 0;
    const fill = p.walkDone ? Math.round(frac * this.width) : 0;
    const bar = p.walkDone ? `[${'#'.repeat(fill)}${'.'.repeat(this.width - fill)}]` : '[walking...]';
    const rate = p.elapsedMs > 0 ? (p.done / (p.elapsedMs / 1000)).toFixed(1) : '0';
    const line = `${bar} ${p.done}/${total}${p.walkDone ? '' : '+'}  ${rate} files/s  ${p.failed} errors  ${(p.bytesRead / 1048576).toFixed(1)} MiB`;
    this.out.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }

  finish(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}
