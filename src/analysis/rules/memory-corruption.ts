// Pool, list, heap and memory-manager corruption bug checks: the code that noticed is rarely the
// code that corrupted; say so and recommend Special Pool.
import { bugcheckHex, hex } from '../../util/hex.js';
import { baseBugcheckCode, bugcheckName, categoryHint, subcodeInfo } from '../knowledge.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'memory-corruption',
    stability: 'stable',
    needs: ['bugcheck'],
    docs: { description: 'Pool, list, heap and page-table corruption bug checks (0x19, 0x1A, 0x4E, 0x139/3, 0x13A, 0xC2 1-4...) are memory corruption: the detecting code is a witness, not the culprit' },
    messages: {
      corruption: 'Bug check {{code}} {{name}}{{sub}}: memory was corrupted earlier; the code that detected it is probably not the code that did it',
    },
  },
  create(ctx) {
    return {
      bugcheck(bc) {
        const code = baseBugcheckCode(bc.code);
        if (categoryHint(bc.code, bc.args[0]) !== 'memory-corruption') return;
        if (code === 0x7f) return;
        const sub = subcodeInfo(code, bc.args[0]);
        ctx.report({
          messageId: 'corruption',
          data: { code: bugcheckHex(bc.code), name: bugcheckName(bc.code), sub: sub ? ` sub-code ${hex(bc.args[0])} (${sub.meaning})` : '' },
          hint: {
            category: 'memory-corruption',
            maxConfidence: 0.5,
            priority: 3,
            advice: [
              'Enable Driver Verifier with Special Pool and Pool Tracking on the third-party drivers (verifier /flags 0x9 /driver <name.sys>, or /flags 0x209BB for the full standard set) and wait for the next crash: it will stop at the corrupting code.',
              'If several unrelated bug checks appear, run a memory test: random corruption is often RAM.',
            ],
          },
          evidence: [bc.at],
        });
      },
    };
  },
});
