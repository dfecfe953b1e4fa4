// The tool's version, in one place (CLI --version, scan index fingerprint). Keep equal to
// package.json "version"; test/version.test.ts checks it.
export const VERSION = '0.1.0';
