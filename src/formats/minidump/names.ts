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

const flagBits = Object.entries(MinidumpTypeFlag).map(([name, bit]) => [name, BigInt(bit)] as const);
/** The names of the few flag words dumps use (a scan meets the same ones thousands of times). */
const flagNamesSeen = new Map<bigint, readonly string[]>();

/** MINIDUMP_TYPE flag names for the header Flags (unknown bits as hex). A new array each call. */
export function minidumpFlagNames(flags: bigint): string[] {
  const seen = flagNamesSeen.get(flags);
  if (seen) return [...seen];
  const names = flagNamesOf(flags);
  if (flagNamesSeen.size < 64) flagNamesSeen.set(flags, names);
  return [...names];
}

function flagNamesOf(flags: bigint): string[] {
  const names: string[] = [];
  let rest = flags;
  for (const [name, bit] of flagBits) {
    if (flags & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (names.length === 0 && rest === 0n) names.push('MiniDumpNormal');
  if (rest !== 0n) names.push(hex(rest));
  return names;
}
