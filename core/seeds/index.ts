// Seeds: reading and checking CSV files, inferring column types (adapter-independent).
export { readSeed } from './read-seed.js';
export type { SeedInfo, SeedColumnInfo, ReadSeedOptions } from './read-seed.js';
export { ColumnInferrer, inferColumnType } from './infer-type.js';
