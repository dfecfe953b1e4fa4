// The rule on hand-made facts; test/analysis/stowed.test.ts covers the decoder and whole dumps.
import rule from '../../../src/analysis/rules/stowed-exception.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { FakeMemory, userFacts } from '../../helpers/facts.js';

const ARRAY = 0x10000n;
const REC = 0x11000n;
const STACK = 0x12000n;
const APP = 0x140000000n; // userFacts' app.exe

/** One V1 stack-form record (64-bit layout) with the given HRESULT and return addresses. */
function memory(hresult: number, frames: bigint[]): FakeMemory {
  const rec = new Uint8Array(0x28);
  const dv = new DataView(rec.buffer);
  dv.setUint32(0, 0x28, true);
  dv.setUint32(4, 0x53453031, true);
  dv.setUint32(8, hresult, true);
  dv.setUint32(0xc, 0x1000 | 1, true); // thread 0x1000, stack form
  dv.setBigUint64(0x10, frames[0] ?? 0n, true);
  dv.setUint32(0x18, 8, true);
  dv.setUint32(0x1c, frames.length, true);
  dv.setBigUint64(0x20, STACK, true);
  return new FakeMemory().pointers(ARRAY, [REC]).add(REC, rec).pointers(STACK, frames);
}

ruleTester.run('stowed-exception', rule, {
  valid: [{ name: 'another exception', facts: userFacts({ code: 0xc0000005 }) }],
  invalid: [
    {
      name: 'E_FAIL stowed from the application',
      facts: userFacts({ code: 0xc000027b, parameters: [ARRAY, 1n] }, { memory: memory(0x80004005, [APP + 0x1234n]) }),
      findings: [{ messageId: 'stowed', hint: { bucketClass: 'STOWED_EXCEPTION_80004005_E_FAIL' }, message: /0x80004005 \(E_FAIL\).*app\.exe\+0x1234/ }],
    },
    { name: 'records absent', facts: userFacts({ code: 0xc000027b, parameters: [ARRAY, 1n] }), findings: [{ messageId: 'unreadable' }] },
  ],
});
