using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generator.Diagnostics;

/// <summary>
/// Where a network's <c>Onnx = "..."</c> and <c>Loss = ...</c> arguments are written. Kept apart from the request (a
/// tree and span change on every edit of the file) and joined to the import errors only when they are reported.
/// </summary>
/// <param name="HintName">The network's hint name, which identifies it across steps.</param>
internal sealed record OnnxSite(string HintName, SyntaxTree? Tree, TextSpan OnnxSpan, TextSpan LossSpan)
{
    public static OnnxSite Create(string hintName, Location? onnx, Location? loss) =>
        new(hintName, onnx?.SourceTree, onnx?.SourceSpan ?? default, loss?.SourceSpan ?? onnx?.SourceSpan ?? default);

    public Location ToLocation(bool atLoss) => Tree is null ? Location.None : Location.Create(Tree, atLoss ? LossSpan : OnnxSpan);
}
