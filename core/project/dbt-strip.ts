// dbt reads every resource file (models, seeds, snapshots, analyses, tests, macros) stripped of
// surrounding whitespace (Python's str.strip()) and writes that text as `raw_code` and its SHA-256
// as `checksum` in manifest.json. Kiln keeps the file as it is for compiling (error lines stay
// the file's); these give the stripped text and its hash for manifest.json and state comparison.
import { hash } from 'node:crypto';

/** Python's whitespace (str.isspace) among one-byte characters: \t\n\v\f\r, \x1c-\x1f, space. */
function asciiSpace(b: number): boolean {
  return (b >= 0x09 && b <= 0x0d) || (b >= 0x1c && b <= 0x20);
}

/** Python's other whitespace: U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. */
function wideSpace(c: number): boolean {
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

function space(c: number): boolean {
  return c < 0x80 ? asciiSpace(c) : wideSpace(c);
}

/** Python's str.strip(); the same string (no copy) when there is nothing to strip, the common case. */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && space(s.charCodeAt(start))) start++;
  while (end > start && space(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** The length of the UTF-8 whitespace character starting at `i`, 0 when there is none. */
function spaceAt(buf: Uint8Array, i: number): number {
  const b = buf[i]!;
  if (b < 0x80) return asciiSpace(b) ? 1 : 0;
  if (b === 0xc2 && i + 1 < buf.length) return buf[i + 1] === 0x85 || buf[i + 1] === 0xa0 ? 2 : 0;
  if (b >= 0xe1 && b <= 0xe3 && i + 2 < buf.length) return wideSpace(((b & 0x0f) << 12) | ((buf[i + 1]! & 0x3f) << 6) | (buf[i + 2]! & 0x3f)) ? 3 : 0;
  return 0;
}

/** The length of the UTF-8 whitespace character ending just before `end`, 0 when there is none. */
function spaceBefore(buf: Uint8Array, end: number, start: number): number {
  const b = buf[end - 1]!;
  if (b < 0x80) return asciiSpace(b) ? 1 : 0;
  if (end - 2 >= start && spaceAt(buf, end - 2) === 2) return 2;
  if (end - 3 >= start && spaceAt(buf, end - 3) === 3) return 3;
  return 0;
}

/**
 * dbt's checksum of a file from its bytes: the SHA-256 of the stripped text, which is the bytes
 * between the first and the last non-whitespace character (a byte order mark is text to dbt).
 * `bytesSha256` is the hash of all the bytes, reused when nothing is stripped.
 */
export function dbtChecksum(buf: Uint8Array, bytesSha256: string): string {
  let start = 0;
  let end = buf.length;
  for (let n; start < end && (n = spaceAt(buf, start)) > 0; ) start += n;
  for (let n; end > start && (n = spaceBefore(buf, end, start)) > 0; ) end -= n;
  return start === 0 && end === buf.length ? bytesSha256 : hash('sha256', buf.subarray(start, end), 'hex');
}

/** A node's raw_code in manifest.json: the stripped file, a snapshot's block as it is (dbt's). */
export function dbtRawCode(n: { readonly resourceType: string; readonly rawCode: string }): string {
  return n.resourceType === 'snapshot' ? n.rawCode : pyStrip(n.rawCode);
}
