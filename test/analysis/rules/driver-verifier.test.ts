import rule from '../../../src/analysis/rules/driver-verifier.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts } from '../../helpers/facts.js';

ruleTester.run('driver-verifier', rule, {
  valid: [
    { name: '0xD1', facts: kernelFacts(0xd1, [0n, 2n, 0n, 0n]) },
    // Not Driver Verifier's: the store manager's own check, and a worker-pool live dump.
    { name: '0x1C7 STORE_DATA_STRUCTURE_CORRUPTION', facts: kernelFacts(0x1c7, [9n, 0n, 0n, 0n]) },
    { name: '0x1C5 IO_THREADPOOL_DEADLOCK_LIVEDUMP', facts: kernelFacts(0x1c5, [0n, 0n, 0n, 0n]) },
  ],
  invalid: [
    { name: '0xC4 0x62 leak', facts: kernelFacts(0xc4, [0x62n, 0n, 0n, 0n]), findings: [{ messageId: 'verifier', hint: { bucketClass: '0xC4_62_VRF', category: 'third-party-driver' }, message: /unloaded without freeing/ }] },
    { name: '0xD6 beyond allocation', facts: kernelFacts(0xd6, [0n, 0n, 0n, 0n]), findings: [{ messageId: 'verifier', hint: { bucketClass: '0xD6_VRF' } }] },
  ],
});
