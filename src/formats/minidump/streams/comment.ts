// CommentStreamA (10, ANSI) and CommentStreamW (11, UTF-16LE): the whole stream is the text.

import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeAnsi, decodeUtf16 } from '../../../reader/text.js';
import { readPayload, type StreamDecoder } from '../stream.js';

/** Comments are short notes; longer ones are cut here. */
const MAX_COMMENT = 64 * 1024;

export const commentAStream: StreamDecoder<string> = {
  streamType: StreamType.CommentA,
  key: 'commentA',
  async decode(ctx) {
    return decodeAnsi(await readPayload(ctx, MAX_COMMENT));
  },
};

export const commentWStream: StreamDecoder<string> = {
  streamType: StreamType.CommentW,
  key: 'commentW',
  async decode(ctx) {
    return decodeUtf16(await readPayload(ctx, MAX_COMMENT));
  },
};
