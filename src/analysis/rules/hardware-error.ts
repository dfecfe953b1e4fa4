// Hardware patterns: WHEA (0x124), machine checks (0x9C), in-page errors (0x7A/0x77), memory
// manager sub-codes that point at RAM, and single-bit differences between expected and found values.
import { bugcheckHex, hex } from '../../util/hex.js';
import { baseBugcheckCode, bugcheckName, categoryHint, subcodeInfo } from '../knowledge.js';
import { defineRule } from './types.js';

const STORAGE = new Set([0x7a, 0x77, 0xf4]);

function oneBitApart(a: bigint, b: bigint): boolean {
  const x = a ^ b;
  return x !== 0n && (x & (x - 1n)) === 0n;
}

export default defineRule({
  meta: {
    id: 'hardware-error',
    stability: 'stable',
    needs: ['bugcheck', 'header'],
    docs: { description: 'WHEA, machine-check, in-page and single-bit-corruption bug checks point at hardware, not at a driver' },
    messages: {
      whea: 'Bug check {{code}} WHEA_UNCORRECTABLE_ERROR, error source {{source}} ({{meaning}}): the hardware reported a fatal error',
      hardware: 'Bug check {{code}} {{name}}{{sub}} points at hardware',
      storage: 'Bug check {{code}} {{name}}: a page could not be read back from storage (status {{status}})',
      oneBit: 'Expected and found values {{a}} and {{b}} differ by a single bit: a memory (RAM) error is likely',
    },
  },
  create(ctx) {
    return {
      bugcheck(bc) {
        const code = baseBugcheckCode(bc.code);
        const at = [bc.at];
        const memtest = 'Run a memory test (Windows Memory Diagnostic or MemTest86) and check the system event log for WHEA-Logger events; remove overclocking (XMP/PBO) and update the BIOS.';
        if (code === 0x124) {
          const sub = subcodeInfo(code, bc.args[0]);
          ctx.report({
            messageId: 'whea',
            data: { code: bugcheckHex(bc.code), source: hex(bc.args[0]), meaning: sub?.meaning ?? 'unknown error source' },
            hint: {
              category: 'hardware',
              noBlame: true,
              bucket: `0x124_${sub?.tag ?? hex(bc.args[0]).slice(2)}_${(ctx.facts.system.cpuVendor ?? 'UNKNOWN_CPU').replace(/[^A-Za-z0-9]/g, '')}`,
              priority: 8,
              advice: [memtest, 'Read the WHEA_ERROR_RECORD named by parameter 2 (a kernel or complete dump holds it) to see which component (CPU bank, memory, PCIe device) failed.'],
            },
            evidence: at,
          });
          return;
        }
        if (STORAGE.has(code) && code !== 0xf4) {
          ctx.report({
            messageId: 'storage',
            data: { code: bugcheckHex(bc.code), name: bugcheckName(bc.code), status: hex(code === 0x7a ? bc.args[1] : bc.args[0]) },
            hint: { category: 'hardware', priority: 4, advice: ['Check the disk and its cabling/controller: SMART data, chkdsk /r, storage driver and firmware updates; in a VM check the datastore latency on the host.'] },
            evidence: at,
          });
          return;
        }
        if (code === 0x1a && (bc.args[0] === 0x403n || bc.args[0] === 0x41792n) && oneBitApart(bc.args[2], bc.args[3])) {
          ctx.report({
            messageId: 'oneBit',
            data: { a: hex(bc.args[2]), b: hex(bc.args[3]) },
            hint: { category: 'hardware', noBlame: true, bucket: 'MEMORY_CORRUPTION_ONE_BIT', priority: 8, advice: [memtest] },
            evidence: at,
          });
          return;
        }
        if (code === 0x7f) return; // kernel-stack-overflow and the sub-code table decide
        if (categoryHint(bc.code, bc.args[0]) === 'hardware') {
          const sub = subcodeInfo(code, bc.args[0]);
          ctx.report({
            messageId: 'hardware',
            data: { code: bugcheckHex(bc.code), name: bugcheckName(bc.code), sub: sub ? ` (${sub.meaning})` : '' },
            hint: { category: 'hardware', noBlame: code === 0x9c || code === 0x80, priority: 4, advice: [memtest] },
            evidence: at,
          });
        }
      },
    };
  },
});
