// The ordered verdict pipeline (STYLE §8, Socorro's shape): each stage reads the facts, the
// findings and the verdict so far, and sets verdict fields through the logging setters. The order
// is part of the design; normalize stays last. A stage that throws becomes a trail note.

import type { DumpFacts, ModuleFacts } from '../facts/types.js';
import type { Category, ReportFinding } from '../report.js';
import { shortFunctionName } from '../symbol-name.js';
import { hex } from '../../util/hex.js';
import { crashTimeCheck, linkTimestamp } from '../timestamps.js';
import { baseBugcheckCode, bugcheckName, categoryHint, exceptionName, subcodeInfo } from '../knowledge.js';
import { platformException, platformOf } from '../platform-exceptions.js';
import type { ModuleIndex } from '../modules.js';
import type { Finding, Hint } from '../rules/types.js';
import type { OwnerTable } from '../triage-ini.js';
import { collectFrames, focusThread, frameToReport, scanBeyondWalk, type Frame, type Frames } from './frames.js';
import type { VerdictBuilder } from './verdict.js';
import { walkThreads, type StackSet, type UnwinderFactory } from '../stacks.js';

export interface PipelineState {
  facts: DumpFacts;
  findings: Finding[];
  verdict: VerdictBuilder;
  modules: ModuleIndex;
  owners: OwnerTable;
  frames: Frames;
  cause: Frame | null;
  /** Unwind sources per module (symbol files, images in the dump). */
  unwinders?: UnwinderFactory;
  /** Every thread's walked stack (set by the frames stage). */
  stacks?: StackSet;
}

export interface Stage {
  name: string;
  applies(s: PipelineState): boolean;
  apply(s: PipelineState): void | Promise<void>;
}

/** Hints in priority order (highest first; rule order breaks ties). */
export function hintsByPriority(findings: Finding[]): Hint[] {
  return findings
    .map((f, i) => ({ h: f.hint, i }))
    .filter((x): x is { h: Hint; i: number } => x.h !== undefined)
    .sort((a, b) => (b.h.priority ?? 0) - (a.h.priority ?? 0) || a.i - b.i)
    .map((x) => x.h);
}

function first<K extends keyof Hint>(findings: Finding[], key: K): Hint[K] | undefined {
  for (const h of hintsByPriority(findings)) if (h[key] !== undefined) return h[key];
  return undefined;
}

function minConfidenceCap(findings: Finding[]): number {
  let cap = 1;
  for (const f of findings) if (f.hint?.maxConfidence !== undefined) cap = Math.min(cap, f.hint.maxConfidence);
  return cap;
}

const isUser = (s: PipelineState) => s.facts.format === 'minidump';

function codeText(code: number): string {
  return `0x${code.toString(16).toUpperCase()}`;
}

/** Confidence at most, when the blamed module's range overlaps another loaded module's. */
const OVERLAP_CAP = 0.4;

/** Default bucket class of a bug check: code, sub-code and tag when the sub-code table has it. */
export function bugcheckBucketClass(code: number, p1: bigint): string {
  const base = baseBugcheckCode(code);
  const sub = subcodeInfo(base, p1);
  if (!sub) return codeText(base);
  return `${codeText(base)}_${p1.toString(16).toUpperCase()}${sub.tag ? `_${sub.tag}` : ''}`;
}

function triggerPhrase(trigger: string): string {
  const t: Record<string, string> = {
    'manual-keyboard': 'forced from the keyboard',
    'manual-debugger': 'forced by a debugger or tool',
    'manual-live-dump': 'a live dump taken on request',
    'power-button': 'forced by holding the power button',
    nmi: 'forced by an NMI',
    'nmi-from-hypervisor': 'forced by an NMI the hypervisor sent',
    watchdog: 'detected by a watchdog',
    'hang-dump': 'a dump written without an exception',
    'application-raised': 'raised by the application itself',
    abort: 'the process aborted itself',
  };
  return t[trigger] ?? trigger;
}

