// The expected shape of a YAML value (a config key, a dbt_project.yml setting, a property), written
// like a zod schema. Loading zod and building its schemas cost ~55 ms of every start, and nearly
// every value is valid: a shape answers a valid value by hand, with the very value zod would give
// back (containers copied, keys in zod's order), and hands everything else to the zod schema it
// stands for, built (and zod loaded) on first need, so that every message stays zod's.
// `take` may leave a valid value to zod; it must never accept a value zod would reject.
import { createRequire } from 'node:module';
import type * as Zod from 'zod';

type ZodApi = typeof Zod.z;

let zodApi: ZodApi | undefined;

/** zod, loaded on first use (require: the callers are synchronous). */
function zod(): ZodApi {
  return (zodApi ??= (createRequire(import.meta.url)('zod') as typeof Zod).z);
}

/** What `take` returns for a value it accepts. */
interface Taken {
  readonly value: unknown;
}

export abstract class Shape<T = unknown> {
  /** Never set: carries the output type, as zod's schemas do. */
  declare readonly _output: T;
  private built: Zod.ZodType<T> | undefined;

  /** The value zod would return for `v` when `v` is surely valid; undefined when zod must decide. */
  abstract take(v: unknown): Taken | undefined;

  protected abstract build(z: ZodApi): Zod.ZodType;

  /** The zod schema this shape stands for (built once). */
  zod(): Zod.ZodType<T> {
    return (this.built ??= this.build(zod()) as Zod.ZodType<T>);
  }

  nullable(): Shape<T | null> {
    return new Wrapped<T | null>(this, 'nullable');
  }

  optional(): Shape<T | undefined> {
    return new Wrapped<T | undefined>(this, 'optional');
  }
}

class Wrapped<T> extends Shape<T> {
  constructor(
    readonly inner: Shape,
    private readonly how: 'nullable' | 'optional',
  ) {
    super();
  }
  take(v: unknown): Taken | undefined {
    if (this.how === 'nullable' ? v === null : v === undefined) return { value: v };
    return this.inner.take(v);
  }
  protected build(): Zod.ZodType {
    return this.how === 'nullable' ? this.inner.zod().nullable() : this.inner.zod().optional();
  }
}

class StringShape extends Shape<string> {
  constructor(private readonly check?: { readonly length?: number; readonly regex?: RegExp }) {
    super();
  }
  take(v: unknown): Taken | undefined {
    if (typeof v !== 'string') return undefined;
    if (this.check?.length !== undefined && v.length !== this.check.length) return undefined;
    if (this.check?.regex && !this.check.regex.test(v)) return undefined;
    return { value: v };
  }
  protected build(z: ZodApi): Zod.ZodType {
    let s = z.string();
    if (this.check?.length !== undefined) s = s.length(this.check.length);
    if (this.check?.regex) s = s.regex(this.check.regex);
    return s;
  }
  length(n: number): StringShape {
    return new StringShape({ ...this.check, length: n });
  }
  regex(re: RegExp): StringShape {
    return new StringShape({ ...this.check, regex: re });
  }
}

class NumberShape extends Shape<number> {
  constructor(private readonly check: { readonly int?: boolean; readonly nonnegative?: boolean } = {}) {
    super();
  }
  take(v: unknown): Taken | undefined {
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    if (this.check.int && !Number.isSafeInteger(v)) return undefined;
    if (this.check.nonnegative && !(v >= 0)) return undefined;
    return { value: v };
  }
  protected build(z: ZodApi): Zod.ZodType {
    let n = this.check.int ? z.number().int() : z.number();
    if (this.check.nonnegative) n = n.nonnegative();
    return n;
  }
  int(): NumberShape {
    return new NumberShape({ ...this.check, int: true });
  }
  nonnegative(): NumberShape {
    return new NumberShape({ ...this.check, nonnegative: true });
  }
}

class BooleanShape extends Shape<boolean> {
  take(v: unknown): Taken | undefined {
    return typeof v === 'boolean' ? { value: v } : undefined;
  }
  protected build(z: ZodApi): Zod.ZodType {
    return z.boolean();
  }
}

class UnknownShape extends Shape<unknown> {
  take(v: unknown): Taken | undefined {
    return { value: v };
  }
  protected build(z: ZodApi): Zod.ZodType {
    return z.unknown();
  }
}

