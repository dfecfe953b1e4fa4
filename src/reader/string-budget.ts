// One budget for the strings a dump makes us decode, whatever the format: minidumps stopped at
// LIMITS.maxStringBytesPerDump with StringBudgetExceeded, but a kernel dump's driver names (the
// triage block's string pool, the loader list's UNICODE_STRINGs) had none: 16,384 drivers sharing
// one 1,024-character name made a 2.4 MB small dump report 27.7 MB. Past the budget, strings are
// cut (to nothing) and one warning says so; the report stays proportional to the budget.

import type { DumpWarning } from '../errors.js';
import { LIMITS } from '../limits.js';

export class StringBudget {
  private used = 0;
  private warned = false;

  constructor(
    private readonly warnings: DumpWarning[],
    readonly limit: number = LIMITS.maxStringBytesPerDump,
  ) {}

  /** Bytes decoded so far. */
  get spent(): number {
    return this.used;
  }

  /** How many of `bytes` may be decoded (even, at most what is left); the first cut warns. */
  charge(bytes: number): number {
    const left = Math.max(0, this.limit - this.used);
    let ok = bytes;
    if (bytes > left) {
      ok = left & ~1;
      if (!this.warned) {
        this.warned = true;
        this.warnings.push({ code: 'StringBudgetExceeded', message: `strings decoded from this dump exceed ${this.limit} bytes: later strings are cut` });
      }
    }
    this.used += ok;
    return ok;
  }
}
