using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generator.Tests;

/// <summary>An additional file backed by a file on disk (the generator reads a binary file's bytes from its path).</summary>
internal sealed class FileText(string path) : AdditionalText
{
    public override string Path => path;

    public override SourceText GetText(CancellationToken cancellationToken = default) =>
        SourceText.From(System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path)));
}
