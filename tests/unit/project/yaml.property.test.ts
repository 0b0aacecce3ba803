// Property-based: the fast YAML reader (yaml-fast.ts) either gives up or returns exactly what the
// full `yaml` parser returns, on documents written by `yaml` itself in every layout and on token
// soup; and parseYaml returns a value or a KilnError for any text at all, never a crash.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../core/errors.js';
import { parseFastYaml } from '../../../core/project/yaml-fast.js';
import { parseYaml } from '../../../core/project/yaml-file.js';
import { propertyRuns } from '../../helpers/property.js';

/** What kiln's full parser makes of `text` (the `yaml` package with kiln's tags); undefined on an error. */
function full(text: string): { value: unknown } | undefined {
  try {
    return { value: parseYaml(text, 'x.yml').value };
  } catch (e) {
    if (e instanceof KilnError) return undefined;
    throw e;
  }
}

const scalarText = fc.oneof(
  fc.constantFrom('', ' ', 'a b', 'yes', 'no', 'on', 'null', 'Null', '~', 'true', 'False', '0o17', '0x1F', '1e3', '.5', '-.inf', '.nan', '1_000', '2024-01-01', '#x', 'a #b', 'a: b', '- a', '{{ var("x") }}', "it's", '"q"', 'é', '\\', '|', '>', '*a', '&a', '!t', '%', '@', '`', 'a\nb', 'a\n\nb\n', '  lead', 'trail  '),
  fc.string({ maxLength: 8 }),
);
const scalar = fc.oneof(scalarText, fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(scalarText.filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4 }),
  ),
}));
const layout = fc.record({
  indent: fc.integer({ min: 2, max: 4 }),
  flowLevel: fc.constantFrom(-1, 0, 1, 2),
  defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED') as fc.Arbitrary<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED'>,
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 20, 80),
});

const TOKENS = ['a', 'key', ':', ': ', '- ', '-', ' ', '  ', '\n', '\n  ', '#', '"', "'", '[', ']', '{', '}', ',', '|', '>', '|-', '&x ', '*x', '!!str ', '? ', '1', '.5', 'true', '~', 'é', '\r\n', '---', '...', '{{ x }}'];
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((xs) => xs.join(''));

function agrees(text: string): void {
  const fast = parseFastYaml(text);
  if (fast === undefined) return;
  const reference = full(text);
  expect(reference, `the fast reader accepted what the full parser rejects:\n${text}`).toBeDefined();
  expect(fast.value ?? {}, text).toEqual(reference!.value); // parseYaml reads an empty document as {}
}

describe('YAML (property-based)', () => {
  it('the fast reader agrees with the full parser on documents yaml writes', () => {
    fc.assert(
      fc.property(value, layout, (v, opts) => {
        agrees(stringify(v, opts));
      }),
      propertyRuns(800),
    );
  });

  it('the fast reader agrees with the full parser on token soup', () => {
    fc.assert(fc.property(soup, agrees), propertyRuns(1500));
  });

  it('parseYaml gives a value or a KilnError for any text', () => {
    fc.assert(
      fc.property(fc.oneof(soup, fc.string({ unit: 'binary', maxLength: 60 })), fc.boolean(), (text, fast) => {
        try {
          parseYaml(text, 'models/x.yml', { fast });
        } catch (e) {
          if (!(e instanceof KilnError)) throw e;
        }
      }),
      propertyRuns(150),
    );
  });
});
