// 0x80 NMI_HARDWARE_FAILURE: with 0x4F4454 the NMI came from a button, a BMC or a hypervisor
// (a deliberate hang dump); otherwise a hardware-signalled NMI.
import { bugcheckHex, hex } from '../../util/hex.js';
import { defineRule } from './types.js';

export const NMI_DIAGNOSTIC_MARKER = 0x4f4454n;

export default defineRule({
  meta: {
    id: 'nmi',
    stability: 'stable',
    needs: ['bugcheck'],
    docs: { description: 'Bug check 0x80 with argument 0x4F4454 is a diagnostic NMI (button, BMC, hypervisor): most likely a deliberate hang dump' },
    messages: {
      diagnostic: 'Bug check {{code}} NMI_HARDWARE_FAILURE with argument {{arg}}: an NMI delivered by a button, BMC (iLO/iDRAC) or hypervisor, most likely to capture a hung machine',
      hardware: 'Bug check {{code}} NMI_HARDWARE_FAILURE without the diagnostic-NMI marker: a hardware-signalled NMI (memory parity, bus error) is likely',
    },
  },
  create(ctx) {
    return {
      bugcheck(bc) {
        if ((bc.code >>> 0) !== 0x80) return;
        if (bc.args[0] === NMI_DIAGNOSTIC_MARKER) {
          ctx.report({
            messageId: 'diagnostic',
            data: { code: bugcheckHex(bc.code), arg: hex(bc.args[0]) },
            hint: {
              kind: 'hang',
              trigger: 'nmi',
              category: 'unknown',
              noBlame: true,
              bucket: 'NMI_HARDWARE_FAILURE_DIAGNOSTIC_NMI',
              priority: 10,
              advice: [
                'Find who sent the NMI: the BMC event log (iLO/iDRAC "Generate NMI"), or for a VM the hypervisor logs (VMware hostd.log "HungVM:Send_NMI_To_Guest", vmware.log) around the crash time; pass them with --vm-logs.',
              ],
            },
            evidence: [bc.at],
          });
        } else {
          ctx.report({
            messageId: 'hardware',
            data: { code: bugcheckHex(bc.code) },
            hint: {
              category: 'hardware',
              trigger: 'nmi',
              noBlame: true,
              bucket: 'NMI_HARDWARE_FAILURE',
              priority: 5,
              advice: ['Check the system event log and the BMC/IPMI log for memory or bus errors reported with the NMI; run a memory test.'],
            },
            evidence: [bc.at],
          });
        }
      },
    };
  },
});