/** "exception 0xc0000005 STATUS_ACCESS_VIOLATION", or "signal SIGSEGV / SEGV_MAPERR" off Windows. */
function exceptionPhrase(os: string, ex: { code: number; flags: number }, arch: string): string {
  const pe = platformException(os, ex.code >>> 0, ex.flags, arch);
  if (pe) return `${platformOf(os) === 'mach' ? 'Mach exception' : 'signal'} ${pe.name}`;
  return `exception ${hex(ex.code >>> 0)} ${exceptionName(ex.code)}`;
}

const noUnwinders: UnwinderFactory = async () => undefined;
/** Unwind problems reported per dump (each thread keeps up to 8; a hostile dump could have many). */
const MAX_UNWIND_WARNINGS = 32;

export const STAGES: Stage[] = [
  {
    name: 'defaults',
    applies: () => true,
    apply(s) {
      const v = s.verdict;
      v.set('defaults', 'trigger', s.facts.bugcheck ? 'bugcheck' : s.facts.exception ? 'exception' : isUser(s) ? 'hang-dump' : 'unknown');
      if (isUser(s)) v.setCategory('defaults', 'application');
    },
  },
  {
    name: 'findings',
    applies: () => true,
    apply(s) {
      const out: ReportFinding[] = s.findings.map((f) => ({
        ruleId: f.ruleId,
        messageId: f.messageId,
        message: f.message,
        evidence: f.evidence.map((e) => ({ struct: e.struct, offset: hex(e.offset) })),
      }));
      s.verdict.setFindings('findings', out);
    },
  },
  {
    name: 'classify',
    applies: (s) => s.findings.some((f) => f.hint),
    apply(s) {
      const kind = first(s.findings, 'kind');
      if (kind) s.verdict.setKind('classify', kind);
      const trigger = first(s.findings, 'trigger');
      if (trigger) s.verdict.set('classify', 'trigger', trigger);
      const category = first(s.findings, 'category');
      if (category) s.verdict.setCategory('classify', category);
    },
  },
  {
    name: 'frames',
    applies: () => true,
    async apply(s) {
      const focus = first(s.findings, 'focusThreadId');
      const focusId = focus ?? focusThread(s.facts)?.id;
      s.stacks = await walkThreads(s.facts, s.modules, s.unwinders ?? noUnwinders, focusId);
      // Unwind data that could not be used (hostile or damaged) is a typed warning; the walk fell
      // through to the next method for that frame.
      let told = 0;
      for (const [id, t] of s.stacks.threads) {
        for (const p of t.problems) {
          // Stack or image bytes absent from the dump are the normal end of a method (breakpad
          // falls through the same way), not damaged data: only the latter is worth a warning.
          if (p.code === 'UnwindDataMissing' || (p.code === 'BadExpression' && / is not readable/.test(p.message))) continue;
          if (told++ >= MAX_UNWIND_WARNINGS) break;
          const message = `thread ${id}: ${p.message}`;
          // Facts are memoised per dump: a second triage of it must not say it twice.
          if (!s.facts.warnings.some((w) => w.code === p.code && w.message === message)) s.facts.warnings.push({ code: p.code, message });
        }
      }
      s.frames = await collectFrames(s.facts, hintsByPriority(s.findings), s.modules, s.owners, s.stacks, focus);
      s.verdict.setFrames('frames', s.frames.map(frameToReport), s.frames.threadId);
      if (s.frames.stackMissingAt !== undefined) {
        s.verdict.note('frames', `the stack of thread ${s.frames.threadId ?? '?'} at ${hex(s.frames.stackMissingAt)} is not in the dump: no caller could be found`);
      }
    },
  },
  {
    name: 'probable-cause',
    applies: () => true,
    async apply(s) {
      const v = s.verdict;
      const cap = minConfidenceCap(s.findings);
      const blame = first(s.findings, 'blame');
      if (blame) {
        const m = s.modules.byName(blame.module) ?? s.facts.unloadedModules.find((u) => u.name.toLowerCase() === blame.module.toLowerCase());
        const offset = m && blame.address !== undefined ? blame.address - m.base : undefined;
        v.setCause('probable-cause', {
          module: moduleName(blame.module),
          image: blame.module,
          address: blame.address !== undefined ? hex(blame.address) : null,
          offset: offset !== undefined ? hex(offset) : null,
          confidence: Math.min(blame.confidence, cap),
          reason: `${blame.module} is blamed because ${blame.reason}.`,
          ...imageInfo(m, s.facts),
        });
        s.cause = s.frames.find((f) => f.hit?.module.name.toLowerCase() === blame.module.toLowerCase()) ?? null;
        return;
      }
      if (s.findings.some((f) => f.hint?.noBlame)) {
        const why = s.findings.find((f) => f.hint?.noBlame)!;
        v.setCause('probable-cause', { module: null, image: null, address: null, offset: null, confidence: 0, reason: `No module is blamed: ${why.message}.` });
        return;
      }
      // Execution outside every module (DEP, JIT, a smashed return address): the wild frame is
      // reported, and a caller is blamed only when a trusted frame (context, CFI, frame pointer)
      // names it; scan hits are not evidence here.
      const wild = s.frames.walk?.frames[0];
      const wildAt = wild && !s.modules.find(wild.ip) ? wild.ip : undefined;
      const trusted = (f: Frame) => f.trust !== 'scan';
      let picked = pickCause(wildAt !== undefined ? s.frames.filter(trusted) : s.frames);
      if (wildAt !== undefined && picked && picked.strength === 'last') picked = undefined;
      // A walk that ended on system code only (no unwind data, a frame-pointer chain that breaks):
      // the rest of the stack is scanned, weakly, for a module that can be blamed.
      if (wildAt === undefined && (!picked || picked.strength === 'last') && s.frames.stackMissingAt === undefined && s.frames.walk) {
        const extra = await scanBeyondWalk(s.facts, s.frames.walk, s.modules);
        for (const f of extra) {
          f.owner = f.hit ? s.owners.lookup(f.hit.module.name) : null;
        }
        const better = pickCause(extra);
        if (better && (!picked || better.strength !== 'last')) {
          picked = better;
          s.verdict.setFrames('probable-cause', [...s.frames, better.frame].map(frameToReport), s.frames.threadId);
        }
      }
      // With the stack missing, a system module met at the fault is no more than a guess.
      if (picked && picked.strength === 'last' && s.frames.stackMissingAt !== undefined) picked = undefined;
      if (!picked) {
        v.setCause('probable-cause', {
          module: null,
          image: null,
          address: null,
          offset: null,
          confidence: 0,
          reason:
            (wildAt !== undefined
              ? `Execution at ${hex(wildAt)} is outside every loaded module (code on the stack or heap, JIT code, or a smashed return address), and no frame found by unwinding names a module to blame.`
              : s.frames.length === 0
                ? 'No fault address, context or stack memory in the dump points at a module.'
                : 'No frame lands in a module that can be blamed.') +
            (s.frames.stackMissingAt !== undefined ? ` The stack of thread ${s.frames.threadId ?? '?'} (at ${hex(s.frames.stackMissingAt)}) is not in the dump.` : ''),
        });
        return;
      }
      s.cause = picked.frame;
      const f = picked.frame;
      const hit = f.hit!;
      const base =
        f.trust === 'fault'
          ? f.label?.startsWith('Faulting') || f.label?.startsWith('Exception')
            ? 0.9
            : 0.8
          : f.trust === 'context'
            ? 0.7
            : f.trust === 'cfi' || f.trust === 'frame-pointer'
              ? 0.6
              : f.beyondWalk
                ? 0.35
                : 0.45;
      const strength = picked.strength === 'definite' ? 0 : picked.strength === 'maybe' ? 0.15 : 0.25;
      // A module whose range overlaps another's: the address may be either's (hostile or corrupt module list).
      const other = hit.unloaded ? undefined : s.modules.overlapping.get(hit.module as ModuleFacts);
      if (other) {
        const message = `modules ${hit.module.name} (${hex(hit.module.base)}, ${hex(hit.module.size)} bytes) and ${other.name} (${hex(other.base)}, ${hex(other.size)} bytes) overlap: an address in them cannot be attributed with confidence`;
        if (!s.facts.warnings.some((w) => w.code === 'ModulesOverlap' && w.message === message)) s.facts.warnings.push({ code: 'ModulesOverlap', message });
      }
      const confidence = Math.round(Math.max(0.1, Math.min(base - strength, cap, other ? OVERLAP_CAP : 1)) * 100) / 100;
      const how =
        f.trust === 'fault'
          ? `the ${f.label ?? 'fault address'} ${hex(f.address)} is inside it`
          : f.trust === 'context'
            ? `the thread's instruction pointer ${hex(f.address)} is inside it`
            : f.trust === 'cfi'
              ? `the return address ${hex(f.address)}, found by unwinding with unwind data (CFI), is inside it`
              : f.trust === 'frame-pointer'
                ? `the return address ${hex(f.address)}, found by following the frame-pointer chain, is inside it`
                : f.beyondWalk
                  ? `a return address ${hex(f.address)} found by scanning the stack at ${hex(f.stackAddress ?? 0n)}, past where the unwind ended, is inside it (a scan can be fooled by stale values)`
                  : `a return address ${hex(f.address)} found by scanning the stack at ${hex(f.stackAddress ?? 0n)} is inside it (no unwind information: a scan can be fooled by stale values)`;
      const weak = picked.strength === 'definite' ? '' : picked.strength === 'maybe' ? ', and no more specific module was found below it' : ', and nothing else on the stack could be blamed';
      v.setCause('probable-cause', {
        module: moduleName(hit.module.name),
        image: hit.module.name,
        address: hex(f.address),
        offset: hex(hit.offset),
        confidence,
        reason:
          `${hit.module.name}${hit.unloaded ? ' (unloaded)' : ''} is blamed because ${how}${weak}.` +
          (s.frames.stackMissingAt !== undefined ? ` The stack of thread ${s.frames.threadId ?? '?'} (at ${hex(s.frames.stackMissingAt)}) is not in the dump: no caller could be looked at.` : '') +
          (other ? ` Its range overlaps ${other.name}'s in the module list, so the address may be that module's.` : ''),
        ...(picked.owner ? { owner: picked.owner } : {}),
        ...(f.func
          ? { function: f.func.name, functionOffset: hex(f.func.offset), functionSource: f.func.source, ...(f.source?.file !== undefined ? { file: f.source.file } : {}), ...(f.source?.line !== undefined ? { line: f.source.line } : {}) }
          : {}),
        ...imageInfo(hit.module, s.facts),
      });
    },
  },
  {
    name: 'category',
    applies: () => true,
    apply(s) {
      const v = s.verdict;
      const image = v.v.probableCause.image;
      // Whose code the blamed image is: the two owner categories say exactly this, so a kernel
      // verdict's owner category follows the image actually blamed, whichever rule hinted it
      // (Driver Verifier's bug checks or an unloaded driver's range may end on ntoskrnl.exe or a
      // Microsoft driver; a verdict blaming no image names no owner).
      const owner: Category | undefined = image ? (s.owners.isMicrosoft(image) ? 'microsoft' : 'third-party-driver') : undefined;
      const hinted = first(s.findings, 'category');
      if (hinted) {
        if (isUser(s) || (hinted !== 'third-party-driver' && hinted !== 'microsoft') || hinted === owner) return; // a rule decided
        v.note('category', `a rule said ${hinted}, but the blamed image is ${image ? `${image}, ${owner === 'microsoft' ? "Microsoft's" : 'not Microsoft\'s'}` : 'none'}: the category follows the image blamed`);
      }
      if (isUser(s)) {
        v.setCategory('category', 'application');
        return;
      }
      const bc = s.facts.bugcheck;
      const hint = bc ? categoryHint(bc.code, bc.args[0]) : 'other';
      if (hint === 'hardware') return v.setCategory('category', 'hardware');
      if (hint === 'memory-corruption') return v.setCategory('category', 'memory-corruption');
      v.setCategory('category', owner ?? 'unknown');
    },
  },
  {
    name: 'followup',
    applies: () => true,
    apply(s) {
      const owner = s.verdict.v.probableCause.owner;
      const followup = owner && !/^microsoft$/i.test(owner) && owner.toLowerCase() !== 'ignore' ? owner : 'MachineOwner';
      s.verdict.set('followup', 'followup', followup);
    },
  },
  {
    name: 'bucket',
    applies: () => true,
    apply(s) {
      const v = s.verdict;
      const whole = first(s.findings, 'bucket');
      if (whole) return v.set('bucket', 'bucketId', whole);
      let cls = first(s.findings, 'bucketClass');
      if (!cls) {
        const bc = s.facts.bugcheck;
        const ex = s.facts.exception;
        if (bc) cls = bugcheckBucketClass(bc.code, bc.args[0]);
        else if (ex) cls = `APPLICATION_FAULT_${(ex.code >>> 0).toString(16)}`;
        else cls = 'UNKNOWN';
      }
      const image = v.v.probableCause.image;
      // WinDbg's form when symbols name the function: NULL_POINTER_READ_c0000005_ucrtbase.dll!strlen.
      // Export names are not used: the nearest export below may be another function, and a bucket must not move with it.
      const c = v.v.probableCause;
      const fn = image && c.function && c.functionSource !== 'exports' ? `!${shortFunctionName(c.function)}` : '';
      v.set('bucket', 'bucketId', `${cls}_${image ? `${image}${fn}` : v.v.kind === 'hang' && isUser(s) ? s.facts.process?.name ?? s.facts.modules[0]?.name ?? 'Unknown_Image' : 'Unknown_Image'}`);
    },
  },
  {
    name: 'advice',
    applies: () => true,
    apply(s) {
      const v = s.verdict;
      for (const f of s.findings) for (const a of f.hint?.advice ?? []) v.addAdvice('advice', a);
      const c = v.v.probableCause;
      if (!c.image) return;
      // A build id (Windows 10+ reproducible builds, or an impossible date) is never cited as a date.
      const ver = c.imageVersion ? `version ${c.imageVersion}` : '';
      const when = c.imageTimestamp
        ? ` (built ${c.imageTimestamp.slice(0, 10)}${ver ? `, ${ver}` : ''})`
        : c.imageBuildId
          ? ` (${ver ? `${ver}, ` : ''}build id ${c.imageBuildId})`
          : ver
            ? ` (${ver})`
            : '';
      if (v.v.category === 'third-party-driver') {
        v.addAdvice('advice', `Update ${c.image}${when} from its vendor, or remove the software that installed it.`);
        v.addAdvice('advice', `If it keeps crashing, enable Driver Verifier on it: verifier /standard /driver ${c.image} (reboot, reproduce, then verifier /reset).`);
      } else if (v.v.category === 'microsoft' && !isUser(s)) {
        v.addAdvice('advice', `${c.image}${when} is Windows' own code: install the latest Windows updates; if the crash repeats, a third-party driver passing it bad data or memory corruption is more likely than a bug in ${c.image}.`);
      } else if (isUser(s) && v.v.kind === 'crash') {
        v.addAdvice('advice', `Update the application or the component that ships ${c.image}${when}; give its vendor this dump.`);
      }
    },
  },
  {
    name: 'hang-notes',
    applies: (s) => s.verdict.v.kind === 'hang',
    apply(s) {
      const v = s.verdict;
      if (isUser(s)) {
        v.addAdvice('hang-notes', 'A user-mode dump shows every thread\'s stack and the process memory at one instant; it cannot show how long a wait lasted or what another process was doing.');
        return;
      }
      const small = /small|triage|mini/i.test(s.facts.dumpType);
      if (small) {
        v.addAdvice(
          'hang-notes',
          'This small memory dump holds only the thread that raised the bug check: it cannot show the other threads, locks or pending IRPs a hang analysis needs. Set Startup and Recovery to "Kernel memory dump" or "Complete memory dump" (and NMICrashDump=1 under HKLM\\System\\CurrentControlSet\\Control\\CrashControl for NMI-forced dumps) to get an !analyze -hang grade dump next time.',
        );
      } else {
        v.addAdvice('hang-notes', 'This dump holds kernel memory: look at every processor\'s current thread, the lock owners with waiters, and threads blocked for a long time (!analyze -hang, !locks, !running, !stacks in WinDbg).');
      }
    },
  },
  {
    name: 'summary',
    applies: () => true,
    apply(s) {
      const v = s.verdict.v;
      const bc = s.facts.bugcheck;
      const ex = s.facts.exception;
      const what = bc
        ? `bug check ${codeText(bc.code >>> 0)} ${bugcheckName(bc.code)}`
        : ex
          ? exceptionPhrase(s.facts.system.os, ex, s.facts.arch)
          : 'no exception';
      const c = v.probableCause;
      const cause = c.image ? `probable cause ${c.image} (${v.category}, confidence ${c.confidence})` : `no module blamed (${v.category})`;
      const head = v.kind === 'hang' ? `Hang, ${triggerPhrase(v.trigger)}` : v.kind === 'incomplete' ? 'Incomplete dump' : `Crash`;
      s.verdict.set('summary', 'summary', `${head}: ${what}; ${cause}.`);
    },
  },
  {
    name: 'normalize',
    applies: () => true,
    apply(s) {
      const b = s.verdict.v.bucketId.replace(/[^A-Za-z0-9_.!:+-]/g, '_').slice(0, 200);
      s.verdict.set('normalize', 'bucketId', b || 'UNKNOWN');
    },
  },
];

