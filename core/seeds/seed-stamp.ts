// A large seed is not read when the project is loaded. dbt does the same: a seed file over
// MAXIMUM_SEED_SIZE (1 MiB) gets the checksum `{name: "path", checksum: <original_file_path>}`
// in manifest.json instead of a SHA-256 of its bytes, so hashing a 100 MB CSV never delays a
// command that does not load it. Inside kiln such a seed's `checksum` is its stat stamp (size,
// times, device and inode, as git's index keeps): it changes whenever the file is written, so
// watch and the parse cache still see an edit, and the seed-inference cache can key on it.
// manifest.json and state comparison turn it back into dbt's path checksum (manifestChecksum).
import type fs from 'node:fs';

/** dbt's MAXIMUM_SEED_SIZE: files strictly larger get the path checksum. */
export const BIG_SEED_BYTES = 1024 * 1024;

const PREFIX = 'stat:';

/** The stamp of a seed file over BIG_SEED_BYTES. */
export function seedStamp(st: fs.Stats): string {
  return `${PREFIX}${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.dev}:${st.ino}`;
}

export function isSeedStamp(checksum: string): boolean {
  return checksum.startsWith(PREFIX);
}

/** manifest.json's checksum of a node: dbt's path checksum for a large seed, `none` for a node without a file (a generic test), else the SHA-256. */
export function manifestChecksum(checksum: string, originalFilePath: string): { readonly name: 'sha256' | 'path' | 'none'; readonly checksum: string } {
  return isSeedStamp(checksum) ? { name: 'path', checksum: originalFilePath } : checksum === '' ? { name: 'none', checksum: '' } : { name: 'sha256', checksum };
}

/**
 * Whether a stamp can stand for the file's content: its times are older than `since` (a moment
 * before the stamp was taken) by more than the file system's timestamp granularity. A write
 * after the stamp was taken then gets later times, so the same stamp means the same bytes. A
 * file written just before (git's "racily clean" case) may change again without its stamp
 * changing; its content must be hashed instead.
 */
export function stampSettled(stamp: string, since: number): boolean {
  const [, , mtime, ctime] = stamp.split(':');
  const mtimeMs = Number(mtime);
  const ctimeMs = Number(ctime);
  if (!Number.isFinite(mtimeMs) || !Number.isFinite(ctimeMs)) return false;
  // Whole-second times: a file system with coarse timestamps (FAT, HFS+, some network ones).
  const slack = mtimeMs % 1000 === 0 && ctimeMs % 1000 === 0 ? 2100 : 100;
  return mtimeMs < since - slack && ctimeMs < since - slack;
}
