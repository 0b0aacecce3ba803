// The JSON text of flat objects that recur with the same content (the configs of a folder's
// models, of every data test): remembered, and given again for an object JSON.stringify would
// write alike, after a comparison much cheaper than writing it.

/** What a remembered value must be again: a primitive (itself), an empty map, or a short list of primitives. */
type Snapshot = unknown;

/** An empty plain object, as remembered. */
const EMPTY_MAP = Symbol('empty map');
/** A value this memo does not remember objects by. */
const UNSUITED = Symbol('unsuited');

/** A list of primitives, copied (the list remembered may change later; the copy does not). */
class ListSnapshot {
  constructor(readonly items: readonly unknown[]) {}
}

const LIST_MOST = 8;

function isPrimitive(v: unknown): boolean {
  const t = typeof v;
  return v === null || t === 'string' || t === 'number' || t === 'boolean' || t === 'undefined';
}

function snapshot(v: unknown): Snapshot {
  if (isPrimitive(v)) return v;
  if (typeof v !== 'object') return UNSUITED;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto === Array.prototype) {
    const a = v as readonly unknown[];
    if (a.length > LIST_MOST) return UNSUITED;
    for (let i = 0; i < a.length; i++) if (!isPrimitive(a[i])) return UNSUITED;
    return new ListSnapshot(a.slice());
  }
  if (proto === Object.prototype) {
    for (const k in v as object) if (Object.hasOwn(v as object, k)) return UNSUITED;
    return EMPTY_MAP;
  }
  return UNSUITED;
}

function matches(v: unknown, s: Snapshot): boolean {
  if (v === s) return true; // a primitive (never a remembered object: those are snapshots)
  if (v === null || typeof v !== 'object') return false;
  if (s === EMPTY_MAP) {
    if (Object.getPrototypeOf(v) !== Object.prototype) return false;
    for (const k in v) if (Object.hasOwn(v, k)) return false;
    return true;
  }
  if (!(s instanceof ListSnapshot) || Object.getPrototypeOf(v) !== Array.prototype) return false;
  const a = v as readonly unknown[];
  const items = s.items;
  if (a.length !== items.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== items[i]) return false;
  return true;
}

interface Entry {
  readonly keys: readonly string[];
  readonly values: readonly Snapshot[];
  readonly text: string;
}

/**
 * The text last made of a few objects (`SLOTS`, replaced in turn). An object is taken for a
 * remembered one when its own enumerable keys are the same, in the same order (JSON.stringify's),
 * each value matching (see `snapshot`). Callers pass plain objects only (no prototype but
 * Object.prototype or null, no toJSON), whose JSON is then a function of exactly those keys and values.
 */
export class FlatTextMemo {
  private readonly entries: Entry[] = [];
  private next = 0;

  constructor(private readonly slots = 4) {}

  /**
   * `except`: a key left out of the comparison (and out of what set() remembers with the same
   * `except`), whose value the caller accounts for in the text itself.
   */
  get(o: object, except?: string): string | undefined {
    for (const e of this.entries) if (sameAs(o, e, except)) return e.text;
    return undefined;
  }

  /** Remembers `text` for `o` (without its key `except`), unless a value of it is not one remembered by content. */
  set(o: object, text: string, except?: string): void {
    const keys: string[] = [];
    const values: Snapshot[] = [];
    for (const k in o) {
      if (k === except) continue;
      if (!Object.hasOwn(o, k)) return;
      const s = snapshot((o as Record<string, unknown>)[k]);
      if (s === UNSUITED) return;
      keys.push(k);
      values.push(s);
    }
    this.entries[this.next] = { keys, values, text };
    this.next = (this.next + 1) % this.slots;
  }
}

function sameAs(o: object, e: Entry, except: string | undefined): boolean {
  const keys = e.keys;
  let i = 0;
  for (const k in o) {
    if (k === except) continue;
    if (k !== keys[i] || !matches((o as Record<string, unknown>)[k], e.values[i])) return false;
    i++;
  }
  // (Keys for..in finds on a plain object are its own: Object.prototype has no enumerable ones.)
  return i === keys.length;
}
