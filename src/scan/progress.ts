// Progress line on stderr, on a TTY only (nothing when piped): a bar with the percentage, done/
// total, rate, ETA, errors and MiB read once the total is known (the counting pass or the end of
// the walk), and until then the files done and found so far with the rate.

import type { ScanProgress } from './scan.js';

export interface ProgressBarOptions {
  /** Bar width in characters (default 28). */
  width?: number;
  /** Milliseconds clock for the redraw throttle (tests inject one); default Date.now. */
  now?: () => number;
  /** Minimum ms between redraws (default 100). */
  intervalMs?: number;
}

/** "0:42", "12:05", "1:02:09". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The progress line's text (no control characters). */
export function progressText(p: ScanProgress, width = 28): string {
  const rateN = p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0;
  const rate = `${rateN.toFixed(1)} files/s`;
  const tail = `${p.failed} errors  ${(p.bytesRead / 1048576).toFixed(1)} MiB`;
  const total = p.walkDone ? p.found : p.total;
  if (total === undefined) {
    return `[counting...] ${p.done} done, ${p.found}+ found  ${rate}  ${tail}`;
  }
  const frac = total > 0 ? Math.min(1, p.done / total) : 1;
  const fill = Math.round(frac * width);
  const pct = Math.floor(frac * 100);
  const eta = p.done >= total ? '0:00' : rateN > 0 ? formatEta((total - p.done) / rateN) : '?';
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${p.done}/${total}  ${rate}  ETA ${eta}  ${tail}`;
}

export class ProgressBar {
  private last = Number.NEGATIVE_INFINITY;
  private shown = false;
  private readonly width: number;
  private readonly now: () => number;
  private readonly intervalMs: number;

  constructor(
    private readonly out: { write(s: string): unknown; isTTY?: boolean },
    opts: ProgressBarOptions | number = {},
  ) {
    const o = typeof opts === 'number' ? { width: opts } : opts;
    this.width = o.width ?? 28;
    this.now = o.now ?? Date.now;
    this.intervalMs = o.intervalMs ?? 100;
  }

  get enabled(): boolean {
    return this.out.isTTY === true;
  }

  update(p: ScanProgress, force = false): void {
    if (!this.enabled) return;
    const now = this.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    this.out.write(`\r\x1b[2K${progressText(p, this.width)}`);
    this.shown = true;
  }

  finish(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}
