// Typed errors. Every failure that reaches a user names the file, the absolute offset and the
// structure being read. Tests assert `code`, never message text.

import { hex } from './util/hex.js';

export type DumpErrorCode =
  | 'UnknownFormat'
  | 'Unsupported'
  | 'Truncated'
  | 'BadSignature'
  | 'BadVersion'
  | 'OutOfBounds'
  | 'CountTooLarge'
  | 'BadValue'
  | 'NotAFile'
  | 'IoError'
  | 'LimitExceeded'
  | 'MissingRequiredFacts';

export interface DumpErrorInit {
  struct?: string;
  offset?: number;
  path?: string;
  cause?: unknown;
}

export class DumpError extends Error {
  readonly code: DumpErrorCode;
  struct?: string;
  offset?: number;
  path?: string;
  private readonly detail: string;

  constructor(code: DumpErrorCode, detail: string, init: DumpErrorInit = {}) {
    super(detail, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.detail = detail;
    this.struct = init.struct;
    this.offset = init.offset;
    this.path = init.path;
    this.message = this.render();
  }

  /** Attach the file path once, at the entry point. */
  withPath(path: string): this {
    if (this.path === undefined) {
      this.path = path;
      this.message = this.render();
    }
    return this;
  }

  private render(): string {
    const where =
      this.struct !== undefined || this.offset !== undefined
        ? `${this.struct ?? 'data'}${this.offset !== undefined ? ` @${hex(this.offset)}` : ''}: `
        : '';
    return `${this.path !== undefined ? `${this.path}: ` : ''}${where}${this.detail}`;
  }

  toJSON(): { code: DumpErrorCode; message: string; path?: string; offset?: string; struct?: string } {
    return {
      code: this.code,
      message: this.message,
      path: this.path,
      offset: this.offset === undefined ? undefined : hex(this.offset),
      struct: this.struct,
    };
  }
}

/** No signature we know matched. */
export class UnknownFormatError extends DumpError {
  constructor(detail: string, init: DumpErrorInit = {}) {
    super('UnknownFormat', detail, init);
  }
}

/** Recognized, but a variant we do not handle. */
export class UnsupportedDumpError extends DumpError {
  constructor(detail: string, init: DumpErrorInit = {}) {
    super('Unsupported', detail, init);
  }
}

/** Fewer bytes than a structure needs. */
export class TruncatedDumpError extends DumpError {
  readonly wanted: number;
  readonly available: number;
  constructor(init: DumpErrorInit & { wanted: number; available: number }) {
    super(
      'Truncated',
      `needs ${init.wanted} bytes, ${Math.max(0, init.available)} available (truncated dump?)`,
      init,
    );
    this.wanted = init.wanted;
    this.available = Math.max(0, init.available);
  }
}

export type FormatErrorCode = 'BadSignature' | 'BadVersion' | 'OutOfBounds' | 'CountTooLarge' | 'BadValue';

/** Structurally wrong data: bad magic, a pointer or count outside the file. */
export class DumpFormatError extends DumpError {
  constructor(code: FormatErrorCode, detail: string, init: DumpErrorInit = {}) {
    super(code, detail, init);
  }
}

/** The path is not a regular file (directory, FIFO, device) or cannot be opened. */
export class DumpIoError extends DumpError {
  constructor(code: 'NotAFile' | 'IoError', detail: string, init: DumpErrorInit = {}) {
    super(code, detail, init);
  }
}

/** A hard limit from src/limits.ts was hit where no partial result makes sense. */
export class LimitExceededError extends DumpError {
  constructor(detail: string, init: DumpErrorInit = {}) {
    super('LimitExceeded', detail, init);
  }
}

export class TriageError extends DumpError {
  constructor(detail: string, init: DumpErrorInit = {}) {
    super('MissingRequiredFacts', detail, init);
  }
}

export function isDumpError(e: unknown): e is DumpError {
  return e instanceof DumpError;
}

/** A non-fatal anomaly. Goes to `report.warnings`. */
export interface DumpWarning {
  code: string;
  message: string;
  /** Absolute file offset, when the anomaly has one. */
  offset?: number;
}
