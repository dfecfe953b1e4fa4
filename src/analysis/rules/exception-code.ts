// Names the exception and classifies the ones that change the story: breakpoints, stack overflow,
// heap corruption, invalid parameter, stowed exceptions, CLR, and codes that are not NTSTATUS
// values at all (software exceptions an application raised to report itself).
import { hex } from '../../util/hex.js';
import { exceptionInfo } from '../knowledge.js';
import { platformException } from '../platform-exceptions.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'exception-code',
    stability: 'stable',
    needs: ['exception'],
    docs: { description: 'Names the exception code and classifies it (breakpoint, stack overflow, heap corruption, stowed, CLR, application-raised)' },
    messages: {
      known: 'Exception {{code}} {{name}}: {{description}}',
      unknown: 'Exception {{code}} is not a known NTSTATUS or language exception code',
      appRaised: 'Exception code {{code}} is not an NTSTATUS value: the application raised it itself (an assert/ensure report or a custom error), it was not a processor fault',
      heap: 'The heap manager found its own data corrupted: the fault is in code that used the heap earlier (overrun, double free, use after free), not in ntdll',
      stackOverflow: 'The thread ran out of stack{{where}}: runaway recursion or a very large local allocation',
      platform: '{{name}}: {{description}}{{address}}',
      platformLimited: 'A {{os}} dump: the rules are written for Windows, so this verdict rests on the {{what}} and the faulting frame only',
    },
  },
  create(ctx) {
    return {
      exception(ex) {
        if (ctx.facts.format !== 'minidump') return;
        const code = ex.code >>> 0;
        const at = [ex.at];
        // Linux/Android signals and macOS/iOS Mach exceptions are not NTSTATUS values.
        const os = ctx.facts.system.os;
        const pe = platformException(os, code, ex.flags, ctx.facts.arch);
        if (pe) {
          const address = pe.addressMeaningless ? '' : pe.addressIsData ? ` at data address ${hex(ex.address)}` : ` at ${hex(ex.address)}`;
          ctx.report({
            messageId: 'platform',
            data: { name: pe.name, description: pe.description, address },
            hint: { bucketClass: pe.bucketClass, ...(pe.selfInflicted ? { trigger: 'abort' } : {}) },
            evidence: at,
          });
          ctx.report({ messageId: 'platformLimited', data: { os, what: os === 'macos' || os === 'ios' ? 'Mach exception' : 'signal' }, evidence: at });
          return;
        }
        const info = exceptionInfo(code);
        const c = hex(code);
        if (info) {
          ctx.report({
            messageId: 'known',
            data: { code: c, name: info.name, description: info.description },
            hint: { bucketClass: `${info.cls}_${c.slice(2)}` },
            evidence: at,
          });
        } else if ((code & 0xc0000000) === 0 || code < 0x10000) {
          ctx.report({
            messageId: 'appRaised',
            data: { code: c },
            hint: { trigger: 'application-raised', bucketClass: 'APPLICATION_RAISED', priority: 1 },
            evidence: at,
          });
          return;
        } else {
          ctx.report({ messageId: 'unknown', data: { code: c }, hint: { bucketClass: `APPLICATION_FAULT_${c.slice(2)}` }, evidence: at });
          return;
        }
        if (code === 0xc0000374) {
          ctx.report({
            messageId: 'heap',
            hint: {
              category: 'application',
              maxConfidence: 0.5,
              advice: ['Reproduce with PageHeap enabled for the process (gflags /p /enable <app.exe> /full, or Application Verifier) so the corrupting write faults immediately.'],
            },
            evidence: at,
          });
        }
        if (code === 0xc00000fd) {
          const t = ctx.facts.threads.find((th) => th.id === ex.threadId);
          const where = t?.stack ? ` (stack ${hex(t.stack.startAddress)}, ${t.stack.size} bytes recorded)` : '';
          ctx.report({ messageId: 'stackOverflow', data: { where }, evidence: at });
        }
      },
    };
  },
});
