// Hard limits, in one place, each with the reason for its value. Exceeding one is a warning with
// a partial result wherever the rest of the dump is usable (the count is clamped), and a
// LimitExceededError only where nothing sensible can follow.
//
// "Worst case" below is a legal input at the limit with its data really present, run through the
// CLI (bench/limits.bench.ts; 2 vCPU, Node 20; `node -e 0` is 0.06 s, 40 MiB): wall time, peak
// RSS and output of `dumptriage F --json` / `dumptriage dump F --json`. Every default path stays
// under 1 s and 256 MiB; `dump --all` is the user asking for every entry and is listed apart.

export const LIMITS = {
  /** Streams in a minidump directory. Real dumps have < 30; breakpad caps at 4096.
   * Worst case (4,096 entries): 0.26 s, 71 MiB, 310 KB / dump 0.25 s, 79 MiB. */
  maxStreams: 4096,
  /** Modules (user) or drivers (kernel). Big servers load ~600 drivers; processes ~2000 DLLs.
   * Worst case, minidump (16,384 modules, 250-character paths, CodeView each): 0.52 s, 141 MiB,
   * 4.9 MB / dump 0.57 s, 168 MiB; kernel triage dump (16,384 drivers, 1,024-character names):
   * 0.45 s, 152 MiB, 2.7 MB. */
  maxModules: 16_384,
  /** Threads in a minidump. Busy processes reach a few thousand.
   * Worst case (65,536 threads sharing one CONTEXT and stack): 0.72 s, 210 MiB, 1.3 MB / dump
   * 0.47 s, 149 MiB, 553 KB (--all: 0.79 s, 338 MiB, 35.7 MB). */
  maxThreads: 65_536,
  /** Memory ranges in MemoryList / Memory64List / MemoryInfoList (full dumps: ~100k regions).
   * The MemoryInfoList is also bounded by streamReadCap: 349,525 entries of 48 bytes.
   * Worst case: 10^6 MemoryList ranges 0.36 s, 127 MiB / dump 0.28 s, 75 MiB; 10^6 Memory64List
   * ranges (a 64 GiB sparse file) 0.42 s, 128 MiB / dump 0.27 s, 75 MiB; MemoryInfoList 0.30 s,
   * 69 MiB / dump 0.32 s, 79 MiB. `dump --all` of such a table: 2.9-3.9 s, 0.9-1.1 GiB,
   * 114-142 MB of JSON. Triage: ~4 ms per 10^5 ranges warm (bench/memory-list.bench.ts). */
  maxMemoryRanges: 1_000_000,
  /** Handles in HandleData (also bounded by streamReadCap: 419,430 of 40 bytes).
   * Worst case (10^6 handles): 0.27 s, 104 MiB / dump 0.36 s, 104 MiB (--all: 2.0 s, 799 MiB,
   * 120 MB). Names are read for the first 4,096. */
  maxHandles: 1_000_000,
  /** Entries walked in a kernel linked list (PsLoadedModuleList...) before we call it a loop.
   * Worst case (a 140 MB complete dump, 16,384 loader entries with 1,024-character names and a
   * PE header page each): 2.1 s, 133-294 MiB, 3.5 MB: 73 MB of pages read one at a time. No
   * dump under 64 MiB can hold that many mapped headers; real systems load < 1,000 drivers. */
  maxListWalk: 16_384,
  /** Characters in one string read from a dump (module paths are < 32k UTF-16 units by API). */
  maxStringChars: 32_768,
  /** Bytes of string data (UTF-16/UTF-8) decoded from one dump, all strings together. Real dumps
   * decode < 400 KiB (2000 modules x 100-char paths; the corpus: < 64 KiB). Without a total,
   * entries that all point at one 64 KiB string turn a 1 MiB file into a report of gigabytes, and
   * NUL-filled names grow 6x more as JSON "\u0000" escapes (found by the fuzzer). */
  maxStringBytesPerDump: 1024 * 1024,
  /** Virtual pages translated in one triage (page-table walks are the dominant kernel cost). */
  maxPagesTranslated: 65_536,
  /** Bytes a single read may ask for: no structure we decode in one piece is larger. */
  maxSingleRead: 64 * 1024 * 1024,
  /** Bytes of a stream read in one go; larger streams are paged. */
  streamReadCap: 16 * 1024 * 1024,
  /** Bytes of stack scanned for return addresses (WinDbg's kv scans a few KiB). */
  maxStackScanBytes: 256 * 1024,
  /** Frames walked per thread. !analyze's STACK_TEXT and minidump-stackwalk's reports rarely need
   * more than a few dozen; the cause is nearly always in the first ten. */
  maxFramesPerThread: 64,
  /** Frames walked per thread other than the focus thread (the verdict stands on the focus thread). */
  otherThreadFrames: 16,
  /** Frames walked in one dump, all threads together (65,536 threads x 64 frames would be 4 M). */
  maxFramesPerDump: 16_384,
  /** Stack bytes the threads other than the focus thread may read, all together (the default
   * report's facts stay within 256 KiB; this comes on top). Each gets an equal part between
   * threadStackBytesMin and threadStackBytesMax; past the budget a thread keeps its context frame. */
  otherThreadsStackBytes: 128 * 1024,
  /** A thread's part of otherThreadsStackBytes, at least: two 1 KiB chunks cover breakpad's
   * 160-word scan after the context frame on x64. */
  threadStackBytesMin: 2048,
  /** ... and at most. */
  threadStackBytesMax: 16 * 1024,
  /** Threads walked in one dump; the rest keep their context frame (with a warning). */
  maxWalkedThreads: 2048,
  /**
   * Threads listed in a report (the rest are counted in threadsOmitted, with a warning; the
   * crashing thread and the verdict's are always listed). A legal minidump may hold 65,536 threads
   * sharing one CONTEXT: listing them all made an 18 MB report.
   */
  maxReportThreads: 4096,
  /** Physical memory runs in a kernel dump header (real: < 100). */
  maxPhysicalRuns: 4096,
  /** Warnings kept per dump: a hostile dump can trigger one per table entry; past this, one TooManyWarnings. */
  maxWarnings: 1000,
  /** Bytes of the default report, the budget the foundation issue sets. */
  reportReadBudget: 256 * 1024,
  /** Bytes kept of one log line (vmware.log / hostd / vmkernel). Real lines are < 4 KiB; a longer
   * one is cut (counted as overlong) so a log without newlines cannot grow memory. */
  maxLogLineBytes: 16 * 1024,
  /** Log files taken from the paths given to vmlog (a vm-support bundle has a few hundred). */
  maxVmLogFiles: 10_000,
  /** Folder depth walked inside a vm-support bundle (its logs sit < 10 levels deep). */
  maxVmLogDirDepth: 16,
  /** Log events kept in memory (crashes, NMIs, hypervisor events); more are counted, not kept. */
  maxVmEvents: 100_000,
} as const;

export type LimitName = keyof typeof LIMITS;
