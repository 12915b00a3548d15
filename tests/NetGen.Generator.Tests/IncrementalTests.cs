using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Helpers;

namespace NetGen.Generator.Tests;

/// <summary>
/// Incremental caching: edits that do not change a network must not regenerate it, and the model must never hold
/// anything from the compilation (symbols, syntax, locations), or caching breaks and old compilations stay alive.
/// </summary>
public class IncrementalTests
{
    private const string Network = """
        using NetGen;
        namespace App;
        [Network(Loss = LossFunction.CrossEntropy)]
        [Input(8)]
        [Dense(16, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        public partial class Net
        {
            // a comment
        }
        """;

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(string source)
    {
        var compilation = GeneratorHarness.CreateCompilation(source);
        return (GeneratorHarness.CreateDriver().RunGenerators(compilation), compilation);
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results[0].TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static IncrementalStepRunReason[] OutputReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results[0].TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    [Fact]
    public void SameCompilationTwiceIsCached()
    {
        var (driver, compilation) = FirstRun(Network);
        driver = driver.RunGenerators(compilation.Clone());
        Assert.All(Reasons(driver, TrackingNames.Spec), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(OutputReasons(driver), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void UnrelatedFileAddedRegeneratesNothing()
    {
        var (driver, compilation) = FirstRun(Network);
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public class Other { public int X; }", new CSharpParseOptions(LanguageVersion.Latest))));
        Assert.All(Reasons(driver, TrackingNames.Spec), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(OutputReasons(driver), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void CommentEditInsideTheNetworkLeavesTheModelUnchanged()
    {
        var (driver, compilation) = FirstRun(Network);
        driver = driver.RunGenerators(ReplaceSource(compilation, Network.Replace("// a comment", "// another, longer comment\n    // on two lines")));
        Assert.All(Reasons(driver, TrackingNames.Spec), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        var source = driver.GetRunResult().Results[0].TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs).Select(o => o.Reason);
        Assert.All(source, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Theory]
    [InlineData("[Dense(16, Activation.ReLU)]", "[Dense(17, Activation.ReLU)]")]
    [InlineData("[Dense(16, Activation.ReLU)]", "[Dense(16, Activation.Tanh)]")]
    [InlineData("namespace App;", "namespace App2;")]
    [InlineData("LossFunction.CrossEntropy", "LossFunction.MeanSquaredError")]
    public void ChangingTheNetworkRegeneratesIt(string before, string after)
    {
        var (driver, compilation) = FirstRun(Network);
        driver = driver.RunGenerators(ReplaceSource(compilation, Network.Replace(before, after)));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, TrackingNames.Spec));
    }

    [Fact]
    public void EquivalentSourcesGiveEqualModels()
    {
        var a = Spec(Network);
        var b = Spec(Network.Replace("// a comment", "/* moved */").Replace("[Input(8)]", "[Input(8)] "));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, Spec(Network.Replace("[Input(8)]", "[Input(9)]")));
    }

    [Fact]
    public void ModelHoldsNothingFromTheCompilation()
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(Spec(Network), visited, "spec");
        // NetworkSpec, TypeDeclarationSpec and the two LayerSpecs.
        Assert.True(visited.Count >= 4, "the walker must actually visit the model");
    }

    private static object Spec(string source)
    {
        var driver = FirstRun(source).Driver;
        return driver.GetRunResult().Results[0].TrackedSteps[TrackingNames.Spec].Single().Outputs.Single().Value;
    }

    internal static void Walk(object? value, HashSet<object> visited, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Assert.False(value is ISymbol or Compilation or SyntaxNode or SyntaxTree or Location or SemanticModel,
            $"{path} holds a {value.GetType().Name}, which breaks incremental caching");
        if (!value.GetType().IsValueType && !visited.Add(value)) return;
        if (value is System.Collections.IEnumerable items)
        {
            int i = 0;
            foreach (var item in items) Walk(item, visited, $"{path}[{i++}]");
            return;
        }
        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            Walk(field.GetValue(value), visited, $"{path}.{field.Name}");
    }

    private static CSharpCompilation ReplaceSource(CSharpCompilation compilation, string source)
    {
        var old = compilation.SyntaxTrees.First();
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, (CSharpParseOptions)old.Options, old.FilePath));
    }
}
