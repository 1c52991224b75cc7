import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The named types (interfaces, classes, type aliases, enums declared in podwarden's own code)
 * that a public signature of an entry point uses but the entry point does not export: an
 * embedder can use the function, but cannot name what it takes or gives.
 */
export function unexportedPublicTypes(repo: string, entries: string[]): Map<string, string[]> {
  const config = ts.readConfigFile(join(repo, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repo);
  const program = ts.createProgram(
    entries.map((entry) => join(repo, entry)),
    { ...options, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const own = (declaration: ts.Declaration) => {
    const file = relative(repo, declaration.getSourceFile().fileName);
    return (file.startsWith('src/') || file.startsWith('machines/')) && !file.endsWith('.d.ts') ? file : undefined;
  };
  const resolved = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

  // An embedder imports from every entry point: a type exported by one is exported.
  const exportsOf = (entry: string) =>
    checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(join(repo, entry))!)!).map(resolved);
  const exported = new Set(entries.flatMap(exportsOf));
  const missing = new Map<string, string[]>();
  for (const entry of entries) {
    const seen = new Set<ts.Type | ts.Symbol>();

    const named = (symbol: ts.Symbol | undefined, via: string) => {
      const declaration = symbol?.declarations?.[0];
      if (!symbol || !declaration || !own(declaration)) return;
      const kinds = ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum;
      if (!(symbol.flags & kinds) || exported.has(symbol)) return;
      const key = `${symbol.getName()} (${own(declaration)})`;
      missing.set(key, [...(missing.get(key) ?? []), `${entry}: ${via}`]);
    };

    const visitSymbol = (symbol: ts.Symbol, via: string) => {
      if (seen.has(symbol)) return;
      seen.add(symbol);
      const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (!declaration) return;
      const flags = ts.getCombinedModifierFlags(declaration);
      if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || symbol.getName().startsWith('#')) return;
      const type =
        symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class)
          ? checker.getDeclaredTypeOfSymbol(symbol)
          : checker.getTypeOfSymbolAtLocation(symbol, declaration);
      visitType(type, via);
      if (symbol.flags & ts.SymbolFlags.Class) visitType(checker.getTypeOfSymbolAtLocation(symbol, declaration), via);
    };

    const visitType = (type: ts.Type, via: string): void => {
      if (seen.has(type)) return;
      seen.add(type);
      named(type.aliasSymbol, via);
      type.aliasTypeArguments?.forEach((argument) => visitType(argument, via));
      if (type.isUnionOrIntersection()) type.types.forEach((member) => visitType(member, via));
      const symbol = type.getSymbol();
      named(symbol, via);
      const reference = type as ts.TypeReference;
      if (type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
        checker.getTypeArguments(reference).forEach((argument) => visitType(argument, via));
      }
      const declaration = symbol?.declarations?.[0];
      // Other packages' types are theirs to export; their type arguments were visited above.
      if (declaration && !own(declaration)) return;
      if (!(type.flags & ts.TypeFlags.Object)) return;
      for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
        for (const parameter of signature.getParameters()) visitSymbol(parameter, via);
        visitType(signature.getReturnType(), via);
      }
      for (const property of type.getProperties()) visitSymbol(property, `${via}.${property.getName()}`);
    };

    for (const symbol of exportsOf(entry)) visitSymbol(symbol, symbol.getName());
  }
  return missing;
}

export const REPO = join(dirname(new URL(import.meta.url).pathname), '../..');
