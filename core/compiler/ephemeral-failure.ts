// An ephemeral model that failed to compile while a node inlining it compiled. dbt compiles an
// ephemeral model as a node of its own: its failure is not the dependent's, which dbt skips
// ("ERROR SKIP") instead of failing. The runner tells the two apart by this class.
import { KilnError } from '../errors.js';

export class EphemeralCompileError extends KilnError {
  /** The ephemeral model whose template failed (the innermost, when ephemerals inline ephemerals). */
  readonly ephemeralId: string;
  /** Its own error, with the ephemeral's file and line. */
  readonly original: KilnError;

  constructor(ephemeralId: string, original: KilnError) {
    super(original.code, original.message, { loc: original.loc, node: ephemeralId, hint: original.hint, related: original.related, cause: original });
    this.name = 'EphemeralCompileError';
    this.ephemeralId = ephemeralId;
    this.original = original;
  }
}

/** Runs the render of ephemeral `id`, its template errors retold as EphemeralCompileError. */
export function renderingEphemeral<T>(id: string, render: () => T): T {
  try {
    return render();
  } catch (e) {
    throw asEphemeralFailure(id, e);
  }
}

/** The async twin of renderingEphemeral. */
export async function renderingEphemeralAsync<T>(id: string, render: () => Promise<T>): Promise<T> {
  try {
    return await render();
  } catch (e) {
    throw asEphemeralFailure(id, e);
  }
}

function asEphemeralFailure(id: string, e: unknown): unknown {
  if (e instanceof EphemeralCompileError || !(e instanceof KilnError)) return e;
  return new EphemeralCompileError(id, e);
}
