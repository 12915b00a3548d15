using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Helpers;

namespace NetGen.Generator.Tests;

/// <summary>The perceptron pipeline caches like the [Network] one: edits that change no size leave the spec alone.</summary>
public class PerceptronIncrementalTests
{
    private static IncrementalStepRunReason SpecReason(string before, string after)
    {
        var first = GeneratorHarness.CreateCompilation(before);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(first);
        var tree = first.SyntaxTrees.Single();
        var second = first.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(after, (CSharpParseOptions)tree.Options, tree.FilePath));
        var run = driver.RunGenerators(second).GetRunResult().Results.Single();
        return run.TrackedSteps[TrackingNames.PerceptronSpec].Single().Outputs.Single().Reason;
    }

    [Fact]
    public void CommentEditLeavesTheSpecUnchanged() =>
        Assert.True(SpecReason("using NetGen;\n[Perceptron(Inputs = 2)] public partial class P;",
            "using NetGen;\n// a comment\n[Perceptron(Inputs = 2)] public partial class P { }") is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached);

    [Fact]
    public void SizeChangeModifiesTheSpec() =>
        Assert.Equal(IncrementalStepRunReason.Modified, SpecReason("using NetGen;\n[Perceptron(Inputs = 2)] public partial class P;",
            "using NetGen;\n[Perceptron(Inputs = 3)] public partial class P;"));
}
