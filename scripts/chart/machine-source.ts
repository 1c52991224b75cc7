import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import ts from 'typescript';

/** Where a transition list sits in a state's config, so an inline guard can be found by position. */
export type TransitionSlot =
  | { kind: 'on'; event: string }
  | { kind: 'always' }
  | { kind: 'after'; delay: string }
  | { kind: 'onDone' | 'onError'; invokeIndex: number }
  | { kind: 'stateDone' };

/**
 * What only the machine's source text knows: the doc comments on its states and the text of
 * inline guards (at run time those are anonymous functions whose transpiled text is unreadable).
 */
export interface MachineSource {
  /** The doc comment above the exported machine. */
  readonly machineDoc: string | undefined;
  /** The doc comment above the state at `path` (state keys from the root), as one line. */
  stateDoc(path: readonly string[]): string | undefined;
  /** The expression of the inline guard on the `index`th transition of `slot` in the state at `path`. */
  inlineGuard(path: readonly string[], slot: TransitionSlot, index: number): string | undefined;
}

type Expr = ts.Expression;

function unwrap(expression: Expr): Expr {
  let current = expression;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isTypeAssertionExpression(current) ||
    ts.isNonNullExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) {
    const inner = unwrap(name.expression);
    if (ts.isStringLiteralLike(inner) || ts.isNumericLiteral(inner)) return inner.text;
  }
  return undefined;
}

/** One line of prose from a comment: tags dropped, whitespace collapsed. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function docOf(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const last = docs.at(-1);
  if (!last) return undefined;
  const text = ts.getTextOfJSDocComment(last.comment);
  return text ? oneLine(text) : undefined;
}

/** The name a call is made by: `f(...)` or `x.f(...)`. */
function calleeName(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  return ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
}

