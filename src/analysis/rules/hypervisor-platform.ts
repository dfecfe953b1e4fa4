// Guest drivers in the module list identify the hypervisor (VMware, Hyper-V, VirtualBox, Xen...).
// Issue 6 (VMware log correlation) builds on this finding.
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'hypervisor-platform',
    stability: 'stable',
    needs: ['modules'],
    docs: { description: 'Identifies the hypervisor a Windows guest ran on from its guest drivers (VMware, Hyper-V, VirtualBox, Xen, Parallels)' },
    messages: {
      platform: 'The machine is a {{platform}} virtual machine ({{module}} is loaded)',
    },
  },
  create(ctx) {
    const found = new Map<string, string>();
    return {
      module(m) {
        const platform = ctx.lists.hypervisorModules.get(m.name.toLowerCase());
        if (platform && !found.has(platform)) found.set(platform, m.name);
      },
      end() {
        for (const [platform, module] of found) {
          const bc = ctx.facts.bugcheck;
          const advice: string[] = [];
          if (bc && (bc.code >>> 0) === 0x80) {
            advice.push(`Bug check 0x80 in a ${platform} VM: check the hypervisor logs for an NMI sent to the guest (VMware: hostd.log "Send_NMI_To_Guest", vmware.log) before suspecting hardware.`);
          }
          if (bc && [0x101, 0x133, 0x5c].includes(bc.code >>> 0)) {
            advice.push(`In a ${platform} VM, timeouts like this often come from host CPU or storage contention: check the host's performance and storage latency at the crash time.`);
          }
          ctx.report({
            messageId: 'platform',
            data: { platform, module },
            hint: { notes: { hypervisor: platform }, advice: advice.length > 0 ? advice : undefined },
          });
        }
      },
    };
  },
});
