#!/usr/bin/env node
// Entry point: runs kiln's TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
