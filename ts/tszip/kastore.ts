/**
 * Writing a kastore file, laid out as kastore lays it out (and as the core's `KastoreWriter`
 * does, crates/treeseq-core/src/kastore.rs): a 64-byte header, one 64-byte descriptor per item
 * in key order (bytewise), the keys packed after them, then each array on an 8-byte boundary.
 *
 * What it is for: turning a tszip file's columns into the `.trees` file tskit would write, so
 * that the backends load it with every check they make for any file. Each item writes its own
 * array into the one output buffer, so no column is copied twice; that buffer can be the one
 * the threaded WebAssembly build loads the file in (sources.ts).
 */
import { TreeSeqError } from "../errors.js";

/** kastore's element type codes. */
export const KAS = { i8: 0, u8: 1, i16: 2, u16: 3, i32: 4, u32: 5, i64: 6, u64: 7, f32: 8, f64: 9 } as const;
export type KasType = keyof typeof KAS;
const SIZE: Record<KasType, number> = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8, f32: 4, f64: 8 };

export const KASTORE_MAGIC = [0x89, 0x4b, 0x41, 0x53, 0x0d, 0x0a, 0x1a, 0x0a];
const HEADER = 64;
const DESCRIPTOR = 64;

export interface KastoreItem {
  key: string;
  type: KasType;
  length: number;
  /** Writes the array's `length` elements into `dest` (exactly their bytes, little-endian). */
  write(dest: Uint8Array): void;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The items in file order (keys bytewise), each with its key's bytes. */
function sortedItems(items: KastoreItem[]): { it: KastoreItem; key: Uint8Array }[] {
  const enc = new TextEncoder();
  return items.map((it) => ({ it, key: enc.encode(it.key) })).sort((a, b) => compareBytes(a.key, b.key));
}

/** The size in bytes of the file `items` make (the padding before each array depends on the order). */
export function kastoreSize(items: KastoreItem[]): number {
  const sorted = sortedItems(items);
  let size = HEADER + items.length * DESCRIPTOR;
  for (const s of sorted) size += s.key.length;
  for (const s of sorted) size = align8(size) + s.it.length * SIZE[s.it.type];
  return size;
}

/** The kastore file of `items` (keys distinct): its size, and how to write it into a buffer of
 * that size (a fresh one, or where a backend keeps its files: see sources.ts). */
export function kastoreFile(items: KastoreItem[]): { size: number; writeInto(out: Uint8Array): void } {
  const sorted = sortedItems(items);
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1].key, sorted[i].key) === 0) throw new TreeSeqError("INTERNAL", `kastore key ${sorted[i].it.key} twice`);
  }
  const size = kastoreSize(items);
  return {
    size,
    writeInto(out) {
      if (out.length !== size) throw new TreeSeqError("INTERNAL", `a kastore file of ${size} bytes written into ${out.length}`);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      out.set(KASTORE_MAGIC, 0);
      view.setUint16(8, 1, true);
      view.setUint16(10, 0, true);
      view.setUint32(12, sorted.length, true);
      view.setBigUint64(16, BigInt(size), true);
      let keyAt = HEADER + sorted.length * DESCRIPTOR;
      let arrayAt = keyAt + sorted.reduce((n, s) => n + s.key.length, 0);
      sorted.forEach(({ it, key }, j) => {
        arrayAt = align8(arrayAt);
        const d = HEADER + j * DESCRIPTOR;
        const bytes = it.length * SIZE[it.type];
        out[d] = KAS[it.type];
        view.setBigUint64(d + 8, BigInt(keyAt), true);
        view.setBigUint64(d + 16, BigInt(key.length), true);
        view.setBigUint64(d + 24, BigInt(arrayAt), true);
        view.setBigUint64(d + 32, BigInt(it.length), true);
        out.set(key, keyAt);
        it.write(out.subarray(arrayAt, arrayAt + bytes));
        keyAt += key.length;
        arrayAt += bytes;
      });
    },
  };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
