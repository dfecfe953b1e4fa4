// STATUS_STOWED_EXCEPTION (0xC000027B): a WinRT/UWP app failed fast with the errors it had stowed.
// The exception address is in the fail-fast plumbing (twinapi.appcore, combase); the cause is in
// the stowed records: each names an HRESULT and carries the stack of the code that stowed it.
// Like Windows Error Reporting, the bucket names the HRESULT and the module is taken from the
// first stowed stack: the first frame not owned by the system (triage.ini), else its first frame.

import { decodeStowedExceptions, type StowedException } from '../stowed.js';
import { hex } from '../../util/hex.js';
import { defineRule, type RuleContext } from './types.js';

const MAX_LISTED = 8;

function describeStack(ctx: RuleContext, stack: bigint[]): string {
  return stack
    .slice(0, MAX_LISTED)
    .map((a) => {
      const hit = ctx.modules.find(a);
      return hit ? `${hit.module.name}+${hex(hit.offset)}` : hex(a);
    })
    .join(', ');
}

/** Loaded from the Windows directory: system code, whatever triage.ini lists. */
const SYSTEM_PATH = /\\windows\\(?:system32|syswow64|sysarm32|winsxs|systemapps)\\/i;

/**
 * The stowed stack's frame to blame: the first module that is neither system code (triage.ini
 * owners, or loaded from the Windows directory) nor ignored; else the first system module.
 */
function blameOn(ctx: RuleContext, stack: bigint[]): { name: string; address: bigint } | undefined {
  let fallback: { name: string; address: bigint } | undefined;
  for (const a of stack) {
    // A return address: the call is the byte before it.
    const hit = ctx.modules.find(a - 1n);
    if (!hit) continue;
    const owner = ctx.owners.lookup(hit.module.name);
    if (owner?.strength === 'ignore') continue;
    const system = SYSTEM_PATH.test(hit.module.path) || (owner !== null && owner !== undefined && owner.strength !== 'definite');
    if (!system) return { name: hit.module.name, address: a };
    fallback ??= { name: hit.module.name, address: a };
  }
  return fallback;
}

function hresultText(s: StowedException): string {
  return `0x${(s.resultCode >>> 0).toString(16).padStart(8, '0')}${s.resultName ? ` (${s.resultName})` : ''}`;
}

export default defineRule({
  meta: {
    id: 'stowed-exception',
    stability: 'stable',
    needs: ['exception', 'memory'],
    docs: { description: 'STATUS_STOWED_EXCEPTION (0xC000027B): names the stowed HRESULT and blames the module of the stowed stack, as Windows Error Reporting does' },
    messages: {
      stowed: 'Stowed exception {{index}} of {{count}}: HRESULT {{hresult}}, stowed by thread {{tid}}; its stack: {{stack}}',
      stowedText: 'Stowed exception {{index}} of {{count}}: HRESULT {{hresult}}, error text "{{text}}"',
      unreadable: 'STATUS_STOWED_EXCEPTION, but its stowed records are not in the dump: {{why}}',
    },
  },
  create(ctx) {
    return {
      async exception(ex) {
        if ((ex.code >>> 0) !== 0xc000027b) return;
        const { exceptions, warnings } = await decodeStowedExceptions(ctx.facts);
        if (exceptions.length === 0) {
          ctx.report({ messageId: 'unreadable', data: { why: warnings[0] ?? 'no stowed record was found' }, evidence: [ex.at] });
          return;
        }
        exceptions.forEach((s, i) => {
          const data = { index: i + 1, count: exceptions.length, hresult: hresultText(s), tid: s.threadId, stack: describeStack(ctx, s.stack) || 'not in the dump', text: (s.errorText ?? '').slice(0, 200) };
          const first = i === 0;
          const blame = first ? blameOn(ctx, s.stack) : undefined;
          const code = (s.resultCode >>> 0).toString(16).toUpperCase().padStart(8, '0');
          ctx.report({
            messageId: s.form === 'text' ? 'stowedText' : 'stowed',
            data,
            hint: first
              ? {
                  bucketClass: `STOWED_EXCEPTION_${code}${s.resultName ? `_${s.resultName.replace(/[^A-Za-z0-9_]/g, '_')}` : ''}`,
                  notes: { stowedHresult: hresultText(s), stowedStack: describeStack(ctx, s.stack) },
                  ...(blame
                    ? { blame: { module: blame.name, address: blame.address, reason: `the first stowed exception (HRESULT ${hresultText(s)}) was stowed from it: return address ${hex(blame.address)} on the stowed stack`, confidence: 0.7 } }
                    : {}),
                  priority: 3,
                }
              : undefined,
            evidence: [ex.at],
          });
        });
      },
    };
  },
});
