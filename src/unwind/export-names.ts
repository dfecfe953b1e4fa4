// The last-resort namer: a module with no symbol file is named from its image's export table (in
// the dump's memory, or a binary on the symbol path), the nearest named export at or below the
// address, as WinDbg does with export symbols. Frames named this way say so (functionSource
// 'exports'): an export says nothing of where a function ends, so a private function after an
// export takes the export's name with a large offset; buckets never use such names. The table is
// read once per image, with the module's unwinder.

import { findExportBelow, readExports } from '../formats/pe/exports.js';
import type { ExportNamer } from './sources.js';

export const exportNamer: ExportNamer = async (image) => {
  if (!image.exportDirectory) return undefined;
  const list = await readExports(image);
  if (!list.some((e) => e.name)) return undefined;
  return (rva) => {
    const e = findExportBelow(list, rva);
    return e?.name ? { name: e.name, rva: e.rva } : undefined;
  };
};
