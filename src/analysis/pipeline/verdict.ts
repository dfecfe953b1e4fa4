// A Verdict under construction whose setters log a trail entry for every change (STYLE §8).
import type { Category, ProbableCause, ReportFrame, ReportFinding, Verdict, VerdictKind } from '../report.js';

type TrailEntry = NonNullable<Verdict['trail']>[number];

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  return v;
}

export class VerdictBuilder {
  readonly v: Verdict;
  readonly trail: TrailEntry[] = [];

  constructor(initial?: Partial<Verdict>) {
    this.v = {
      kind: 'crash',
      trigger: 'unknown',
      category: 'unknown',
      probableCause: { module: null, image: null, address: null, offset: null, confidence: 0, reason: 'no cause identified' },
      bucketId: 'UNKNOWN',
      followup: 'MachineOwner',
      summary: '',
      frames: [],
      findings: [],
      advice: [],
      ...initial,
    };
  }

  set<K extends 'kind' | 'trigger' | 'category' | 'bucketId' | 'followup' | 'summary'>(stage: string, field: K, value: Verdict[K]): void {
    const from = this.v[field];
    if (from === value) return;
    (this.v as unknown as Record<string, unknown>)[field] = value;
    this.trail.push({ stage, field, from: plain(from), to: plain(value) });
  }

  setKind(stage: string, kind: VerdictKind): void {
    this.set(stage, 'kind', kind);
  }

  setCategory(stage: string, category: Category): void {
    this.set(stage, 'category', category);
  }

  setCause(stage: string, cause: ProbableCause): void {
    const from = this.v.probableCause;
    this.v.probableCause = cause;
    this.trail.push({ stage, field: 'probableCause', from: from.module ?? from.reason, to: cause.module ?? cause.reason });
  }

  setFrames(stage: string, frames: ReportFrame[], threadId?: number): void {
    this.v.frames = frames;
    if (threadId !== undefined) this.v.frameThreadId = threadId;
    this.trail.push({ stage, field: 'frames', from: null, to: `${frames.length} frames` });
  }

  setFindings(stage: string, findings: ReportFinding[]): void {
    this.v.findings = findings;
    this.trail.push({ stage, field: 'findings', from: null, to: `${findings.length} findings` });
  }

  addAdvice(stage: string, advice: string): void {
    if (this.v.advice.includes(advice)) return;
    this.v.advice.push(advice);
    this.trail.push({ stage, field: 'advice', from: null, to: advice });
  }

  note(stage: string, message: string): void {
    this.trail.push({ stage, field: 'note', from: null, to: message });
  }

  build(): Verdict {
    return { ...this.v, trail: this.trail };
  }
}
