/**
 * The zip container of a tszip file: its central directory, and each member's bytes.
 *
 * What it is for: finding members by name in a zip held in memory, as Python's `zipfile` reads
 * the `ZipStore` zarr writes (members stored, not deflated; ZIP64 records where a size or an
 * offset passes 4 GiB). A name written more than once (zarr rewrites `.zattrs` and `.zgroup` as
 * attributes are added) means its last entry, as `zipfile` does. Every offset and size is
 * checked against the bytes held before it is used.
 *
 * What it is not: a general unzipper. Compressed (deflated) or encrypted members are refused,
 * since tszip never writes them.
 */
import { TreeSeqError } from "../errors.js";

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
/** The end record is 22 bytes plus a comment of at most 65,535. */
const MAX_END_SEARCH = 22 + 0xffff;

/** `PK\x03\x04`: a zip file's first bytes (its first member's local header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function bad(message: string): TreeSeqError {
  return new TreeSeqError("FILE_FORMAT", `tszip file: ${message}`);
}

interface Entry {
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localHeader: number;
}

/** A zip archive in memory: member names and their bytes (views, not copies). */
export class ZipArchive {
  private readonly entries = new Map<string, Entry>();
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = this.findEnd();
    let count = this.u16(end + 10);
    let dirSize = this.u32(end + 12);
    let dirStart = this.u32(end + 16);
    if (count === 0xffff || dirSize === 0xffffffff || dirStart === 0xffffffff) {
      ({ count, dirSize, dirStart } = this.zip64End(end));
    }
    if (dirStart + dirSize > end) throw bad(`the central directory (${dirSize} bytes at ${dirStart}) runs past its end record at ${end}`);
    let at = dirStart;
    for (let i = 0; i < count; i++) {
      if (at + 46 > dirStart + dirSize || this.u32(at) !== CENTRAL_HEADER) {
        throw bad(`central directory entry ${i} of ${count} at byte ${at} is missing or damaged`);
      }
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      const next = at + 46 + nameLength + extraLength + commentLength;
      if (next > dirStart + dirSize) throw bad(`central directory entry ${i} at byte ${at} runs past the directory`);
      const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
      const entry: Entry = {
        flags: this.u16(at + 8),
        method: this.u16(at + 10),
        compressedSize: this.u32(at + 20),
        size: this.u32(at + 24),
        localHeader: this.u32(at + 42),
      };
      this.zip64Extra(entry, at + 46 + nameLength, extraLength, name);
      this.entries.set(name, entry);
      at = next;
    }
  }

  /** Every member name (each once). */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** A member's bytes, or null when there is no such member. */
  read(name: string): Uint8Array | null {
    const e = this.entries.get(name);
    if (!e) return null;
    if (e.flags & 1) throw bad(`member ${name} is encrypted`);
    if (e.method !== 0) {
      throw bad(`member ${name} is compressed with zip method ${e.method}; tszip stores its members uncompressed (method 0)`);
    }
    if (e.compressedSize !== e.size) throw bad(`member ${name} is stored but its sizes differ (${e.compressedSize} and ${e.size})`);
    const h = e.localHeader;
    if (h + 30 > this.bytes.length || this.u32(h) !== LOCAL_HEADER) {
      throw bad(`member ${name}'s local header at byte ${h} is missing (the file has ${this.bytes.length} bytes: truncated?)`);
    }
    const start = h + 30 + this.u16(h + 26) + this.u16(h + 28);
    if (start + e.size > this.bytes.length) {
      throw bad(
        `member ${name} claims ${e.size} bytes at byte ${start}, past the end of the file (${this.bytes.length} bytes: truncated?)`,
      );
    }
    return this.bytes.subarray(start, start + e.size);
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  private u64(at: number, what: string): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(this.bytes.length)) throw bad(`${what} is ${v}, more than the file's ${this.bytes.length} bytes`);
    return Number(v);
  }

  /** The end-of-central-directory record: searched for backwards over the longest comment. */
  private findEnd(): number {
    const stop = Math.max(0, this.bytes.length - MAX_END_SEARCH);
    for (let at = this.bytes.length - 22; at >= stop; at--) {
      if (this.u32(at) === END_OF_DIRECTORY) return at;
    }
    throw bad(
      `no zip end-of-central-directory record in its last ${MAX_END_SEARCH} bytes (the file has ${this.bytes.length} bytes: truncated?)`,
    );
  }

  private zip64End(end: number): { count: number; dirSize: number; dirStart: number } {
    const locator = end - 20;
    if (locator < 0 || this.u32(locator) !== ZIP64_LOCATOR) throw bad("the end record points to a ZIP64 record that is missing");
    const record = this.u64(locator + 8, "the ZIP64 end record's offset");
    if (record + 56 > locator || this.u32(record) !== ZIP64_END) throw bad(`no ZIP64 end record at byte ${record}`);
    return {
      count: this.u64(record + 32, "the ZIP64 entry count"),
      dirSize: this.u64(record + 40, "the ZIP64 directory size"),
      dirStart: this.u64(record + 48, "the ZIP64 directory offset"),
    };
  }

  /** Sizes and offsets of 0xFFFFFFFF are in the ZIP64 extra field (id 1), in this order. */
  private zip64Extra(e: Entry, start: number, length: number, name: string): void {
    const fields = (["size", "compressedSize", "localHeader"] as const).filter((k) => e[k] === 0xffffffff);
    if (fields.length === 0) return;
    for (let at = start; at + 4 <= start + length; ) {
      const id = this.u16(at);
      const size = this.u16(at + 2);
      if (id === 1) {
        if (size < 8 * fields.length) throw bad(`member ${name}'s ZIP64 field has ${size} bytes, needs ${8 * fields.length}`);
        fields.forEach((k, i) => {
          e[k] = this.u64(at + 4 + 8 * i, `member ${name}'s ZIP64 ${k}`);
        });
        return;
      }
      at += 4 + size;
    }
    throw bad(`member ${name} needs a ZIP64 field and has none`);
  }
}
