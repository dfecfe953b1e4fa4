// A ByteSource that passes every read through and counts them: the largest request, the calls
// and the bytes returned. Subclasses add what they need in `before` (called ahead of each read).

import type { ByteSource } from '../../src/reader/byte-source.js';

export class SpySource implements ByteSource {
  maxRead = 0;
  bytesRead = 0;
  reads = 0;
  constructor(protected readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  get name(): string {
    return this.inner.name;
  }
  /** Called before each read is passed on. */
  protected before(): void {}
  async read(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    return this.count(length, () => this.inner.read(offset, length, struct));
  }
  async readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    return this.count(length, () => this.inner.readAvailable(offset, length, struct));
  }
  private async count(length: number, go: () => Promise<Uint8Array>): Promise<Uint8Array> {
    this.maxRead = Math.max(this.maxRead, length);
    this.reads++;
    this.before();
    const b = await go();
    this.bytesRead += b.length;
    return b;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
