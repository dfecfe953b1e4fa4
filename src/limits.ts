// Hard limits, in one place, each with the reason for its value. Exceeding one is a warning with
// a partial result wherever the rest of the dump is usable (the count is clamped), and a
// LimitExceededError only where nothing sensible can follow.

export const LIMITS = {
  /** Streams in a minidump directory. Real dumps have < 30; breakpad caps at 4096. */
  maxStreams: 4096,
  /** Modules (user) or drivers (kernel). Big servers load ~600 drivers; processes ~2000 DLLs. */
  maxModules: 16_384,
  /** Threads in a minidump. Busy processes reach a few thousand. */
  maxThreads: 65_536,
  /** Memory ranges in MemoryList / Memory64List / MemoryInfoList (full dumps: ~100k regions). */
  maxMemoryRanges: 1_000_000,
  /** Handles in HandleData. */
  maxHandles: 1_000_000,
  /** Entries walked in a kernel linked list (PsLoadedModuleList...) before we call it a loop. */
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
