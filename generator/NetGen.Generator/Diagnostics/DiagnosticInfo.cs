using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generator.Helpers;

namespace NetGen.Generator.Diagnostics;

/// <summary>
/// An equatable diagnostic payload (<see cref="Diagnostic"/> itself has no value equality). Keeps the syntax tree and
/// span rather than a <see cref="Location"/> so the reported location is a real source location that
/// <c>#pragma warning disable</c> can suppress (the approach of the MVVM Toolkit's DiagnosticInfo).
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, SyntaxTree? Tree, TextSpan Span, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object[] arguments) =>
        new(descriptor, location?.SourceTree, location?.SourceSpan ?? default,
            new EquatableArray<string>(arguments.Select(a => System.Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? "")));

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Tree is null ? Location.None : Location.Create(Tree, Span), Arguments.ToArray<object>());
}
