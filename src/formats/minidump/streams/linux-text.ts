// breakpad Linux text streams: /proc/cpuinfo, /proc/self/status, /etc/lsb-release, cmdline,
// environ, maps. Text is kept as written (NUL separators become spaces / entries).

import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeUtf8 } from '../../../reader/text.js';
import { readPayload, type StreamDecoder } from '../stream.js';

/** Text streams are read up to this size (maps of big processes are larger: cut, warned). */
const MAX_TEXT = 1024 * 1024;

function textDecoder(streamType: number, key: string): StreamDecoder<string> {
  return {
    streamType,
    key,
    async decode(ctx) {
      return decodeUtf8(await readPayload(ctx, MAX_TEXT), false);
    },
  };
}

function nulListDecoder(streamType: number, key: string): StreamDecoder<string[]> {
  return {
    streamType,
    key,
    async decode(ctx) {
      const text = decodeUtf8(await readPayload(ctx, MAX_TEXT), false);
      return text.split('\0').filter((s) => s.length > 0);
    },
  };
}

export const linuxCpuInfoStream = textDecoder(StreamType.LinuxCpuInfo, 'linuxCpuInfo');
export const linuxProcStatusStream = textDecoder(StreamType.LinuxProcStatus, 'linuxProcStatus');
export const linuxLsbReleaseStream = textDecoder(StreamType.LinuxLsbRelease, 'linuxLsbRelease');
export const linuxMapsStream = textDecoder(StreamType.LinuxMaps, 'linuxMaps');
export const linuxCmdLineStream = nulListDecoder(StreamType.LinuxCmdLine, 'linuxCmdLine');
export const linuxEnvironStream = nulListDecoder(StreamType.LinuxEnviron, 'linuxEnviron');

/**
 * "KEY=value" lines (lsb-release, os-release) → object. Null-prototype: the keys are the dump's, and
 * `__proto__=x` is a key like any other.
 */
export function parseKeyValues(text: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}
