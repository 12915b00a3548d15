using NetGen.Generator.Helpers;

namespace NetGen.Generator.Model;

/// <summary>
/// Where the generated partial declaration goes: namespace, enclosing types and the type's own header.
/// Immutable with structural equality, or incremental caching breaks.
/// </summary>
/// <param name="Namespace">The namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Headers of enclosing types, outermost first, e.g. <c>partial class Outer&lt;T&gt;</c>.</param>
/// <param name="Declaration">The type's own header, e.g. <c>partial class XorNet</c> or <c>partial record Net</c>.</param>
/// <param name="Name">The type's name without type parameters, for messages and exceptions.</param>
/// <param name="FullName">The fully qualified display name, for comments.</param>
/// <param name="HintName">A unique, stable file name for the generated source.</param>
internal sealed record TypeDeclarationSpec(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string Declaration,
    string Name,
    string FullName,
    string HintName);
