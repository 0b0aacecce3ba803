// manifest.json's node entries are made as text (nodeText) rather than by JSON.stringify of the
// object nodeJson builds: for any node, the two must be the same bytes.
import { describe, expect, it } from 'vitest';
import { manifestJson, manifestJsonChunks, nodeJson, nodeText } from '../../../core/artifacts/manifest-json.js';
import { Compiler } from '../../../core/compiler/compile.js';
import { openSession } from '../../../core/cli/session.js';
import type { ParsedNode } from '../../../core/nodes.js';
import { testdir } from '../../helpers/testdir.js';

const PROJECT: Record<string, string> = {
  'dbt_project.yml': 'name: shop\nprofile: shop\nmodels:\n  shop:\n    +meta: {owner: "ann \\"the\\" analyst"}\n',
  'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n',
  'seeds/raw_orders.csv': 'id,amount\n1,10\n',
  'models/stg_orders.sql': "-- café ☕ 𝔘nicode \"quoted\" \\ back\tslash\nselect * from {{ source('raw', 'orders') }}\n",
  'models/orders.sql': "{{ config(materialized='table', post_hook=\"select 1\") }}\nselect * from {{ ref('stg_orders') }} join {{ ref('raw_orders') }} using (id)\n",
  'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as id\n",
  'analyses/a.sql': "select count(*) from {{ ref('orders') }}\n",
  'tests/no_negative.sql': "select * from {{ ref('orders') }} where amount < 0\n",
  'models/schema.yml': `version: 2
sources:
  - name: raw
    tables:
      - name: orders
        columns:
          - name: id
            tests: [not_null]
models:
  - name: orders
    description: "Orders\\nper day — \\u0001 odd"
    config:
      access: public
      contract: {enforced: true}
    constraints:
      - type: primary_key
        columns: [id]
    columns:
      - name: id
        data_type: integer
        description: "The key ✓"
        constraints: [{type: not_null}]
        tests: [unique, not_null]
      - name: amount
        data_type: integer
        tests:
          - accepted_values:
              values: [1, 2]
`,
};

async function compiledProject(): Promise<{ nodes: ParsedNode[]; text: (n: ParsedNode) => string | undefined; object: (n: ParsedNode) => string }> {
  const dir = testdir(PROJECT);
  const session = await openSession({ command: 'compile', logFormat: 'text', color: false }, dir);
  const compiler = new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName, {});
  for (const id of session.dag.topoOrder()) {
    const n = session.manifest.nodes.get(id);
    if (n && n.resourceType !== 'seed') compiler.compile(n);
  }
  const d = session.adapter.dialect;
  return { nodes: [...session.manifest.nodes.values()], text: (n) => nodeText(n, d), object: (n) => JSON.stringify(nodeJson(n, d)) };
}

/** What a call gives, or the error it throws (a node that cannot be written fails the same way either way). */
function outcome(f: () => string | undefined): { text?: string; error?: string } {
  try {
    return { text: f() };
  } catch (e) {
    return { error: String(e) };
  }
}

/** A copy of the node deep enough for the edits below. */
function copy(n: ParsedNode): ParsedNode {
  return { ...n, config: { ...n.config }, columns: Object.fromEntries(Object.entries(n.columns).map(([k, c]) => [k, { ...c }])), refs: [...n.refs], dependsOn: { ...n.dependsOn }, ...(n.testMetadata ? { testMetadata: { ...n.testMetadata, kwargs: { ...n.testMetadata.kwargs } } } : {}) };
}

