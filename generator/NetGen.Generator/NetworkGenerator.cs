using Microsoft.CodeAnalysis;

namespace NetGen.Generator;

/// <summary>The NetGen incremental source generator (pipeline under construction).</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
