// Model hooks in a node's plan. As in dbt, pre-hooks run inside the node's transaction right
// after it begins and post-hooks right before it commits, each rendered when its turn comes (so a failing post-hook rolls the
// build back and the old relation stays); hooks with `transaction: false` run outside it,
// before the transaction begins and after it commits.
import type { NodeCompileOptions } from '../compiler/compile.js';
import type { Plan, Step } from '../materializations/plan.js';
import type { ParsedNode } from '../nodes.js';

export interface NodeHook {
  /** Run inside the node's transaction (the default). */
  readonly transaction: boolean;
  /** The hook's SQL, rendered when the plan reaches it (blank: nothing runs). */
  render(): Promise<string>;
}

function steps(hooks: readonly NodeHook[], purpose: string): Step[] {
  return hooks.map((h) => ({ kind: 'hook', render: () => h.render(), purpose }));
}

/**
 * The plan with the node's hooks in place. A plan without a transaction gets one around it
 * when there are hooks to run inside one and the database's DDL is transactional.
 */
export function withHooks(plan: Plan, pre: readonly NodeHook[], post: readonly NodeHook[], transactionalDdl: boolean): Plan {
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

/** A node's pre- and post-hooks, each to be rendered with its run-time context when it runs. */
export function nodeHooks(
  compiler: { renderHooks(node: ParsedNode, which: 'pre_hook' | 'post_hook', run?: NodeCompileOptions): NodeHook[] },
  node: ParsedNode,
  run: NodeCompileOptions,
): { pre: NodeHook[]; post: NodeHook[] } {
  return { pre: compiler.renderHooks(node, 'pre_hook', run), post: compiler.renderHooks(node, 'post_hook', run) };
}
