// x64 UNWIND_CODE operations (UNWIND_INFO.UnwindCode[].UnwindOp), as LLVM's Win64EH.h numbers them
// (shared/spec/pe-unwind.md §4.2: the old "Unwind Data Definitions in C" page lists them without
// the gaps, which real images do not follow).
export const UnwindOpX64 = {
  PUSH_NONVOL: 0,
  ALLOC_LARGE: 1,
  ALLOC_SMALL: 2,
  SET_FPREG: 3,
  SAVE_NONVOL: 4,
  SAVE_NONVOL_FAR: 5,
  EPILOG: 6,
  SPARE_CODE: 7,
  SAVE_XMM128: 8,
  SAVE_XMM128_FAR: 9,
  PUSH_MACHFRAME: 10,
} as const;
export type UnwindOpX64Name = keyof typeof UnwindOpX64;
