// Shared types of the stack walker (src/unwind/) and the unwind-data readers below it
// (src/formats/pe, src/formats/breakpad-sym). Registers are named in lowercase the way the CPU
// context names them (rip rsp rbp rbx ...; eip esp ebp ebx esi edi; pc sp fp lr x0..x28 on ARM64,
// where fp = x29 and lr = x30).

/** How a frame was found, strongest first. */
export type FrameTrust = 'context' | 'cfi' | 'frame-pointer' | 'scan';

/** Register name -> value. Only registers whose value is known are present. */
export type RegisterSet = Map<string, bigint>;

/** Reads target memory: all `length` bytes at `address`, or undefined when any is absent. */
export type ReadMemory = (address: bigint, length: number) => Promise<Uint8Array | undefined>;

/** What one unwind step produced: the caller's registers and the canonical frame address. */
export interface UnwindStep {
  /** Caller's registers: at least the instruction pointer and stack pointer. */
  registers: RegisterSet;
  /** Canonical frame address (the callee's SP at the call, before the return address was pushed). */
  cfa?: bigint;
}

/** A reason an unwinder could not use its data for this frame (the walker falls back and warns). */
export interface UnwindProblem {
  code: 'BadUnwindData' | 'UnwindDataMissing' | 'ChainTooDeep' | 'UnwindLoop' | 'BadExpression';
  message: string;
}
