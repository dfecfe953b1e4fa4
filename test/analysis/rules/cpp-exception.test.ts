import { expect, it } from 'vitest';
import rule from '../../../src/analysis/rules/cpp-exception.js';
import { undecorateTypeName } from '../../../src/analysis/rules/cpp-exception.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { FakeMemory, userFacts } from '../../helpers/facts.js';

// x64 ThrowInfo at image base + 0x5000 → CatchableTypeArray (+0x6000) → CatchableType (+0x7000)
// → TypeDescriptor (+0x8000) whose name is at +16.
const BASE = 0x140000000n;
function mem(): FakeMemory {
  const ti = new Uint8Array(16);
  new DataView(ti.buffer).setInt32(12, 0x6000, true);
  const cta = new Uint8Array(8);
  new DataView(cta.buffer).setInt32(0, 1, true);
  new DataView(cta.buffer).setInt32(4, 0x7000, true);
  const ct = new Uint8Array(8);
  new DataView(ct.buffer).setInt32(4, 0x8000, true);
  const name = new TextEncoder().encode('.?AVruntime_error@std@@\0');
  return new FakeMemory().add(BASE + 0x5000n, ti).add(BASE + 0x6000n, cta).add(BASE + 0x7000n, ct).add(BASE + 0x8000n + 16n, name);
}

ruleTester.run('cpp-exception', rule, {
  valid: [{ name: 'AV', facts: userFacts({ code: 0xc0000005 }) }],
  invalid: [
    {
      name: 'std::runtime_error from memory',
      facts: userFacts({ code: 0xe06d7363, parameters: [0x19930520n, 0x1000n, BASE + 0x5000n, BASE] }, { memory: mem() }),
      findings: [{ messageId: 'thrown', hint: { notes: { cppType: 'std::runtime_error' } }, message: /std::runtime_error/ }],
    },
    { name: 'type info not in dump', facts: userFacts({ code: 0xe06d7363, parameters: [0x19930520n, 0x1000n, BASE + 0x5000n, BASE] }), findings: [{ messageId: 'unknownType' }] },
  ],
});

it('undecorates class names', () => {
  expect(undecorateTypeName('.?AVbad_alloc@std@@')).toBe('std::bad_alloc');
  expect(undecorateTypeName('.?AUFoo@@')).toBe('Foo');
  expect(undecorateTypeName('.H')).toBe('.H');
});
