// The repository root, for child processes that must resolve the project's node_modules.
import { fileURLToPath } from 'node:url';

export const repoRootFromTest = fileURLToPath(new URL('../../../', import.meta.url));
