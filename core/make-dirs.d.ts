/** Makes `dir` and the parents it lacks; the first folder made, undefined when `dir` existed (see make-dirs.js). */
export function makeDirs(dir: string): string | undefined;
