// The sql-formatter dialect of the adapter the site was generated for; core/docs/bundle.ts
// provides this module at bundle time.
declare module 'kiln:sql-dialect' {
  import type { DialectOptions } from 'sql-formatter';
  export const dialect: DialectOptions;
}
