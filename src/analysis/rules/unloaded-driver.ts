// A fault address inside the range an unloaded driver used to occupy blames that driver
// (a call into code that is gone: a timer, DPC or callback it forgot to cancel).
import { hex } from '../../util/hex.js';
import { faultParams } from '../knowledge.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'unloaded-driver',
    stability: 'stable',
    needs: ['bugcheck', 'exception', 'modules'],
    docs: { description: 'A fault address in an unloaded driver\'s old address range blames that driver (it left a callback, timer or DPC behind)' },
    messages: {
      unloaded: 'Address {{address}} lies in the old range of {{module}}, unloaded{{when}}: it left code running after it was unloaded',
    },
  },
  create(ctx) {
    function check(address: bigint, at: Parameters<typeof ctx.report>[0]['evidence']) {
      if (ctx.modules.findLoaded(address)) return;
      const hit = ctx.modules.findUnloaded(address);
      if (!hit) return;
      const m = hit.module as { name: string; unloadTime?: string };
      ctx.report({
        messageId: 'unloaded',
        data: { address: hex(address), module: m.name, when: m.unloadTime ? ` at ${m.unloadTime}` : '' },
        hint: {
          blame: { module: m.name, address, reason: `the fault address ${hex(address)} is in its range after it was unloaded`, confidence: 0.8 },
          bucketClass: 'UNLOADED_MODULE',
          category: 'third-party-driver',
          priority: 6,
          advice: [`${m.name} was unloaded with work still pending: update it or enable Driver Verifier on it (verifier /standard /driver ${m.name}).`],
        },
        evidence: at,
      });
    }
    return {
      bugcheck(bc) {
        for (const f of faultParams(bc.code, bc.args[0])) check(bc.args[f.param - 1]!, [bc.at]);
      },
      exception(ex) {
        check(ex.address, [ex.at]);
      },
    };
  },
});
