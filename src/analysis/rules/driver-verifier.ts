// 0xC4 and the verifier-specific bug checks: Driver Verifier caught a driver; the first
// non-verifier frame (or the driver named in the arguments) is the culprit.
import { bugcheckHex, hex } from '../../util/hex.js';
import { baseBugcheckCode, subcodeInfo } from '../knowledge.js';
import { defineRule } from './types.js';

// Not 0x1C5 IO_THREADPOOL_DEADLOCK_LIVEDUMP (a live dump of a stuck worker pool) nor 0x1C7
// STORE_DATA_STRUCTURE_CORRUPTION (the memory store manager's own consistency check): neither is
// raised by Driver Verifier, and neither names a driver.
const VERIFIER_CODES = new Set([0xc4, 0xc1, 0xc6, 0xc9, 0xd5, 0xd6, 0xe6, 0x1c4, 0x1c6]);

export default defineRule({
  meta: {
    id: 'driver-verifier',
    stability: 'stable',
    needs: ['bugcheck'],
    docs: { description: 'Driver Verifier bug checks (0xC4, 0xC1, 0xD5, 0xD6, 0xC9...) name a verified driver breaking a rule' },
    messages: {
      verifier: 'Driver Verifier stopped the system (bug check {{code}}, rule {{rule}}{{meaning}}): the driver on the stack below the verifier frames broke it',
    },
  },
  create(ctx) {
    return {
      bugcheck(bc) {
        const code = baseBugcheckCode(bc.code);
        if (!VERIFIER_CODES.has(code)) return;
        const sub = code === 0xc4 ? subcodeInfo(code, bc.args[0]) : undefined;
        const rule = code === 0xc4 ? hex(bc.args[0]) : 'n/a';
        ctx.report({
          messageId: 'verifier',
          data: { code: bugcheckHex(bc.code), rule, meaning: sub ? `: ${sub.meaning}` : '' },
          hint: {
            category: 'third-party-driver',
            bucketClass: code === 0xc4 ? `0xC4_${hex(bc.args[0]).slice(2).toUpperCase()}_VRF` : `0x${code.toString(16).toUpperCase()}_VRF`,
            priority: 3,
            advice: ['Driver Verifier caught the driver named below in the act: send this dump to its vendor, or update it; turn Verifier off afterwards with verifier /reset.'],
          },
          evidence: [bc.at],
        });
      },
    };
  },
});
