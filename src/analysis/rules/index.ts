// The rule registry: ids sorted, each loaded lazily on first use (ESLint's lib/rules/index.js shape).
import type { Rule } from './types.js';

const loaders: Record<string, () => Promise<{ default: Rule }>> = {
  'access-violation': () => import('./access-violation.js'),
  'blocked-irp': () => import('./blocked-irp.js'),
  'cpp-exception': () => import('./cpp-exception.js'),
  'debugger-break-in': () => import('./debugger-break-in.js'),
  'driver-verifier': () => import('./driver-verifier.js'),
  'exception-code': () => import('./exception-code.js'),
  'fast-fail': () => import('./fast-fail.js'),
  'fault-address': () => import('./fault-address.js'),
  'hang-dump': () => import('./hang-dump.js'),
  'hardware-error': () => import('./hardware-error.js'),
  'hypervisor-platform': () => import('./hypervisor-platform.js'),
  'kernel-stack-overflow': () => import('./kernel-stack-overflow.js'),
  'live-dump': () => import('./live-dump.js'),
  'manual-crash': () => import('./manual-crash.js'),
  'memory-corruption': () => import('./memory-corruption.js'),
  nmi: () => import('./nmi.js'),
  'stowed-exception': () => import('./stowed-exception.js'),
  'unloaded-driver': () => import('./unloaded-driver.js'),
  'watchdog-bugcheck': () => import('./watchdog-bugcheck.js'),
};

/** All rule ids, sorted. */
export const RULE_IDS: readonly string[] = Object.freeze(Object.keys(loaders).sort());

const cache = new Map<string, Rule>();

export async function loadRule(id: string): Promise<Rule | undefined> {
  const hit = cache.get(id);
  if (hit) return hit;
  const load = loaders[id];
  if (!load) return undefined;
  const rule = (await load()).default;
  cache.set(id, rule);
  return rule;
}

let all: Promise<readonly Rule[]> | undefined;

/**
 * Every rule, in id order. Loaded once: the triage of each dump asks for them, and re-awaiting
 * eighteen cached loads was 36 promises per dump, an eighth of all it made. A failed load is not
 * kept, so that the next call tries again.
 */
export function loadAllRules(): Promise<readonly Rule[]> {
  all ??= (async () => {
    const out: Rule[] = [];
    for (const id of RULE_IDS) out.push((await loadRule(id))!);
    return Object.freeze(out);
  })().catch((e: unknown) => {
    all = undefined;
    throw e;
  });
  return all;
}
