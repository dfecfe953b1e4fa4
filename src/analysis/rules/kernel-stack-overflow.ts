// 0x7F sub-code 8 (double fault): almost always a kernel stack overflow, typically filter-driver
// recursion. Checks the context stack pointer against the thread's stack range when known.
import { bugcheckHex, hex } from '../../util/hex.js';
import { baseBugcheckCode } from '../knowledge.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'kernel-stack-overflow',
    stability: 'stable',
    needs: ['bugcheck', 'threads'],
    docs: { description: 'Bug check 0x7F with trap 8 (double fault) is nearly always a kernel stack overflow' },
    messages: {
      doubleFault: 'Bug check {{code}} trap 8 (double fault): the kernel stack most likely overflowed{{sp}}',
    },
  },
  create(ctx) {
    return {
      bugcheck(bc) {
        if (baseBugcheckCode(bc.code) !== 0x7f || bc.args[0] !== 8n) return;
        const t = ctx.facts.threads.find((th) => th.crashing);
        const sp = t?.context?.sp;
        const near = sp !== undefined && t?.stack && sp - t.stack.startAddress < 0x1000n ? ` (stack pointer ${hex(sp)} is at the bottom of its stack)` : '';
        ctx.report({
          messageId: 'doubleFault',
          data: { code: bugcheckHex(bc.code), sp: near },
          hint: {
            category: 'memory-corruption',
            bucketClass: '0x7F_8_STACK_OVERFLOW',
            priority: 4,
            advice: ['A kernel stack overflow comes from deep driver recursion (file system filters, antivirus, storage filters): look for the same driver repeated on the stack and update or remove it.'],
          },
          evidence: [bc.at],
        });
      },
    };
  },
});
