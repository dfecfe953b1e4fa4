// Watchdog bug checks: the system detected a hang itself (0x101, 0x133, 0x9F, 0x1CA, 0x15F...).
import { bugcheckHex, hex } from '../../util/hex.js';
import { bugcheckName, baseBugcheckCode, subcodeInfo } from '../knowledge.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'watchdog-bugcheck',
    stability: 'stable',
    needs: ['bugcheck'],
    docs: { description: 'Watchdog bug checks (0x101, 0x133, 0x9F, 0x1CA, 0x15F, 0x9E...) mean the system detected a hang, not a crash' },
    messages: {
      watchdog: 'Bug check {{code}} {{name}} is a watchdog timeout: the system detected a hang',
      dpc: 'A single DPC or ISR ran for {{used}} ticks against an allotment of {{allot}} ticks: the routine on the stack is the suspect',
      cumulative: 'The processor spent too long cumulatively at DISPATCH_LEVEL or above (watchdog period {{period}}): the code on the stack may only be the last straw',
      clock: 'Processor {{cpu}} stopped answering clock interrupts (PRCB {{prcb}}); its own stack, not this one, shows the hang',
      power: 'A power transition timed out: {{meaning}}',
    },
  },
  create(ctx) {
    return {
      bugcheck(bc) {
        const code = baseBugcheckCode(bc.code);
        if (!ctx.lists.hangBugchecks.has(code)) return;
        const at = [bc.at];
        const p1 = bc.args[0];
        // 0xA0 is only a hang for its power-transition time-out sub-codes.
        if (code === 0xa0 && subcodeInfo(code, p1)?.category !== 'hang') return;
        ctx.report({
          messageId: 'watchdog',
          data: { code: bugcheckHex(bc.code), name: bugcheckName(bc.code) },
          hint: { kind: 'hang', trigger: 'watchdog', priority: 5 },
          evidence: at,
        });
        if (code === 0x133 && p1 === 0n) {
          ctx.report({ messageId: 'dpc', data: { used: bc.args[1], allot: bc.args[2] }, hint: { bucketClass: '0x133_DPC' }, evidence: at });
        } else if (code === 0x133 && p1 === 1n) {
          ctx.report({
            messageId: 'cumulative',
            data: { period: bc.args[1] },
            hint: { bucketClass: '0x133_CUMULATIVE', maxConfidence: 0.4 },
            evidence: at,
          });
        } else if (code === 0x101) {
          ctx.report({
            messageId: 'clock',
            data: { cpu: bc.args[3].toString(10), prcb: hex(bc.args[2]) },
            hint: {
              maxConfidence: 0.3,
              bucketClass: '0x101',
              advice: [
                'Bug check 0x101 needs the hung processor\'s stack: configure a kernel or complete memory dump (a small dump holds only the reporting CPU). In a VM, check the host for CPU contention or a stalled vCPU.',
              ],
            },
            evidence: at,
          });
        } else if (code === 0xa0 || code === 0x15f) {
          const sub = subcodeInfo(code, p1);
          if (sub) ctx.report({ messageId: 'power', data: { meaning: sub.meaning }, evidence: at });
        }
      },
    };
  },
});
