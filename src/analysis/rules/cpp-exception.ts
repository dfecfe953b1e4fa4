// 0xE06D7363: a Visual C++ `throw` nobody caught. The thrown type's decorated name is read from
// the dump memory: ThrowInfo → CatchableTypeArray → CatchableType → TypeDescriptor.name
// (image-relative offsets on 64-bit, absolute pointers on x86).
import { hex } from '../../util/hex.js';
import { defineRule, type RuleContext } from './types.js';

const MAX_NAME = 256;

/** ".?AVruntime_error@std@@" → "std::runtime_error" (class/struct names only; others as-is). */
export function undecorateTypeName(decorated: string): string {
  const m = /^\.\?A[VUT](.+)@@$/.exec(decorated);
  if (!m) return decorated;
  return m[1]!.split('@').filter(Boolean).reverse().join('::');
}

export async function readThrownType(ctx: Pick<RuleContext, 'readMemory' | 'facts'>, params: readonly bigint[]): Promise<string | undefined> {
  const ps = ctx.facts.pointerSize;
  const throwInfo = params[2];
  if (!throwInfo) return undefined;
  const base = ps === 8 ? (params[3] ?? 0n) : 0n;
  const rel = (v: number | bigint): bigint => (ps === 8 ? base + BigInt(v) : BigInt(v));
  const ti = await ctx.readMemory(throwInfo, 16);
  if (!ti) return undefined;
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cta = ps === 8 ? dv(ti).getInt32(12, true) : dv(ti).getUint32(12, true);
  if (cta === 0) return undefined;
  const arr = await ctx.readMemory(rel(cta), 8);
  if (!arr || dv(arr).getInt32(0, true) <= 0) return undefined;
  const ct = ps === 8 ? dv(arr).getInt32(4, true) : dv(arr).getUint32(4, true);
  const ctBytes = await ctx.readMemory(rel(ct), 8);
  if (!ctBytes) return undefined;
  const td = ps === 8 ? dv(ctBytes).getInt32(4, true) : dv(ctBytes).getUint32(4, true);
  // Read the NUL-terminated name 16 bytes at a time (the rest of the page may be absent).
  const nameAt = rel(td) + BigInt(2 * ps);
  let name = '';
  for (let o = 0; o < MAX_NAME; o += 16) {
    let chunk = await ctx.readMemory(nameAt + BigInt(o), 16);
    if (!chunk) {
      // The name may end right before missing memory: take it byte by byte.
      const bytes: number[] = [];
      for (let i = 0; i < 16; i++) {
        const b = await ctx.readMemory(nameAt + BigInt(o + i), 1);
        if (!b) break;
        bytes.push(b[0]!);
        if (b[0] === 0) break;
      }
      if (!bytes.includes(0)) return undefined;
      chunk = Uint8Array.from(bytes);
    }
    const end = chunk.indexOf(0);
    name += String.fromCharCode(...chunk.subarray(0, end >= 0 ? end : 16));
    if (end >= 0) break;
  }
  if (name === '') return undefined;
  return /^[\x20-\x7e]+$/.test(name) ? name : undefined;
}

export default defineRule({
  meta: {
    id: 'cpp-exception',
    stability: 'stable',
    needs: ['exception', 'memory'],
    docs: { description: 'Uncaught C++ exceptions (0xE06D7363): names the thrown type from the dump memory when present' },
    messages: {
      thrown: 'Uncaught C++ exception of type {{type}} ({{decorated}})',
      unknownType: 'Uncaught C++ exception; the thrown type information ({{throwInfo}}) is not in the dump',
    },
  },
  create(ctx) {
    return {
      async exception(ex) {
        if ((ex.code >>> 0) !== 0xe06d7363 || ctx.facts.format !== 'minidump') return;
        const decorated = await readThrownType(ctx, ex.parameters);
        if (decorated) {
          const type = undecorateTypeName(decorated);
          ctx.report({
            messageId: 'thrown',
            data: { type, decorated },
            hint: { notes: { cppType: type }, bucketClass: `CPP_EXCEPTION_${type.replace(/[^A-Za-z0-9_:]/g, '_')}_e06d7363`, priority: 2 },
            evidence: [ex.at],
          });
        } else {
          ctx.report({ messageId: 'unknownType', data: { throwInfo: hex(ex.parameters[2] ?? 0n) }, evidence: [ex.at] });
        }
      },
    };
  },
});
