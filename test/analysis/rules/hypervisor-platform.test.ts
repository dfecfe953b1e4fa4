import rule from '../../../src/analysis/rules/hypervisor-platform.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { KERNEL_MODULES, kernelFacts, mod } from '../../helpers/facts.js';

ruleTester.run('hypervisor-platform', rule, {
  valid: [{ name: 'bare metal', facts: kernelFacts(0xd1, [0n, 0n, 0n, 0n]) }],
  invalid: [
    {
      name: 'VMware guest with 0x80',
      facts: kernelFacts(0x80, [0x4f4454n, 0n, 0n, 0n], { modules: [...KERNEL_MODULES(), mod('vmci.sys', 0xfffff80005000000n)] }),
      findings: [{ messageId: 'platform', hint: { notes: { hypervisor: 'VMware' } }, message: /VMware virtual machine \(vmci\.sys/ }],
    },
  ],
});
