// `macros:` entries of property files: a macro's description, arguments (name, type,
// description) and the file that describes it, which manifest.json shows on the macro (as dbt's
// macro patches). The macro must be one of the same project's.
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import type { MacroArgumentDoc, MacroDef } from '../nodes.js';
import type { PropertyFile } from '../project/properties-types.js';

type Describe = (text: string, where: string | SourceLocation) => string;

export function applyMacroPatches(macros: Map<string, MacroDef>, projectName: string, propertyFiles: readonly PropertyFile[], describe: Describe, problems: Problems): void {
  const patchedBy = new Map<string, string>();
  for (const pf of propertyFiles) {
    for (const entry of pf.macros) {
      if (!entry || typeof entry !== 'object') continue;
      const e = entry as Record<string, unknown>;
      if (typeof e.name !== 'string') continue;
      const id = `macro.${projectName}.${e.name}`;
      const def = macros.get(id);
      const loc = { file: pf.path };
      if (!def) {
        problems.warn(new KilnError(Codes.MACRO_UNKNOWN, `${pf.path} describes macro '${e.name}', which the project does not define`, { loc, hint: 'fix the name under `macros:` or remove the entry' }));
        continue;
      }
      const earlier = patchedBy.get(id);
      if (earlier !== undefined) {
        problems.error(new KilnError(Codes.MACRO_DUPLICATE, `Macro '${e.name}' is described twice under \`macros:\` (${earlier} and ${pf.path})`, { loc, related: [{ file: earlier }], hint: 'keep one entry' }));
        continue;
      }
      patchedBy.set(id, pf.path);
      const args: MacroArgumentDoc[] = [];
      for (const a of Array.isArray(e.arguments) ? e.arguments : []) {
        if (!a || typeof a !== 'object' || typeof (a as Record<string, unknown>).name !== 'string') continue;
        const arg = a as Record<string, unknown>;
        args.push({ name: arg.name as string, type: typeof arg.type === 'string' ? arg.type : null, description: describe(typeof arg.description === 'string' ? arg.description : '', loc) });
      }
      macros.set(id, { ...def, description: describe(typeof e.description === 'string' ? e.description : '', loc), patchPath: pf.path, argumentDocs: args });
    }
  }
}
