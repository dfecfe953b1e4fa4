// Names of stream types and MINIDUMP_TYPE flags, for describe()/details() and messages.

import { MinidumpTypeFlag, StreamType } from '../../../native-structs/constants/minidump.js';
import { hex } from '../../util/hex.js';

const streamNames = new Map<number, string>(Object.entries(StreamType).map(([k, v]) => [v, `${k}Stream`]));

/** "ThreadListStream", "BreakpadInfoStream", or "0x10000" for unknown types. */
export function streamTypeName(type: number): string {
  return streamNames.get(type) ?? (type > 0xffff ? `UserStream ${hex(type)}` : `Stream ${hex(type)}`);
}

export function isKnownStreamType(type: number): boolean {
  return streamNames.has(type);
}

/** MINIDUMP_TYPE flag names for the header Flags (unknown bits as hex). */
export function minidumpFlagNames(flags: bigint): string[] {
  const names: string[] = [];
  let rest = flags;
  for (const [name, bit] of Object.entries(MinidumpTypeFlag)) {
    if (flags & BigInt(bit)) {
      names.push(name);
      rest &= ~BigInt(bit);
    }
  }
  if (names.length === 0 && rest === 0n) names.push('MiniDumpNormal');
  if (rest !== 0n) names.push(hex(rest));
  return names;
}
