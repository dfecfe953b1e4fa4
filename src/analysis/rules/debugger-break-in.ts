// A breakpoint in ntdll on a thread other than the first, whose stack holds only system code:
// a debugger (or dump tool) broke into the process. Not a crash of the application.
import { hex } from '../../util/hex.js';
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'debugger-break-in',
    stability: 'stable',
    needs: ['exception', 'modules', 'threads'],
    docs: { description: 'A breakpoint in ntdll on a thread injected by a debugger (DbgUiRemoteBreakin) is a debugger break-in, not an application crash' },
    messages: {
      breakIn: 'Breakpoint at {{address}} in ntdll on thread {{tid}}, not the first thread: a debugger or dump tool broke into the process; the application itself did not fault',
    },
  },
  create(ctx) {
    return {
      exception(ex) {
        const f = ctx.facts;
        if (f.format !== 'minidump' || (ex.code >>> 0) !== 0x80000003) return;
        const hit = ctx.modules.findLoaded(ex.address);
        if (!hit || hit.module.name.toLowerCase() !== 'ntdll.dll') return;
        const first = f.threads[0];
        if (!first || first.id === ex.threadId || f.threads.length < 2) return;
        ctx.report({
          messageId: 'breakIn',
          data: { address: hex(ex.address), tid: ex.threadId },
          hint: {
            kind: 'hang',
            trigger: 'manual-debugger',
            bucketClass: 'hang',
            maxConfidence: 0.4,
            priority: 6,
            advice: ['This dump was taken by breaking in with a debugger: if the process was hung, analyse the first thread and any thread waiting on a lock.'],
          },
          evidence: [ex.at],
        });
      },
    };
  },
});
