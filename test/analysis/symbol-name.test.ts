import { describe, expect, it } from 'vitest';
import { shortFunctionName, MAX_SHORT_NAME_CHARS } from '../../src/analysis/symbol-name.js';

describe('shortFunctionName (WinDbg SYMBOL_NAME form)', () => {
  it.each([
    ['google_breakpad::C::set_member(int)', 'google_breakpad::C::set_member'],
    ['static int flsall(int)', 'flsall'],
    ['static struct _XCPT_ACTION * siglookup(int, struct _XCPT_ACTION *)', 'siglookup'],
    ['static void _initterm( * *,  * *)', '_initterm'],
    ['operator delete(void *)', 'operator delete'],
    ['std::vector<int,std::allocator<int> >::push_back(int const &)', 'std::vector<int,std::allocator<int> >::push_back'],
    ["`anonymous namespace'::CrashFunction", "`anonymous namespace'::CrashFunction"],
    ["`anonymous namespace'::Crash(int)", "`anonymous namespace'::Crash"],
    ['mozilla::TimeStamp::Now(bool)', 'mozilla::TimeStamp::Now'],
    ['static mozilla::TimeStamp::Now(bool)', 'mozilla::TimeStamp::Now'],
    ['Foo::operator()(int) const', 'Foo::operator()'],
    ['Foo::get() const', 'Foo::get'],
    ["google_breakpad::C::`scalar deleting destructor'(unsigned int)", "google_breakpad::C::`scalar deleting destructor'"],
    ['RtlUserThreadStart', 'RtlUserThreadStart'],
    ['KiPageFault', 'KiPageFault'],
    ['static  __lock_fhandle$fin$0()', '__lock_fhandle$fin$0'],
    ['f<(1>2)>(int)', 'f<(1>2)>'],
    ['?set_member@C@google_breakpad@@QAEXH@Z', 'google_breakpad::C::set_member'],
  ])('%s → %s', (full, short) => {
    expect(shortFunctionName(full)).toBe(short);
  });

  it('is bounded and linear on hostile names', () => {
    const deep = `${'a<'.repeat(50_000)}${'>'.repeat(50_000)}(${'('.repeat(50_000)})`;
    const t = performance.now();
    const s = shortFunctionName(deep);
    expect(performance.now() - t).toBeLessThan(200);
    expect(s.length).toBeLessThanOrEqual(MAX_SHORT_NAME_CHARS);
    expect(shortFunctionName('')).toBe('');
    expect(shortFunctionName(')))')).toBe(')))');
  });
});
