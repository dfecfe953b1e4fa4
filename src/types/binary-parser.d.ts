// binary-parser ships its declarations at dist/binary_parser.d.ts, but its package.json
// "exports" map does not point at them, so NodeNext resolution cannot find them. Re-export.
declare module 'binary-parser' {
  export * from 'binary-parser/dist/binary_parser.js';
}