class EnumShape<T extends string> extends Shape<T> {
  constructor(private readonly values: readonly T[]) {
    super();
  }
  take(v: unknown): Taken | undefined {
    return typeof v === 'string' && (this.values as readonly string[]).includes(v) ? { value: v } : undefined;
  }
  protected build(z: ZodApi): Zod.ZodType {
    return z.enum(this.values as unknown as [T, ...T[]]);
  }
}

class UnionShape<T> extends Shape<T> {
  constructor(private readonly options: readonly Shape[]) {
    super();
  }
  take(v: unknown): Taken | undefined {
    // zod returns the first option that accepts the value
    for (const o of this.options) {
      const t = o.take(v);
      if (t) return t;
    }
    return undefined;
  }
  protected build(z: ZodApi): Zod.ZodType {
    return z.union(this.options.map((o) => o.zod()) as unknown as [Zod.ZodType, Zod.ZodType, ...Zod.ZodType[]]);
  }
}

class ArrayShape<T> extends Shape<T[]> {
  constructor(private readonly item: Shape<T>) {
    super();
  }
  take(v: unknown): Taken | undefined {
    if (!Array.isArray(v)) return undefined;
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return undefined; // holes: leave them to zod
      const t = this.item.take(v[i]);
      if (!t) return undefined;
      out[i] = t.value;
    }
    return { value: out };
  }
  protected build(z: ZodApi): Zod.ZodType {
    return z.array(this.item.zod());
  }
}

/** A mapping made by a YAML reader: own string keys only, none that assignment would treat specially. */
function plainKeys(v: unknown): string[] | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Reflect.ownKeys(v);
  for (const k of keys) if (typeof k !== 'string' || k === '__proto__') return undefined;
  return keys as string[];
}

class RecordShape<T> extends Shape<Record<string, T>> {
  constructor(private readonly value: Shape<T>) {
    super();
  }
  take(v: unknown): Taken | undefined {
    const keys = plainKeys(v);
    if (!keys) return undefined;
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const t = this.value.take(src[k]);
      if (!t) return undefined;
      out[k] = t.value;
    }
    return { value: out };
  }
  protected build(z: ZodApi): Zod.ZodType {
    return z.record(z.string(), this.value.zod());
  }
}

type ShapeOutput<S> = S extends Shape<infer T> ? T : never;

class LooseObjectShape<P extends Record<string, Shape>> extends Shape<{ [K in keyof P]: ShapeOutput<P[K]> } & Record<string, unknown>> {
  constructor(private readonly props: P) {
    super();
  }
  take(v: unknown): Taken | undefined {
    const keys = plainKeys(v);
    if (!keys) return undefined;
    const src = v as Record<string, unknown>;
    // zod's output: the declared keys first (those present), then the others as they came
    const out: Record<string, unknown> = {};
    for (const [k, shape] of Object.entries(this.props)) {
      const present = Object.prototype.hasOwnProperty.call(src, k);
      if (!present) {
        if (shape.take(undefined)) continue;
        return undefined;
      }
      const t = shape.take(src[k]);
      if (!t) return undefined;
      out[k] = t.value;
    }
    for (const k of keys) if (!Object.prototype.hasOwnProperty.call(this.props, k)) out[k] = src[k];
    return { value: out };
  }
  protected build(z: ZodApi): Zod.ZodType {
    const shape: Record<string, Zod.ZodType> = {};
    for (const [k, s] of Object.entries(this.props)) shape[k] = s.zod();
    return z.looseObject(shape);
  }
}

/** Shape builders, named as zod's. */
export const s = {
  string: (): StringShape => new StringShape(),
  number: (): NumberShape => new NumberShape(),
  boolean: (): Shape<boolean> => new BooleanShape(),
  unknown: (): Shape<unknown> => new UnknownShape(),
  enum: <T extends string>(values: readonly T[]): Shape<T> => new EnumShape(values),
  union: <const O extends readonly Shape[]>(options: O): Shape<ShapeOutput<O[number]>> => new UnionShape(options),
  array: <T>(item: Shape<T>): Shape<T[]> => new ArrayShape(item),
  record: <T>(value: Shape<T>): Shape<Record<string, T>> => new RecordShape(value),
  looseObject: <P extends Record<string, Shape>>(props: P): Shape<{ [K in keyof P]: ShapeOutput<P[K]> } & Record<string, unknown>> => new LooseObjectShape(props),
};
