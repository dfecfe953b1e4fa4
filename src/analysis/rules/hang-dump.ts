// User-mode dumps without an exception: a hang (or on-demand) dump. Focus on the first thread,
// which is the UI/main thread in most processes.
import { defineRule } from './types.js';

export default defineRule({
  meta: {
    id: 'hang-dump',
    stability: 'stable',
    needs: ['exception', 'threads'],
    docs: { description: 'A user-mode dump with no exception record is a hang (or on-demand) dump: analyse the first thread' },
    messages: {
      hang: 'No exception in this user-mode dump: it was written on demand, most often of a hung process (Task Manager, procdump, WER hang reporting); looking at thread {{tid}}, the first thread',
      noThreads: 'No exception and no thread list: nothing to analyse for a hang',
    },
  },
  create(ctx) {
    return {
      end() {
        const f = ctx.facts;
        if (f.format !== 'minidump' || f.exception) return;
        const first = f.threads[0];
        if (!first) {
          ctx.report({ messageId: 'noThreads', hint: { kind: 'hang', trigger: 'hang-dump', category: 'application' } });
          return;
        }
        ctx.report({
          messageId: 'hang',
          data: { tid: first.id },
          hint: {
            kind: 'hang',
            trigger: 'hang-dump',
            category: 'application',
            focusThreadId: first.id,
            bucketClass: 'hang',
            maxConfidence: 0.4,
            priority: 5,
            advice: [
              'For a hang, take two or three dumps a few seconds apart (procdump -h or -s 5 -n 3) with full memory (procdump -ma) and compare the first thread: the same wait every time is the hang.',
            ],
          },
          evidence: first.stack?.at ? [first.stack.at] : [],
        });
      },
    };
  },
});