/** Shapes where writing the object's text directly could go wrong, each applied to every node. */
const EDITS: Record<string, (n: ParsedNode) => void> = {
  asParsed: () => {},
  hooks: (n) => {
    n.config.pre_hook = ['select "1"'];
    n.config.post_hook = [];
  },
  dashedHookKey: (n) => {
    n.config['pre-hook'] = 'as written';
  },
  indexKeysInConfig: (n) => {
    n.config['2'] = 'two';
    n.config['10'] = 'ten';
  },
  emptyConfig: (n) => {
    n.config = {} as ParsedNode['config'];
  },
  undefinedValues: (n) => {
    (n as { description?: string }).description = undefined;
    (n as { path?: string }).path = undefined;
    n.config.meta = undefined as unknown as Record<string, unknown>;
    n.config.extra = undefined;
  },
  noDatabase: (n) => {
    (n as { database?: string }).database = undefined;
  },
  oddStrings: (n) => {
    n.name = 'a\u0000b"c\\d\ud800e\u2028';
    n.alias = '\udc00';
    n.path = 'ünï/cødé.sql';
  },
  columnNamedByOtherKey: (n) => {
    n.columns = { a: { name: 'b', description: '', data_type: null, meta: {}, tags: [], data_tests: [] }, b: { name: 'b', description: 'second', data_type: null, meta: {}, tags: [], data_tests: [] } };
  },
  indexColumns: (n) => {
    n.columns = { x: { name: 'x', description: '', data_type: null, meta: {}, tags: [], data_tests: [] }, 7: { name: '7', description: '', data_type: 'int', meta: { a: [1] }, tags: ['t'], data_tests: [] } };
  },
  columnWithoutName: (n) => {
    n.columns = { x: { description: '', data_type: null, meta: {}, tags: [], data_tests: [] } as unknown as ParsedNode['columns'][string] };
  },
  kwargsNamingModel: (n) => {
    if (n.testMetadata) n.testMetadata = { ...n.testMetadata, kwargs: { model: 'mine', column_name: 'id' } };
  },
  kwargsWithIndexKeys: (n) => {
    if (n.testMetadata) n.testMetadata = { ...n.testMetadata, kwargs: { 1: 'one', values: [1, 2] } };
  },
  emptyKwargs: (n) => {
    if (n.testMetadata) n.testMetadata = { ...n.testMetadata, kwargs: {} };
  },
  testOnSource: (n) => {
    if (n.testMetadata) {
      n.attachedNode = null;
      n.sources = [['raw', 'orders']];
    }
  },
  testWithoutTarget: (n) => {
    if (n.testMetadata) {
      n.attachedNode = undefined;
      n.sources = [];
    }
  },
  versions: (n) => {
    n.version = 2;
    n.latestVersion = '3';
    n.deprecationDate = '2030-01-01';
    n.refs = [{ name: 'x', package: 'p', version: 1 }, { name: 'y' }];
  },
  seedStamp: (n) => {
    n.checksum = 'stat:1:2:3';
  },
  docsConfig: (n) => {
    n.config.docs = { show: false, node_color: 'red', extra: 1 };
    n.config.group = 'finance';
    n.patchPath = 'models/schema.yml';
  },
  notCompiled: (n) => {
    n.compiledCode = undefined;
  },
  // The fast layouts (names between constants that hold their quotes) and what is remembered
  // from one node to the next (configs by content, a test's target, frozen refs, raw_code).
  oddColumns: (n) => {
    n.columns = {
      'q"k': { name: 'q"k', description: 'plain', data_type: null, meta: {}, tags: [], data_tests: [] },
      k: { name: 'k', description: 'line\nbreak é', meta: {}, tags: [], data_tests: [] } as unknown as ParsedNode['columns'][string],
      t: { name: 't', description: 'typed', data_type: undefined, meta: {}, tags: [], data_tests: [] } as unknown as ParsedNode['columns'][string],
      u: { name: 'u', description: 7, data_type: null, meta: {}, tags: [], data_tests: [] } as unknown as ParsedNode['columns'][string],
    };
  },
  oddKwargs: (n) => {
    if (n.testMetadata) n.testMetadata = { ...n.testMetadata, kwargs: { column_name: 'a"b', 'k\\': 'é' } };
  },
  kwargsNotStrings: (n) => {
    if (n.testMetadata) n.testMetadata = { ...n.testMetadata, kwargs: { column_name: 'id', quote: false, n: null } };
  },
  sameConfigKeysOtherValues: (n) => {
    for (const k of Object.keys(n.config)) {
      const v = n.config[k];
      if (typeof v === 'boolean') n.config[k] = !v;
      else if (typeof v === 'string') n.config[k] = `${v}"x`;
      else if (Array.isArray(v)) n.config[k] = [...v, 'more'];
      else if (v !== null && typeof v === 'object') n.config[k] = { ...v, added: 1 };
    }
  },
  configKeysReordered: (n) => {
    n.config = Object.fromEntries(Object.entries(n.config).reverse()) as ParsedNode['config'];
  },
  otherAttachedNode: (n) => {
    if (n.attachedNode) n.attachedNode = 'model.shop.elsewhere.v2';
  },
  frozenRefs: (n) => {
    n.refs = Object.freeze([Object.freeze({ name: 'r"q', package: 'p' })]) as unknown as ParsedNode['refs'];
  },
  // A test's config is remembered without its alias (a long-named test's short name).
  aliased: (n) => {
    n.config.alias = `${n.name}_short`;
  },
  aliasedOddly: (n) => {
    n.config.alias = 'a"l\u00e9';
  },
  aliasNull: (n) => {
    n.config.alias = null;
  },
  aliasUndefined: (n) => {
    n.config.alias = undefined;
  },
  aliasNotString: (n) => {
    n.config.alias = 7 as unknown as string;
  },
  aliasedWithoutEnabled: (n) => {
    n.config.alias = 'short';
    delete (n.config as { enabled?: boolean }).enabled;
  },
  aliasedDisabled: (n) => {
    n.config.alias = 'short';
    n.config.enabled = false;
  },
  aliasedEnabledOddly: (n) => {
    n.config.alias = 'short';
    n.config.enabled = { alias: null } as unknown as boolean;
  },
  rawCode: (n) => {
    (n as { rawCode: string }).rawCode = '  select "é"\n';
  },
  headStrings: (n) => {
    n.schema = 'sch"ema';
    (n as { packageName: unknown }).packageName = undefined;
  },
};

