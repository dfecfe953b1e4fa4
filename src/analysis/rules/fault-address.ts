// The fault addresses named by the bug check's arguments (bugchecks.tsv "fault" column) and by
// the exception record: the strongest evidence of who was executing.
import { bugcheckHex, hex } from '../../util/hex.js';
import { faultParams } from '../knowledge.js';
import { platformException } from '../platform-exceptions.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'fault-address',
    stability: 'stable',
    needs: ['bugcheck', 'exception', 'modules'],
    docs: { description: 'Maps the fault addresses in the bug check arguments or the exception record to the module that contains them' },
    messages: {
      inModule: '{{what}} {{address}} is inside {{module}}+{{offset}}',
      outside: '{{what}} {{address}} is outside every loaded module',
    },
  },
  create(ctx) {
    const seen = new Set<bigint>();
    function consider(address: bigint, kind: 'ip' | 'mem' | 'ptr', label: string, at: Parameters<typeof ctx.report>[0]['evidence']) {
      if (address === 0n || seen.has(address)) return;
      seen.add(address);
      const hit = ctx.modules.find(address);
      if (hit) {
        ctx.report({
          messageId: 'inModule',
          data: { what: label, address: hex(address), module: hit.module.name, offset: hex(hit.offset) },
          hint: hit.unloaded || kind !== 'mem' ? { fault: { address, kind, label } } : undefined,
          evidence: at,
        });
      } else if (kind === 'ip') {
        ctx.report({ messageId: 'outside', data: { what: label, address: hex(address) }, hint: { fault: { address, kind, label } }, evidence: at });
      }
    }
    return {
      bugcheck(bc) {
        for (const f of faultParams(bc.code, bc.args[0])) {
          const what = f.kind === 'ip' ? 'Faulting instruction' : f.kind === 'ptr' ? 'Driver pointer' : 'Accessed address';
          consider(bc.args[f.param - 1]!, f.kind, `${what} (bug check ${bugcheckHex(bc.code)} P${f.param})`, [bc.at]);
        }
      },
      exception(ex) {
        if (ctx.facts.format !== 'minidump') return;
        const pe = platformException(ctx.facts.system.os, ex.code >>> 0, ex.flags, ctx.facts.arch);
        if (pe) {
          // si_addr / the Mach code is the accessed address (SIGSEGV, SIGBUS, EXC_BAD_ACCESS) or
          // nothing (SIGABRT): the faulting instruction is the signal context's.
          const ip = ex.context?.ip ?? ctx.facts.threads.find((t) => t.id === ex.threadId)?.context?.ip;
          if (ip !== undefined) consider(ip, 'ip', 'Faulting instruction (signal context)', [ex.at]);
          if (!pe.addressMeaningless) consider(ex.address, pe.addressIsData ? 'mem' : 'ip', pe.addressIsData ? 'Accessed address' : 'Exception address', [ex.at]);
          return;
        }
        consider(ex.address, 'ip', 'Exception address', [ex.at]);
      },
    };
  },
});
