// User-mode dumps without an exception: a hang (or on-demand) dump. Focus on the first thread,
// which is the UI/main thread in most processes. Without threads, or with the exception stream
// there but unreadable, the dump is incomplete, not a hang.
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
      incomplete: 'No exception{{why}}: the dump is cut short or damaged, not a hang dump',
    },
  },
  create(ctx) {
    return {
      end() {
        const f = ctx.facts;
        if (f.format !== 'minidump' || f.exception) return;
        const first = f.threads[0];
        // A dump cut short or damaged lacks its exception for that reason: a verdict of "hang"
        // would be a guess presented as a fact (r2-trunc_memory64.dmp, 76 bytes, was one).
        const lost = f.warnings.find((w) => /^(StreamOutOfBounds|StreamDecodeFailed|DamagedStreamType)$/.test(w.code) && /Exception/i.test(w.message));
        if (!first || lost) {
          const why = lost ? ` (the exception stream is there but unreadable: ${lost.code})` : ' and no thread list';
          ctx.report({
            messageId: 'incomplete',
            data: { why },
            hint: {
              kind: 'incomplete',
              trigger: 'incomplete',
              category: 'unknown',
              bucketClass: 'INCOMPLETE_DUMP',
              maxConfidence: 0.1,
              priority: 5,
              advice: ['Copy the dump again from the machine: a dump still being written, a full disk where it was written, or a broken copy leaves it incomplete.'],
            },
          });
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