function moduleName(image: string): string {
  return image.replace(/\.(sys|dll|exe|drv)$/i, '');
}

function imageInfo(m: { name: string; path?: string; timestamp?: number; version?: string } | undefined, facts: DumpFacts): { imageTimestamp?: string; imageBuildId?: string; imageVersion?: string } {
  const out: { imageTimestamp?: string; imageBuildId?: string; imageVersion?: string } = {};
  // Reproducible builds (Windows 10+) put a hash in TimeDateStamp: timestamps.ts tells a date from a build id.
  const sys = facts.system;
  const crash = crashTimeCheck(sys.crashTime);
  const lt = m ? linkTimestamp(m.timestamp, m.name, { path: m.path, ...(crash?.plausible ? { crashTime: sys.crashTime } : {}), ...(sys.os === 'windows' && sys.build !== undefined ? { osBuild: sys.build } : {}) }) : undefined;
  if (lt?.kind === 'date') out.imageTimestamp = lt.iso;
  else if (lt) out.imageBuildId = lt.hex;
  if (m && 'version' in m && m.version) out.imageVersion = m.version;
  return out;
}

/** triage.ini walk over the frames: skip ignore; first definite wins; else the first maybe_, else the first last_. */
export function pickCause(frames: Frame[]): { frame: Frame; strength: 'definite' | 'maybe' | 'last'; owner?: string } | undefined {
  let maybe: { frame: Frame; owner: string } | undefined;
  let last: { frame: Frame; owner: string } | undefined;
  for (const f of frames) {
    if (!f.hit) continue;
    const o = f.owner;
    if (!o) return { frame: f, strength: 'definite' };
    if (o.strength === 'ignore') continue;
    if (o.strength === 'definite') return { frame: f, strength: 'definite', owner: o.owner };
    if (o.strength === 'maybe' && !maybe) maybe = { frame: f, owner: o.owner };
    if (o.strength === 'last' && !last) last = { frame: f, owner: o.owner };
  }
  if (maybe) return { ...maybe, strength: 'maybe' };
  if (last) return { ...last, strength: 'last' };
  return undefined;
}

export async function runStages(s: PipelineState, stages: Stage[] = STAGES): Promise<void> {
  for (const stage of stages) {
    try {
      // Most stages are synchronous: only a returned promise is awaited.
      if (stage.applies(s)) {
        const r = stage.apply(s);
        if (r instanceof Promise) await r;
      }
    } catch (e) {
      s.verdict.note(stage.name, `stage failed: ${(e as Error).message}`);
    }
  }
}

