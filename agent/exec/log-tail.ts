/** Reads what was appended to a log file since the last read (a task's stdout.log or stderr.log, followed). */
import { closeSync, openSync, readSync } from 'node:fs';

export class LogTail {
  private offset = 0;
  constructor(private readonly path: string) {}

  /** The bytes written since the last call; empty when none (or the file does not exist yet). */
  read(): Buffer {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return Buffer.alloc(0);
    }
    try {
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        chunks.push(Buffer.from(buf.subarray(0, n)));
      }
      return Buffer.concat(chunks);
    } finally {
      closeSync(fd);
    }
  }
}
