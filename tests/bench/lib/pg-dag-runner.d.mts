// Types for pg-dag-runner.mjs (plain JavaScript: it also runs as a minimal script of its own).
export interface PgPlan {
  readonly connection: { readonly host: string; readonly port: number; readonly user: string; readonly password?: string; readonly database: string };
  readonly threads: number;
  readonly batched: boolean;
  readonly setup: readonly string[];
  readonly nodes: readonly { readonly id: string; readonly parents: readonly string[]; readonly statements: readonly string[] }[];
}
export function runPgPlan(plan: PgPlan): Promise<void>;
