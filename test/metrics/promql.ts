import { createRequire } from 'node:module';

/**
 * PromQL checked the way `promtool check rules` checks it, with the Prometheus project's own
 * parser packages: @prometheus-io/lezer-promql (the grammar the Prometheus UI uses) for syntax,
 * and the `Parser` of @prometheus-io/codemirror-promql — a port of Prometheus' `checkAST`
 * (promql/parser/parse.go) — for types: function argument types, binary operands, aggregation
 * parameters, range vs instant vectors.
 *
 * Everything is loaded through `require` so the parser, @codemirror/language and
 * @codemirror/state are one copy each (their CommonJS builds): mixing the ESM and CJS copies of
 * @codemirror/state would give the parser a state it does not recognise.
 */
const require = createRequire(import.meta.url);

interface SyntaxNode {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly type: { readonly id: number; readonly name: string; readonly isError: boolean };
  readonly firstChild: SyntaxNode | null;
  readonly parent: SyntaxNode | null;
  getChild(name: string): SyntaxNode | null;
}
interface Tree {
  readonly topNode: SyntaxNode;
  iterate(spec: { enter: (node: { type: SyntaxNode['type']; from: number; to: number; node: SyntaxNode }) => void }): void;
}

interface State {
  readonly doc: { length: number };
  update(spec: object): { state: State };
}
const { EditorState } = require('@codemirror/state') as { EditorState: { create(config: { doc: string; extensions: unknown }): State } };
const { ensureSyntaxTree, syntaxTree } = require('@codemirror/language') as {
  ensureSyntaxTree(state: State, upto: number, timeout?: number): Tree | null;
  syntaxTree(state: State): Tree & { length: number };
};
const { promQLLanguage, LanguageType } = require('@prometheus-io/codemirror-promql') as { promQLLanguage(t: unknown): unknown; LanguageType: { PromQL: unknown } };
const { Parser } = require('@prometheus-io/codemirror-promql/dist/cjs/parser/parser.js') as {
  Parser: new (state: unknown) => { analyze(): void; checkAST(node: SyntaxNode | null): string; getDiagnostics(): Array<{ message: string; from: number; to: number }> };
};

export interface PromqlCheck {
  /** Syntax and type errors; empty when promtool would accept the expression. */
  readonly errors: string[];
  /** The expression's type: vector, matrix, scalar, string (or none when it does not parse). */
  readonly type: string;
  /** Metric names the expression selects (`foo{…}` and `{__name__="foo"}`). */
  readonly metrics: string[];
}

export function checkPromql(expr: string): PromqlCheck {
  const initial = EditorState.create({ doc: expr, extensions: promQLLanguage(LanguageType.PromQL) });
  // A new state parses for 20 ms at most (an editor's budget) and the type checker reads the
  // state's tree: finish the parse, then take a state that holds the finished tree.
  if (!ensureSyntaxTree(initial, initial.doc.length, 60_000)) return { errors: ['the parser did not finish'], type: 'none', metrics: [] };
  const state = initial.update({}).state;
  const tree = syntaxTree(state);
  if (tree.length !== expr.length) return { errors: [`only ${tree.length} of ${expr.length} characters were parsed`], type: 'none', metrics: [] };
  const errors: string[] = [];
  const metrics = new Set<string>();
  tree.iterate({
    enter: (n) => {
      // The type checker skips a parse error at the very end (an editor's half-typed input);
      // a rule file has no half-typed input, so every error node counts.
      if (n.type.isError) errors.push(`syntax error at ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 10), n.to + 10))}`);
      if (n.type.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        if (id) metrics.add(expr.slice(id.from, id.to));
      }
    },
  });
  for (const m of expr.matchAll(/__name__\s*=\s*"([^"]+)"/g)) metrics.add(m[1]!);
  const parser = new Parser(state);
  parser.analyze();
  errors.push(...parser.getDiagnostics().map((d) => `${d.message} (at ${d.from}: ${JSON.stringify(expr.slice(d.from, d.to))})`));
  const type = errors.length === 0 ? new Parser(state).checkAST(tree.topNode.firstChild) : 'none';
  return { errors, type, metrics: [...metrics].sort() };
}

/** Prometheus' duration syntax (model.ParseDuration): units from largest to smallest, each once. */
export const PROMETHEUS_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

export const isDuration = (s: string) => s !== '' && PROMETHEUS_DURATION.test(s);

/** Label names as Prometheus accepts them. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