function parse(fileName: string): ts.SourceFile {
  const text = readFileSync(fileName, 'utf8');
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** One source file: its top-level `const`s, and the values it imports from the project's other files. */
class SourceModule {
  readonly consts = new Map<string, ts.VariableDeclaration & { initializer: Expr }>();
  /** Local name → the file (`./x.js` read as `./x.ts`) and the name it is exported by there. */
  readonly imports = new Map<string, { fileName: string; name: string }>();

  constructor(file: ts.SourceFile) {
    for (const statement of file.statements) {
      if (ts.isVariableStatement(statement)) {
        for (const item of statement.declarationList.declarations) {
          if (ts.isIdentifier(item.name) && item.initializer) {
            this.consts.set(item.name.text, item as ts.VariableDeclaration & { initializer: Expr });
          }
        }
      } else if (ts.isImportDeclaration(statement)) {
        const from = statement.moduleSpecifier;
        const bindings = statement.importClause?.namedBindings;
        if (!ts.isStringLiteral(from) || !from.text.startsWith('.') || statement.importClause?.isTypeOnly) continue;
        if (!bindings || !ts.isNamedImports(bindings)) continue;
        const fileName = resolvePath(dirname(file.fileName), from.text.replace(/\.js$/, '.ts'));
        for (const element of bindings.elements) {
          if (element.isTypeOnly) continue;
          this.imports.set(element.name.text, { fileName, name: (element.propertyName ?? element.name).text });
        }
      }
    }
  }
}

class SourceIndex implements MachineSource {
  readonly machineDoc: string | undefined;
  /** Parsed files by name: the machine's own, and the files its configs are imported from. */
  private readonly modules = new Map<string, SourceModule | undefined>();
  private readonly root: ts.ObjectLiteralExpression;

  constructor(file: ts.SourceFile, exportName: string) {
    const own = new SourceModule(file);
    this.modules.set(file.fileName, own);
    const declaration = own.consts.get(exportName);
    if (!declaration) {
      throw new Error(`${file.fileName}: no top-level \`const ${exportName} = ...createMachine(...)\` found`);
    }
    const config = this.findMachineConfig(declaration.initializer);
    if (!config) {
      throw new Error(
        `${file.fileName}: \`${exportName}\` is not built with createMachine({ ... }) on an object literal`,
      );
    }
    this.root = config;
    this.machineDoc = docOf(declaration);
  }

  stateDoc(path: readonly string[]): string | undefined {
    if (path.length === 0) return undefined;
    const parent = this.stateConfig(path.slice(0, -1));
    const states = parent && this.objectAt(parent, 'states');
    const property = states && this.propertyNode(states, path.at(-1)!);
    if (!property) return undefined;
    return docOf(property);
  }

  inlineGuard(path: readonly string[], slot: TransitionSlot, index: number): string | undefined {
    const state = this.stateConfig(path);
    if (!state) return undefined;
    const transitions = this.transitionList(state, slot);
    const transition = transitions[index];
    if (!transition) return undefined;
    const guard = this.valueOf(transition, 'guard');
    if (!guard || !(ts.isArrowFunction(guard) || ts.isFunctionExpression(guard))) return undefined;
    const body = guard.body;
    if (!ts.isBlock(body)) return oneLine(body.getText());
    const [only] = body.statements;
    if (body.statements.length === 1 && only && ts.isReturnStatement(only) && only.expression) {
      return oneLine(only.expression.getText());
    }
    return undefined;
  }

  private findMachineConfig(initializer: Expr): ts.ObjectLiteralExpression | undefined {
    let found: ts.ObjectLiteralExpression | undefined;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (ts.isCallExpression(node)) {
        const [first] = node.arguments;
        if (calleeName(node) === 'createMachine' && first) {
          found = this.resolveObject(first);
          if (found) return;
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(initializer);
    return found;
  }

  /**
   * Follows `const` references, in the same file or imported from another of the project's
   * files, so `on: DURING_STEP` or `running: runningState` is read like an inline object; and
   * xstate's `createStateConfig(config)`, which returns its config as it is.
   */
  private resolve(expression: Expr, depth = 0): Expr {
    const inner = unwrap(expression);
    if (depth >= 8) return inner;
    if (ts.isIdentifier(inner)) {
      const target = this.constOf(inner);
      if (target) return this.resolve(target, depth + 1);
    }
    if (ts.isCallExpression(inner) && calleeName(inner) === 'createStateConfig') {
      const [config] = inner.arguments;
      if (config) return this.resolve(config, depth + 1);
    }
    return inner;
  }

  /** The initializer of the top-level `const` an identifier names, in its own file or the one it is imported from. */
  private constOf(identifier: ts.Identifier): Expr | undefined {
    const module = this.moduleOf(identifier.getSourceFile().fileName);
    const local = module?.consts.get(identifier.text);
    if (local) return local.initializer;
    const imported = module?.imports.get(identifier.text);
    return imported && this.moduleOf(imported.fileName)?.consts.get(imported.name)?.initializer;
  }

  /** A parsed file, read once; undefined when there is none (an import that is no `.ts` file of the project). */
  private moduleOf(fileName: string): SourceModule | undefined {
    if (!this.modules.has(fileName)) {
      this.modules.set(fileName, existsSync(fileName) ? new SourceModule(parse(fileName)) : undefined);
    }
    return this.modules.get(fileName);
  }

  private resolveObject(expression: Expr): ts.ObjectLiteralExpression | undefined {
    const resolved = this.resolve(expression);
    return ts.isObjectLiteralExpression(resolved) ? resolved : undefined;
  }

  /** The node that defines `name` in an object literal: the last definition wins, as at run time. */
  private propertyNode(object: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
    let found: ts.ObjectLiteralElementLike | undefined;
    for (const property of object.properties) {
      if (ts.isSpreadAssignment(property)) {
        const spread = this.resolveObject(property.expression);
        const inner = spread && this.propertyNode(spread, name);
        if (inner) found = inner;
      } else if (
        (ts.isPropertyAssignment(property) ||
          ts.isShorthandPropertyAssignment(property) ||
          ts.isMethodDeclaration(property)) &&
        propertyName(property.name) === name
      ) {
        found = property;
      }
    }
    return found;
  }

  private valueOf(object: ts.ObjectLiteralExpression, name: string): Expr | undefined {
    const property = this.propertyNode(object, name);
    if (!property) return undefined;
    if (ts.isPropertyAssignment(property)) return this.resolve(property.initializer);
    if (ts.isShorthandPropertyAssignment(property)) return this.resolve(property.name);
    return undefined;
  }

  private objectAt(object: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralExpression | undefined {
    const value = this.valueOf(object, name);
    return value && ts.isObjectLiteralExpression(value) ? value : undefined;
  }

  private stateConfig(path: readonly string[]): ts.ObjectLiteralExpression | undefined {
    let current: ts.ObjectLiteralExpression | undefined = this.root;
    for (const key of path) {
      const states: ts.ObjectLiteralExpression | undefined = current && this.objectAt(current, 'states');
      current = states && this.objectAt(states, key);
      if (!current) return undefined;
    }
    return current;
  }

  /** A transition config as xstate reads it: one object, or an array of them (strings have no guard). */
  private transitionObjects(value: Expr | undefined): (ts.ObjectLiteralExpression | undefined)[] {
    if (!value) return [];
    if (ts.isArrayLiteralExpression(value)) {
      return value.elements.map((element) => this.resolveObject(element));
    }
    return [this.resolveObject(value)];
  }

  private transitionList(
    state: ts.ObjectLiteralExpression,
    slot: TransitionSlot,
  ): (ts.ObjectLiteralExpression | undefined)[] {
    switch (slot.kind) {
      case 'on': {
        const on = this.objectAt(state, 'on');
        return on ? this.transitionObjects(this.valueOf(on, slot.event)) : [];
      }
      case 'always':
        return this.transitionObjects(this.valueOf(state, 'always'));
      case 'after': {
        const after = this.objectAt(state, 'after');
        return after ? this.transitionObjects(this.valueOf(after, slot.delay)) : [];
      }
      case 'stateDone':
        return this.transitionObjects(this.valueOf(state, 'onDone'));
      case 'onDone':
      case 'onError': {
        const invoke = this.valueOf(state, 'invoke');
        if (!invoke) return [];
        const definitions = ts.isArrayLiteralExpression(invoke)
          ? invoke.elements.map((element) => this.resolveObject(element))
          : [this.resolveObject(invoke)];
        const definition = definitions[slot.invokeIndex];
        return definition ? this.transitionObjects(this.valueOf(definition, slot.kind)) : [];
      }
    }
  }
}

/** Parses `fileName` and indexes the machine exported as `exportName`. */
export function readMachineSource(fileName: string, exportName: string): MachineSource {
  return new SourceIndex(parse(fileName), exportName);
}
