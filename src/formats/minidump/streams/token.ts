// TokenStream (19): MINIDUMP_TOKEN_INFO_LIST + {MINIDUMP_TOKEN_INFO_HEADER, raw token bytes}[].

import { MINIDUMP_TOKEN_INFO_HEADER, MINIDUMP_TOKEN_INFO_LIST } from '../../../../native-structs/minidump/process.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { DumpFormatError } from '../../../errors.js';
import { readPayload, type StreamDecoder } from '../stream.js';

export interface TokenEntry {
  tokenSize: number;
  tokenId: number;
  tokenHandle: bigint;
  data: Uint8Array;
}

const MAX_TOKENS = 4096;

export const tokenStream: StreamDecoder<{ entries: number; tokens: TokenEntry[] }> = {
  streamType: StreamType.Token,
  key: 'token',
  async decode(ctx) {
    const e = ctx.entry;
    const bytes = await readPayload(ctx);
    const h = decodeStruct<{ tokenListSize: number; tokenListEntries: number; listHeaderSize: number; elementHeaderSize: number }>(MINIDUMP_TOKEN_INFO_LIST, bytes, e.rva);
    if (h.listHeaderSize < 16 || h.elementHeaderSize < 16) throw new DumpFormatError('BadValue', `token list header sizes ${h.listHeaderSize}/${h.elementHeaderSize} are too small`, { struct: MINIDUMP_TOKEN_INFO_LIST.name, offset: e.rva });
    const tokens: TokenEntry[] = [];
    let at = h.listHeaderSize;
    for (let i = 0; i < Math.min(h.tokenListEntries, MAX_TOKENS); i++) {
      if (at + 16 > bytes.length) {
        ctx.file.warn('CountClamped', `TokenStream: ${h.tokenListEntries} entries claimed, ${i} fit`, e.rva);
        break;
      }
      const t = decodeStruct<{ tokenSize: number; tokenId: number; tokenHandle: bigint }>(MINIDUMP_TOKEN_INFO_HEADER, bytes, e.rva, at);
      const end = Math.min(bytes.length, at + Math.max(t.tokenSize, h.elementHeaderSize));
      tokens.push({ ...t, data: bytes.slice(at + h.elementHeaderSize, end) });
      if (t.tokenSize < h.elementHeaderSize) break;
      at += t.tokenSize;
    }
    return { entries: h.tokenListEntries, tokens };
  },
};
