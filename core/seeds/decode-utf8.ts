// Turns a seed file's bytes into text: strips a UTF-8 BOM and rejects invalid UTF-8 with the
// line it occurs on (TextDecoder would silently substitute U+FFFD and corrupt the data).
import { isUtf8 } from 'node:buffer';

export interface DecodedText {
  readonly text: string;
}

export interface InvalidUtf8 {
  /** Byte offset of the first invalid sequence. */
  readonly offset: number;
  /** 1-based physical line of that offset. */
  readonly line: number;
}

const BOM = [0xef, 0xbb, 0xbf];

export function hasBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}

/** Decodes UTF-8 (BOM stripped) or reports where the first invalid byte is. */
export function decodeUtf8(bytes: Buffer): DecodedText | InvalidUtf8 {
  const body = hasBom(bytes) ? bytes.subarray(3) : bytes;
  if (isUtf8(body)) return { text: body.toString('utf8') };
  const offset = firstInvalidUtf8(body);
  return { offset, line: lineOfOffset(body, offset) };
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return b.length;
}

function lineOfOffset(b: Uint8Array, offset: number): number {
  let line = 1;
  // \n, \r\n and a lone \r each end a line, as in the CSV parser.
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a || (b[i] === 0x0d && b[i + 1] !== 0x0a)) line++;
  }
  return line;
}
