// Public surface of the template engine.
export { TemplateEngine, type MacroInfo, type EngineOptions, type RenderOptions, type RenderContext } from './engine.js';
export { splitArgs, jinjaRepr, kwargs, pyStr, pyRepr, truthy } from './values.js';
export { extractBlocks, type Block } from './blocks.js';
export { baseGlobals, secretValues, redactSecrets, isSecretEnvName, type BuiltinOptions } from './builtins.js';
export { PyDateTime, PyDate, PyTimedelta, UTC } from './pymodules.js';
export { asBool, asNumber, asNative } from './filters.js';
export type { FilterFn } from './filters.js';
export type { MacroFunction } from './runtime.js';
