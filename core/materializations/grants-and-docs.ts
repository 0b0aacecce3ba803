// What is applied to a relation once it is built, before its transaction commits: `persist_docs`
// (descriptions as `comment on` the relation and its columns) and `grants` (privileges granted
// to exactly the configured roles: stale grants revoked, as dbt does). Both are skipped where the
// database has no such thing (capabilities.supportsComments / supportsGrants).
import type { ColumnDescription, Relation } from '../../adapters/adapter.js';
import { KilnError } from '../errors.js';
import type { ParsedNode } from '../nodes.js';
import { findColumn } from './columns.js';
import type { PlanContext, Step } from './plan.js';

/** `grants: {select: [a, b]}` (a single grantee may be a string) → privilege → grantees, in config order. */
export function grantConfig(node: Pick<ParsedNode, 'config'>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const raw = node.config.grants;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [privilege, who] of Object.entries(raw as Record<string, unknown>)) {
    const list = (typeof who === 'string' ? [who] : Array.isArray(who) ? who.map(String) : []).map((g) => g.trim()).filter((g) => g !== '');
    out.set(privilege.trim().toLowerCase(), [...new Set(list)]);
  }
  return out;
}

/** Unquoted role names fold to lower case, as in the database's catalog. */
const roleKey = (name: string): string => (/^".*"$/.test(name) ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase());

/** Revokes then grants that make `current` (grantee, privilege) rows equal the configured grants. */
export function grantDiff(wanted: ReadonlyMap<string, readonly string[]>, current: readonly (readonly unknown[])[]): { revoke: Map<string, string[]>; grant: Map<string, string[]> } {
  const have = new Map<string, Set<string>>();
  for (const [grantee, privilege] of current) {
    const p = String(privilege).toLowerCase();
    if (!have.has(p)) have.set(p, new Set());
    have.get(p)!.add(String(grantee));
  }
  const revoke = new Map<string, string[]>();
  for (const [p, grantees] of have) {
    const keep = new Set((wanted.get(p) ?? []).map(roleKey));
    const stale = [...grantees].filter((g) => !keep.has(g)).sort();
    if (stale.length) revoke.set(p, stale.map((g) => (/^[a-z_][a-z0-9_$]*$/.test(g) ? g : `"${g.replace(/"/g, '""')}"`)));
  }
  const grant = new Map<string, string[]>();
  for (const [p, grantees] of wanted) {
    const missing = grantees.filter((g) => !have.get(p)?.has(roleKey(g)));
    if (missing.length) grant.set(p, missing);
  }
  return { revoke, grant };
}

function grantSteps(node: ParsedNode, rel: Relation, ctx: PlanContext): Step[] {
  // No `grants` (most nodes): grantConfig would be empty; no Map to build.
  if (!node.config.grants) return [];
  const { dialect, capabilities } = ctx;
  const wanted = grantConfig(node);
  // dbt applies grants only when some are configured: an absent or empty `grants` leaves the relation's as they are.
  if (wanted.size === 0 || !capabilities.supportsGrants || !dialect.grantsQuery || !dialect.grant || !dialect.revoke) return [];
  const grant = dialect.grant.bind(dialect);
  const revoke = dialect.revoke.bind(dialect);
  return [
    {
      kind: 'query',
      sql: dialect.grantsQuery(rel),
      then: (rows) => {
        const diff = grantDiff(wanted, rows);
        return [
          ...[...diff.revoke].map(([p, who]): Step => ({ kind: 'sql', sql: revoke(rel, p, who), purpose: 'revoke stale grants' })),
          ...[...diff.grant].map(([p, who]): Step => ({
            kind: 'sql',
            sql: grant(rel, p, who),
            purpose: 'grant',
            onError: (e) =>
              new KilnError(e.code, `Granting ${p} on ${node.name} to ${who.join(', ')} failed: ${e.message.split('\n')[0]}`, {
                loc: node.patchLoc ?? { file: node.originalFilePath },
                node: node.uniqueId,
                hint: 'every role in `grants` must exist in the database (roles are created outside kiln); nothing of this build was kept',
              }),
          })),
        ];
      },
    },
  ];
}

function persistDocs(node: Pick<ParsedNode, 'config'>): { relation: boolean; columns: boolean } {
  const p = node.config.persist_docs as { relation?: unknown; columns?: unknown } | undefined;
  return { relation: p?.relation === true, columns: p?.columns === true };
}

function commentSteps(node: ParsedNode, rel: Relation, ctx: PlanContext): Step[] {
  const { dialect, capabilities } = ctx;
  const persist = persistDocs(node);
  if (!capabilities.supportsComments || !dialect.comment || (!persist.relation && !persist.columns)) return [];
  const comment = dialect.comment.bind(dialect);
  const steps: Step[] = [];
  if (persist.relation && node.description.trim() !== '') steps.push({ kind: 'sql', sql: comment(rel, null, node.description), purpose: 'persist docs' });
  const described = Object.values(node.columns).filter((c) => c.description.trim() !== '');
  if (persist.columns && described.length) {
    // Only columns the relation has (dbt's rule): a documented column the query dropped is skipped.
    steps.push({
      kind: 'inspect',
      relations: [rel],
      then: ([cols]: readonly (readonly ColumnDescription[])[]) =>
        described.flatMap((c): Step[] => {
          const col = findColumn(cols, c.name);
          return col ? [{ kind: 'sql', sql: comment(rel, col.name, c.description), purpose: 'persist docs' }] : [];
        }),
    });
  }
  return steps;
}

/** Comments, then grants, on the relation now in place (inside the build's transaction where there is one). */
export function afterBuildSteps(node: ParsedNode, rel: Relation, ctx: PlanContext): Step[] {
  if (node.resourceType === 'test') return [];
  const comments = commentSteps(node, rel, ctx);
  const grants = grantSteps(node, rel, ctx);
  // Usually neither (a copy of two empty lists for every node otherwise).
  return comments.length === 0 ? grants : grants.length === 0 ? comments : [...comments, ...grants];
}
