// Names of bug check and exception codes. Placeholder until the knowledge lists land.
import { hex } from '../util/hex.js';

export function exceptionName(code: number): string {
  return code === 0xc0000005 ? 'EXCEPTION_ACCESS_VIOLATION' : `UNKNOWN_${hex(code)}`;
}

export function bugcheckName(code: number): string {
  return `BUGCHECK_${hex(code)}`;
}
