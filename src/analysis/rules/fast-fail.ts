// 0xC0000409: __fastfail / stack buffer overrun, with its FAST_FAIL code in parameter 0.
import { hex } from '../../util/hex.js';
import { fastFailName, knowledge } from '../knowledge.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'fast-fail',
    stability: 'stable',
    needs: ['exception'],
    docs: { description: 'Decodes the FAST_FAIL code of exception 0xC0000409 (stack buffer overrun, fatal app exit, CFG, corrupted list...)' },
    messages: {
      fastFail: 'Fast-fail {{name}} ({{ff}}): {{meaning}}',
    },
  },
  create(ctx) {
    return {
      exception(ex) {
        if ((ex.code >>> 0) !== 0xc0000409 || ctx.facts.format !== 'minidump') return;
        const ff = Number((ex.parameters[0] ?? 0n) & 0xffffffffn);
        const name = fastFailName(ff);
        const meaning = knowledge().fastFail.get(ff)?.meaning ?? 'unknown fast-fail code';
        const corruption = [0, 1, 2, 3, 0x1d, 0x25, 0x26, 0x2c, 0x32].includes(ff);
        ctx.report({
          messageId: 'fastFail',
          data: { name, ff: hex(ff), meaning },
          hint: {
            bucketClass: `${name.replace(/^FAST_FAIL_/, 'FAIL_FAST_')}_c0000409`,
            priority: 2,
            advice: corruption
              ? ['The process detected its own memory corruption (stack cookie, list, CFG): rebuild with AddressSanitizer or run under Application Verifier/PageHeap to catch the write.']
              : ff === 7
                ? ['The process ended itself deliberately (abort/terminate/FatalAppExit): look for an assertion message or log line written just before the crash.']
                : undefined,
          },
          evidence: [ex.at],
        });
      },
    };
  },
});
