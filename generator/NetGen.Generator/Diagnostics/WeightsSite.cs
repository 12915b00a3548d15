using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generator.Diagnostics;

/// <summary>
/// Where a network's <c>Weights = "..."</c> argument is written. Kept apart from the model (a tree and span change
/// on every edit of the file) and joined to the bake errors only when they are reported.
/// </summary>
/// <param name="HintName">The network's hint name, which identifies it across steps.</param>
internal sealed record WeightsSite(string HintName, SyntaxTree? Tree, TextSpan Span)
{
    public static WeightsSite Create(string hintName, Location? location) =>
        new(hintName, location?.SourceTree, location?.SourceSpan ?? default);

    public Location ToLocation() => Tree is null ? Location.None : Location.Create(Tree, Span);
}
