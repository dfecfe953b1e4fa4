import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bugcheckName,
  describeBugcheckArgs,
  exceptionName,
  faultParams,
  knowledge,
  lookupCode,
  subcodeInfo,
  fastFailName,
} from '../../src/analysis/knowledge.js';
import { OwnerTable, normaliseModuleName, parseTriageIni } from '../../src/analysis/triage-ini.js';
import { corpusOrSkipMessage, HAVE_CORPUS, SHARED } from '../helpers/corpus.js';

describe('bug check list', () => {
  it('holds the 425 codes of the spec', () => {
    expect(knowledge().bugchecks.size).toBe(425);
  });
  describe.skipIf(!HAVE_CORPUS)('names match ../shared/spec/bugchecks.tsv', () => {
    corpusOrSkipMessage();
    it('every spec row', () => {
      const rows = readFileSync(`${SHARED}/spec/bugchecks.tsv`, 'utf8').trim().split('\n').slice(1);
      expect(rows.length).toBe(425);
      for (const r of rows) {
        const [code, name] = r.split('\t');
        expect(bugcheckName(Number.parseInt(code!, 16))).toBe(name);
      }
    });
  });
  it('names, fault parameters and sub-codes', () => {
    expect(bugcheckName(0xd1)).toBe('DRIVER_IRQL_NOT_LESS_OR_EQUAL');
    expect(bugcheckName(0x1000007e)).toBe('SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M');
    expect(bugcheckName(0x170)).toBe('CLUSTER_CSV_CLUSSVC_DISCONNECT_WATCHDOG');
    expect(bugcheckName(0x12345)).toBe('UNKNOWN_BUGCHECK_0x12345');
    expect(faultParams(0xd1, 0n)).toEqual([{ kind: 'ip', param: 4 }, { kind: 'mem', param: 1 }]);
    expect(faultParams(0x1000007e, 0n)).toEqual([{ kind: 'ip', param: 2 }]);
    expect(faultParams(0x116, 0n)).toEqual([{ kind: 'ptr', param: 2 }]);
    expect(subcodeInfo(0x9f, 3n)?.tag).toBe('BLOCKED_IRP');
    expect(subcodeInfo(0x139, 3n)?.tag).toBe('CORRUPT_LIST_ENTRY');
    expect(subcodeInfo(0x124, 4n)?.meaning).toMatch(/PCI Express/);
  });
  it('decodes arguments', () => {
    const d = describeBugcheckArgs(0xd1, [0x10n, 2n, 1n, 0xfffff80003001234n]);
    expect(d[2]!.decoded).toBe('write');
    expect(d[3]!.meaning).toMatch(/Instruction address/);
    expect(describeBugcheckArgs(0x80, [0x4f4454n, 0n, 0n, 0n])[0]!.decoded).toMatch(/diagnostic NMI/);
    expect(describeBugcheckArgs(0x7e, [0xc0000005n, 0n, 0n, 0n])[0]!.decoded).toBe('STATUS_ACCESS_VIOLATION');
  });
});

describe('exceptions', () => {
  it('names codes', () => {
    expect(exceptionName(0xc0000005)).toBe('STATUS_ACCESS_VIOLATION');
    expect(exceptionName(0xe06d7363)).toBe('CPP_EXCEPTION');
    expect(exceptionName(0xc000027b)).toBe('STATUS_STOWED_EXCEPTION');
    expect(fastFailName(7)).toBe('FAST_FAIL_FATAL_APP_EXIT');
  });
  it('looks codes up in every spelling', () => {
    for (const s of ['0xD1', 'D1', '0x000000D1', 'd1', 'DRIVER_IRQL_NOT_LESS_OR_EQUAL']) {
      const r = lookupCode(s);
      expect(r.kind, s).toBe('bugcheck');
      if (r.kind === 'bugcheck') expect(r.info.code).toBe(0xd1);
    }
    const ex = lookupCode('c0000005');
    expect(ex.kind).toBe('exception');
    expect(lookupCode('ACCESS_VIOLATION').kind).toBe('exception');
    expect(lookupCode('nonsense').kind).toBe('unknown');
  });
});

describe('triage.ini', () => {
  const owners = new OwnerTable(knowledge().triageIni);
  it('normalises module names', () => {
    expect(normaliseModuleName('ntoskrnl.exe')).toBe('nt');
    expect(normaliseModuleName('halmacpi.dll')).toBe('hal');
    expect(normaliseModuleName('C:\\x\\Wdf01000.sys')).toBe('wdf01000');
  });
  it('ignore, maybe_, last_ and definite owners', () => {
    expect(owners.lookup('ntoskrnl.exe', 'KeBugCheckEx')?.strength).toBe('ignore');
    expect(owners.lookup('ntoskrnl.exe')?.strength).toBe('last');
    expect(owners.lookup('Wdf01000.sys')?.strength).toBe('maybe');
    expect(owners.lookup('amdppm.sys')?.strength).toBe('definite');
    expect(owners.isMicrosoft('amdppm.sys')).toBe(true);
    expect(owners.lookup('mydriver.sys')).toBeNull();
  });
  it('a user file wins, with wildcards and function specificity', () => {
    const user = parseTriageIni('; mine\nmydri*=Contoso\nnt!Ke*=maybe_KernelTeam\nnt!KeBugCheckEx=ignore\n', 'user');
    const t = new OwnerTable(knowledge().triageIni, user);
    expect(t.lookup('mydriver.sys')).toMatchObject({ strength: 'definite', owner: 'Contoso' });
    expect(t.lookup('ntoskrnl.exe', 'KeBugCheckEx')?.strength).toBe('ignore');
    expect(t.lookup('ntoskrnl.exe', 'KeWaitForSingleObject')).toMatchObject({ strength: 'maybe', owner: 'KernelTeam' });
  });
});
