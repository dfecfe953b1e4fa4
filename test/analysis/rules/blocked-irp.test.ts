import rule from '../../../src/analysis/rules/blocked-irp.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { FakeMemory, kernelFacts } from '../../helpers/facts.js';

// IRP at 0x...1000: CurrentStackLocation (+0xB8) → stack location at 0x...2000 with a device-power
// request to D3 (+0x10 type 1, +0x18 state 4) and DeviceObject (+0x28) → 0x...3000, whose
// DriverObject (+8) → 0x...4000, whose DriverStart (+0x18) is inside usbhub.sys.
const K = 0xffffa00000000000n;
function irpMemory(): FakeMemory {
  const stack = new Uint8Array(0x48);
  const dv = new DataView(stack.buffer);
  dv.setUint8(1, 2);
  dv.setUint32(0x10, 1, true);
  dv.setUint32(0x18, 4, true);
  dv.setBigUint64(0x28, K + 0x3000n, true);
  return new FakeMemory()
    .pointers(K + 0x1000n + 0xb8n, [K + 0x2000n])
    .add(K + 0x2000n, stack)
    .pointers(K + 0x3008n, [K + 0x4000n])
    .pointers(K + 0x4018n, [0xfffff80004000000n]);
}

ruleTester.run('blocked-irp', rule, {
  valid: [{ name: '0x9F sub-code 4 is not walked', facts: kernelFacts(0x9f, [4n, 0x12cn, 0n, 0n]) }],
  invalid: [
    {
      name: 'IRP in memory names usbhub.sys',
      facts: kernelFacts(0x9f, [3n, K + 0x5000n, K + 0x6000n, K + 0x1000n], { memory: irpMemory() }),
      findings: [{ messageId: 'blocked', hint: { blame: { module: 'usbhub.sys' }, bucketClass: '0x9F_3_POWER_DOWN' } }],
    },
    { name: 'IRP missing from a small dump', facts: kernelFacts(0x9f, [3n, 0n, 0n, K + 0x1000n]), findings: [{ messageId: 'missing' }] },
  ],
});
