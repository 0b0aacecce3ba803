// Typed access to the parts of nunjucks that @types/nunjucks does not describe (parser, lexer,
// compiler, nodes, runtime). kiln subclasses the parser and compiler instead of patching them,
// so only installJinjaCompat() (list slicing) touches global nunjucks state, once.
import nunjucks from 'nunjucks';

export interface NjToken {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}

export interface NjTokenizer {
  nextToken(): NjToken | null;
  tags: { BLOCK_START: string; BLOCK_END: string; VARIABLE_START: string; VARIABLE_END: string };
  _parseString(delimiter: string): string;
  current(): string;
  forward(): void;
  isFinished(): boolean;
}

export interface NjNode {
  readonly typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  children: NjNode[];
  value: unknown;
  [field: string]: unknown;
  findAll(type: NjNodeClass, results?: NjNode[]): NjNode[];
  addChild(node: NjNode): void;
}

export type NjNodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => NjNode;

interface NjNodeClassExt extends NjNodeClass {
  extend(name: string, props: Record<string, unknown>): NjNodeClass;
}

export interface NjNodes {
  Node: NjNodeClassExt;
  Root: NjNodeClass;
  NodeList: NjNodeClass;
  Literal: NjNodeClass;
  Symbol: NjNodeClass;
  Group: NjNodeClass;
  Array: NjNodeClass;
  Pair: NjNodeClass;
  Dict: NjNodeClass;
  LookupVal: NjNodeClass;
  If: NjNodeClass;
  For: NjNodeClass;
  Macro: NjNodeClass;
  Caller: NjNodeClass;
  FunCall: NjNodeClass;
  Filter: NjNodeClass;
  KeywordArgs: NjNodeClass;
  Set: NjNodeClass;
  Output: NjNodeClass;
  Capture: NjNodeClass;
  TemplateData: NjNodeClass;
  Is: NjNodeClass;
  Not: NjNodeClass;
  CallExtension: new (ext: object, prop: string, args: NjNode, contentArgs: NjNode[]) => NjNode;
}

export interface NjLexer {
  lex(src: string, opts?: object): NjTokenizer;
  TOKEN_STRING: string;
  TOKEN_WHITESPACE: string;
  TOKEN_BLOCK_END: string;
  TOKEN_VARIABLE_END: string;
  TOKEN_LEFT_PAREN: string;
  TOKEN_RIGHT_PAREN: string;
  TOKEN_LEFT_BRACKET: string;
  TOKEN_LEFT_CURLY: string;
  TOKEN_OPERATOR: string;
  TOKEN_COMMA: string;
  TOKEN_INT: string;
  TOKEN_FLOAT: string;
  TOKEN_BOOLEAN: string;
  TOKEN_NONE: string;
  TOKEN_SYMBOL: string;
}

/** The nunjucks Parser instance surface kiln uses. */
export interface NjParser {
  tokens: NjTokenizer;
  extensions: object[];
  peeked: NjToken | null;
  nextToken(withWhitespace?: boolean): NjToken | null;
  peekToken(): NjToken;
  pushToken(tok: NjToken | null): void;
  skip(type: string): boolean;
  skipValue(type: string, value: string): boolean;
  skipSymbol(value: string): boolean;
  expect(type: string): NjToken;
  fail(msg: string, lineno?: number, colno?: number): never;
  advanceAfterBlockEnd(name?: string): NjToken;
  parseExpression(): NjNode;
  parsePrimary(noPostfix?: boolean): NjNode;
  parsePostfix(node: NjNode): NjNode;
  parseCompare(): NjNode;
  parseSignature(tolerant?: boolean, noParens?: boolean): NjNode;
  parseUntilBlocks(...names: string[]): NjNode;
  parseStatement(): NjNode | null;
  parseAsRoot(): NjNode;
}
export type NjParserClass = new (tokens: NjTokenizer) => NjParser;

/** The nunjucks Compiler instance surface kiln uses. */
export interface NjCompiler {
  buffer: string;
  codebuf: string[];
  compile(node: NjNode, frame?: NjFrame): void;
  getCode(): string;
  fail(msg: string, lineno?: number, colno?: number): never;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _tmpid(): string;
  _pushBuffer(): string;
  _popBuffer(): void;
  _withScopedSyntax(fn: () => void): void;
  _compileExpression(node: NjNode, frame: NjFrame): void;
  _compileAggregate(node: NjNode, frame: NjFrame, start?: string, end?: string): void;
}
export type NjCompilerClass = new (name: string, throwOnUndefined: boolean) => NjCompiler;

/** Compile-time and run-time variable frames (nunjucks' runtime.Frame). */
export interface NjFrame {
  parent: NjFrame | null;
  /** This frame's own names (compile time: the JS variable holding each). */
  variables: Record<string, unknown>;
  topLevel: boolean;
  set(name: string, value: unknown, resolveUp?: boolean): void;
  lookup(name: string): unknown;
  push(isolateWrites?: boolean): NjFrame;
  pop(): NjFrame;
}
export type NjFrameClass = new (parent?: NjFrame, isolateWrites?: boolean) => NjFrame;

export interface NjRuntime {
  Frame: NjFrameClass;
  SafeString: new (val: string) => object;
  [name: string]: unknown;
}

export interface NjTemplateError extends Error {
  lineno?: number;
  colno?: number;
  cause?: unknown;
}

interface NunjucksModule {
  parser: { Parser: NjParserClass };
  compiler: { Compiler: NjCompilerClass };
  lexer: NjLexer;
  nodes: NjNodes;
  runtime: NjRuntime;
  installJinjaCompat(): void;
}

const nj = nunjucks as unknown as NunjucksModule;

let compatInstalled = false;
/** installJinjaCompat teaches the shared parser list slicing (`x[1:]`); it mutates global state, so once. */
export function ensureJinjaCompat(): void {
  if (compatInstalled) return;
  nj.installJinjaCompat();
  compatInstalled = true;
}

export const Parser: NjParserClass = nj.parser.Parser;
export const Compiler: NjCompilerClass = nj.compiler.Compiler;
export const lexer: NjLexer = nj.lexer;
export const nodes: NjNodes = nj.nodes;
export const njRuntime: NjRuntime = nj.runtime;
export const Frame: NjFrameClass = nj.runtime.Frame;
export const SafeString = nj.runtime.SafeString;