describe('nodeText', () => {
  it('is JSON.stringify(nodeJson(node)) for every kind of node, however shaped', async () => {
    const { nodes, text, object } = await compiledProject();
    expect(new Set(nodes.map((n) => n.resourceType))).toEqual(new Set(['model', 'seed', 'test', 'analysis']));
    expect(nodes.some((n) => n.compiledCode !== undefined && n.resourceType === 'test')).toBe(true);
    // Twice over: the second time, every text remembered from the first is there to be (wrongly) given again.
    for (const [name, edit] of [...Object.entries(EDITS), ...Object.entries(EDITS)]) {
      for (const n of nodes) {
        const m = copy(n);
        edit(m);
        expect(outcome(() => text(m)), `${name}: ${n.uniqueId}`).toEqual(outcome(() => object(m)));
      }
    }
  });

  it('writes what a node holds now, whatever parts of it were written before and changed since', async () => {
    const { nodes, text, object } = await compiledProject();
    for (const n of nodes) {
      const m = copy(n);
      text(m);
      m.refs.push({ name: 'added' });
      m.config.tags = m.config.tags ?? [];
      m.config.tags.push('added');
      const column = Object.values(m.columns)[0];
      if (column) column.description += ' "changed"';
      expect(text(m), n.uniqueId).toBe(object(m));
    }
  });

  it('makes the streamed manifest the same bytes as the whole object', async () => {
    const dir = testdir(PROJECT);
    const session = await openSession({ command: 'compile', logFormat: 'text', color: false }, dir);
    const meta = { invocationId: 'i', generatedAt: new Date(0), adapterType: session.adapter.type };
    const streamed = [...manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta)].join('');
    expect(streamed).toBe(JSON.stringify(manifestJson(session.manifest, session.dag, session.adapter.dialect, meta)));
  });
});
