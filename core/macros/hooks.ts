// Model hooks in a node's plan. As in dbt, pre-hooks run inside the node's transaction right
// after it begins and post-hooks right before it commits (so a failing post-hook rolls the
// build back and the old relation stays); hooks with `transaction: false` run outside it,
// before the transaction begins and after it commits.
import type { NodeCompileOptions } from '../compiler/compile.js';
import type { Plan, Step } from '../materializations/plan.js';
import type { ParsedNode } from '../nodes.js';

export interface RenderedHook {
  readonly sql: string;
  /** Run inside the node's transaction (the default). */
  readonly transaction: boolean;
}

function steps(hooks: readonly RenderedHook[], purpose: string): Step[] {
  return hooks.map((h) => ({ kind: 'sql', sql: h.sql, purpose }));
}

/**
 * The plan with the node's hooks in place. A plan without a transaction gets one around it
 * when there are hooks to run inside one and the database's DDL is transactional.
 */
export function withHooks(plan: Plan, pre: readonly RenderedHook[], post: readonly RenderedHook[], transactionalDdl: boolean): Plan {
  if (pre.length === 0 && post.length === 0) return plan;
  const main = plan.steps[plan.mainStep];
  let body = [...plan.steps];
  const preIn = steps(pre.filter((h) => h.transaction), 'pre-hook');
  const postIn = steps(post.filter((h) => h.transaction), 'post-hook');
  const preOut = steps(pre.filter((h) => !h.transaction), 'pre-hook');
  const postOut = steps(post.filter((h) => !h.transaction), 'post-hook');
  let begin = body.findIndex((s) => s.kind === 'begin');
  if (begin < 0 && (preIn.length || postIn.length) && transactionalDdl) {
    body = [{ kind: 'begin' }, ...body, { kind: 'commit' }];
    begin = 0;
  }
  if (begin >= 0) {
    body.splice(begin + 1, 0, ...preIn);
    let commit = -1;
    for (let i = body.length - 1; i >= 0; i--) {
      if (body[i].kind === 'commit') {
        commit = i;
        break;
      }
    }
    if (commit >= 0) body.splice(commit, 0, ...postIn);
    else body.push(...postIn);
  } else {
    body = [...preIn, ...body, ...postIn];
  }
  const all = [...preOut, ...body, ...postOut];
  return { ...plan, steps: all, mainStep: main ? all.indexOf(main) : plan.mainStep };
}

/** A node's pre- and post-hooks, rendered with its run-time context. */
export async function renderNodeHooks(
  compiler: { renderHooks(node: ParsedNode, which: 'pre_hook' | 'post_hook', run?: NodeCompileOptions): Promise<RenderedHook[]> },
  node: ParsedNode,
  run: NodeCompileOptions,
): Promise<{ pre: RenderedHook[]; post: RenderedHook[] }> {
  // Most nodes have none: no renders to wait for (two awaits a node otherwise).
  if (noHooks(node.config.pre_hook) && noHooks(node.config.post_hook)) return { pre: [], post: [] };
  return { pre: await compiler.renderHooks(node, 'pre_hook', run), post: await compiler.renderHooks(node, 'post_hook', run) };
}

/** A pre_hook / post_hook config that renderHooks turns into no hooks without rendering anything. */
function noHooks(raw: unknown): boolean {
  return raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0);
}
