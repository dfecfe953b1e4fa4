// Bug checks raised on purpose (keyboard, debugger, power button, live dump): a hang capture.
import { bugcheckHex } from '../../util/hex.js';
import { bugcheckName } from '../knowledge.js';
import { defineRule } from './types.js';

const TRIGGER_TEXT: Record<string, string> = {
  'manual-keyboard': 'from the keyboard (CrashOnCtrlScroll or a hot key)',
  'manual-debugger': 'by a debugger or a tool',
  'power-button': 'by holding the power button',
  'manual-live-dump': 'as a live dump (Task Manager or a tool); the machine kept running',
};

export default defineRule({
  meta: {
    id: 'manual-crash',
    stability: 'stable',
    needs: ['bugcheck'],
    docs: { description: 'Manually initiated bug checks (0xE2, 0xDEADDEAD, 0x1C8, 0x161...) capture a hung machine: a hang, not a driver bug' },
    messages: {
      manual: 'Bug check {{code}} {{name}} was initiated {{how}}: the machine was most likely hung, not crashed by a driver',
      held: 'The power button was held for {{ms}} ms before the dump was forced',
    },
  },
  create(ctx) {
    return {
      bugcheck(bc) {
        const trigger = ctx.lists.manualBugchecks.get(bc.code >>> 0);
        if (!trigger) return;
        const name = bugcheckName(bc.code);
        ctx.report({
          messageId: 'manual',
          data: { code: bugcheckHex(bc.code), name, how: TRIGGER_TEXT[trigger] ?? 'manually' },
          hint: {
            kind: 'hang',
            trigger,
            category: 'unknown',
            noBlame: true,
            bucket: name,
            priority: 10,
            advice: [
              'This dump was forced on purpose to capture a hang: look at what the machine was waiting for (locks, blocked IRPs, spinning CPUs), not at the thread that raised the bug check.',
            ],
          },
          evidence: [bc.at],
        });
        if ((bc.code >>> 0) === 0x1c8 || (bc.code >>> 0) === 0x11c8) {
          ctx.report({ messageId: 'held', data: { ms: bc.args[0].toString(10) }, evidence: [bc.at] });
        }
      },
    };
  },
});
