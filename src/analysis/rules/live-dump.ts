// Live kernel dumps: the machine did not crash.
import { bugcheckHex } from '../../util/hex.js';
import { baseBugcheckCode, bugcheckName } from '../knowledge.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'live-dump',
    stability: 'stable',
    needs: ['bugcheck'],
    docs: { description: 'Live-dump codes (0x117, 0x141, 0x15F, 0x161, 0x1A1...) mean the machine kept running: a diagnostic snapshot, not a crash' },
    messages: {
      live: 'Code {{code}} {{name}} identifies a live kernel dump: the machine did not crash, Windows wrote this snapshot while it kept running',
    },
  },
  create(ctx) {
    return {
      bugcheck(bc) {
        const code = baseBugcheckCode(bc.code);
        if (!ctx.lists.liveDumpBugchecks.has(code)) return;
        ctx.report({
          messageId: 'live',
          data: { code: bugcheckHex(bc.code), name: bugcheckName(bc.code) },
          hint: { bucketClass: `LKD_0x${code.toString(16).toUpperCase()}`, priority: 1 },
          evidence: [bc.at],
        });
      },
    };
  },
});
