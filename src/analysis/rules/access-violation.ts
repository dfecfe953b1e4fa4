// Access violations: read / write / execute, the address, NULL vs wild pointers, the 32-bit
// sign-extension fix-up and x64 non-canonical addresses (reported by Windows as all ones).
import { hex } from '../../util/hex.js';
import { baseBugcheckCode } from '../knowledge.js';
import { isCanonical } from '../modules.js';
import { defineRule } from './types.js';

const ACCESS = ['read', 'write'] as const;

/** The address an AV parameter really names, fixed up for 32-bit dumps (breakpad's rule). */
export function fixupAvAddress(raw: bigint, pointerSize: 4 | 8): bigint {
  return pointerSize === 4 ? raw & 0xffffffffn : raw;
}

export default defineRule({
  meta: {
    id: 'access-violation',
    stability: 'stable',
    needs: ['exception', 'bugcheck'],
    docs: { description: 'Access violations: read, write or execute, the address, NULL versus wild pointer, non-canonical addresses' },
    messages: {
      av: 'Access violation: {{access}} of {{address}}{{kind}}',
      execute: 'Access violation: execution of {{address}}, which is not code{{where}} (DEP): a corrupted function pointer, return address or vtable',
      nonCanonical: 'The access was to a non-canonical address (Windows reports {{address}}): a corrupted pointer whose upper bits are wrong',
      fixup: 'The recorded address {{raw}} is sign-extended; the 32-bit address is {{address}}',
      kernelAv: 'Bug check {{code}} carries an access violation at {{ip}}',
    },
  },
  create(ctx) {
    return {
      exception(ex) {
        if ((ex.code >>> 0) !== 0xc0000005 || ctx.facts.format !== 'minidump') return;
        const type = ex.parameters[0] ?? 0n;
        const raw = ex.parameters[1];
        const at = [ex.at];
        if (raw === undefined) return;
        const address = fixupAvAddress(raw, ctx.facts.pointerSize);
        if (address !== raw) ctx.report({ messageId: 'fixup', data: { raw: hex(raw), address: hex(address) }, evidence: at });
        if (type === 8n) {
          const hit = ctx.modules.find(address);
          ctx.report({
            messageId: 'execute',
            data: { address: hex(address), where: hit ? ` (inside ${hit.module.name})` : ' (outside every module)' },
            hint: { bucketClass: 'BAD_INSTRUCTION_PTR_c0000005', priority: 2 },
            evidence: at,
          });
          return;
        }
        const access = ACCESS[Number(type)] ?? 'access';
        if (ctx.facts.arch === 'x64' && address === 0xffffffffffffffffn) {
          ctx.report({ messageId: 'nonCanonical', data: { address: hex(address) }, hint: { bucketClass: `INVALID_POINTER_${access.toUpperCase()}_c0000005` }, evidence: at });
          return;
        }
        const isNull = address < 0x10000n;
        const kind = isNull ? ' (a NULL pointer dereference)' : !isCanonical(address, ctx.facts.arch) ? ' (non-canonical: a corrupted pointer)' : '';
        ctx.report({
          messageId: 'av',
          data: { access, address: hex(address), kind },
          hint: { bucketClass: `${isNull ? 'NULL_POINTER' : 'INVALID_POINTER'}_${access.toUpperCase()}_c0000005`, priority: 1 },
          evidence: at,
        });
      },
      bugcheck(bc) {
        const code = baseBugcheckCode(bc.code);
        if (![0x1e, 0x7e, 0x8e, 0x3b].includes(code)) return;
        if ((bc.args[0] & 0xffffffffn) !== 0xc0000005n) return;
        ctx.report({ messageId: 'kernelAv', data: { code: hex(bc.code), ip: hex(bc.args[1]) }, hint: { bucketClass: 'AV', priority: 1 }, evidence: [bc.at] });
      },
    };
  },
});
