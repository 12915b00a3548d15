using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Tests;

/// <summary>
/// A corpus of malformed and unusual declarations. For each: the generator never throws (no CS8785/AD0001), and
/// either reports an error diagnostic and generates nothing, or generates code that compiles.
/// </summary>
public class RobustnessTests
{
    public static TheoryData<string, string> Corpus => new()
    {
        // Missing, extra or mistyped arguments (the compiler reports these; NetGen must stay quiet and not crash).
        { "missing input size", "[Network] [Input] [Dense(1)] public partial class N;" },
        { "missing units", "[Network] [Input(2)] [Dense] public partial class N;" },
        { "string size", "[Network] [Input(\"2\")] [Dense(1)] public partial class N;" },
        { "float units", "[Network] [Input(2)] [Dense(1.5f)] public partial class N;" },
        { "activation as int", "[Network] [Input(2)] [Dense(1, 3)] public partial class N;" },
        { "too many arguments", "[Network] [Input(2, 3)] [Dense(1)] public partial class N;" },
        { "unknown named argument", "[Network(Depth = 3)] [Input(2)] [Dense(1)] public partial class N;" },
        { "maxout missing pieces", "[Network] [Input(2)] [Maxout(3)] [Dense(1)] public partial class N;" },
        { "dropout as int", "[Network] [Input(2)] [Dropout(1)] [Dense(1)] public partial class N;" },
        { "dropout double literal", "[Network] [Input(2)] [Dropout(0.5)] [Dense(1)] public partial class N;" },
        { "undefined constant", "[Network] [Input(Sizes.Missing)] [Dense(1)] public partial class N;" },
        { "non-constant argument", "[Network] [Input(int.Parse(\"2\"))] [Dense(1)] public partial class N;" },
        // Constants, expressions and named arguments.
        { "constant from another class", "static class Sizes { public const int In = 3, Hidden = 5; } [Network] [Input(Sizes.In)] [Dense(Sizes.Hidden, Activation.ReLU)] [Dense(1)] public partial class N;" },
        { "constant expression", "[Network] [Input(2 * 3 + 1)] [Dense(1 << 3, Activation.Tanh)] [Dense(2)] public partial class N;" },
        { "named constructor arguments", "[Network] [Input(size: 4)] [Dense(activation: Activation.ReLU, units: 3)] [Dense(units: 1)] public partial class N;" },
        { "attributes in one list", "[Network, Input(2), Dense(3, Activation.Tanh), Dense(1)] public partial class N;" },
        { "attribute suffix spelled out", "[NetworkAttribute] [InputAttribute(2)] [DenseAttribute(1)] public partial class N;" },
        { "fully qualified attributes", "[global::NetGen.Network] [global::NetGen.Input(2)] [global::NetGen.Dense(1)] public partial class N;" },
        { "alpha on leaky relu", "[Network] [Input(2)] [Dense(3, Activation.LeakyReLU, Alpha = 0.3f)] [Dense(1)] public partial class N;" },
        { "alpha zero on leaky relu", "[Network] [Input(2)] [Dense(3, Activation.LeakyReLU, Alpha = 0f)] [Dense(1)] public partial class N;" },
        // Type shapes.
        { "record class", "[Network] [Input(2)] [Dense(1)] public partial record N;" },
        { "record with primary constructor", "[Network] [Input(2)] [Dense(1)] public partial record N(string Name);" },
        { "sealed class", "[Network] [Input(2)] [Dense(1)] public sealed partial class N;" },
        { "internal class", "[Network] [Input(2)] [Dense(1)] internal partial class N;" },
        { "abstract class", "[Network] [Input(2)] [Dense(1)] public abstract partial class N;" },
        { "generic class", "[Network] [Input(2)] [Dense(1)] public partial class N<T> where T : struct;" },
        { "nested class", "public partial class Outer { [Network] [Input(2)] [Dense(1)] private partial class N; }" },
        { "nested in generic", "public partial class Outer<T> { [Network] [Input(2)] [Dense(1)] public partial class N; }" },
        { "nested in struct", "public partial struct Outer { [Network] [Input(2)] [Dense(1)] public partial class N; }" },
        { "nested in record struct", "public partial record struct Outer(int X) { [Network] [Input(2)] [Dense(1)] public partial class N; }" },
        { "nested in interface", "public partial interface IOuter { [Network] [Input(2)] [Dense(1)] public partial class N; }" },
        { "nested two deep", "public partial class A { public partial class B { [Network] [Input(2)] [Dense(1)] public partial class N; } }" },
        { "nested not partial", "public class Outer { [Network] [Input(2)] [Dense(1)] public partial class N; }" },
        { "not partial", "[Network] [Input(2)] [Dense(1)] public class N;" },
        { "static class", "[Network] [Input(2)] [Dense(1)] public static partial class N;" },
        { "struct", "[Network] [Input(2)] [Dense(1)] public partial struct N;" },
        { "interface", "[Network] [Input(2)] [Dense(1)] public partial interface N;" },
        { "with user constructor", "[Network] [Input(2)] [Dense(1)] public partial class N { public N(string name) : this(1) { Name = name; } public string Name { get; } = \"\"; }" },
        { "with user members", "[Network] [Input(2)] [Dense(1)] public partial class N { public int Epochs; public float Evaluate() => Parameters[0]; }" },
        { "clashing member", "[Network] [Input(2)] [Dense(1)] public partial class N { public int Predict() => 0; }" },
        { "base class", "public class Base { } [Network] [Input(2)] [Dense(1)] public partial class N : Base;" },
        { "implements INetwork already", "[Network] [Input(2)] [Dense(1)] public partial class N : INetwork;" },
        { "type named like a kernel", "public class DenseKernels { } [Network] [Input(2)] [Dense(1)] public partial class N;" },
        { "type named System", "public class System { } [Network] [Input(2)] [Dense(1)] public partial class N;" },
        { "type named NetGen", "namespace Inner { public class NetGen { } [global::NetGen.Network] [global::NetGen.Input(2)] [global::NetGen.Dense(1)] public partial class N; }" },
        // Namespaces and files.
        { "block namespace", "namespace A.B { [Network] [Input(2)] [Dense(1)] public partial class N; }" },
        { "global namespace", "[Network] [Input(2)] [Dense(1)] public partial class N;" },
        { "two networks one file", "[Network] [Input(2)] [Dense(1)] public partial class N1; [Network] [Input(3)] [Dense(2, Activation.Softmax)] public partial class N2;" },
        { "same name in two namespaces", "namespace A { [Network] [Input(2)] [Dense(1)] public partial class N; } namespace B { [Network] [Input(2)] [Dense(1)] public partial class N; }" },
        { "generic and non-generic twins", "[Network] [Input(2)] [Dense(1)] public partial class N; [Network] [Input(2)] [Dense(1)] public partial class N<T>;" },
        // Preprocessor and half-typed code.
        { "#if around an attribute (off)", "#if NEVER\n[Dense(100)]\n#endif\n[Network] [Input(2)] [Dense(1)] public partial class N;" },
        { "#if around an attribute (on)", "#if !NEVER\n[Dense(3, Activation.ReLU)]\n#endif\n[Network] [Input(2)] [Dense(1)] public partial class N;" },
        { "syntax error mid-edit", "[Network] [Input(2)] [Dense(1, Activation.)] public partial class N;" },
        { "unclosed attribute", "[Network] [Input(2)] [Dense(1 public partial class N;" },
        { "unclosed class", "[Network] [Input(2)] [Dense(1)] public partial class N {" },
        { "missing class name", "[Network] [Input(2)] [Dense(1)] public partial class ;" },
        { "attribute on method", "public partial class N { [Network] void M() { } }" },
        { "layers without network", "[Input(2)] [Dense(1)] public partial class N;" },
        // Sizes.
        { "huge layer", "[Network] [Input(1048576)] [Dense(1)] public partial class N;" },
        { "too many parameters", "[Network] [Input(100000)] [Dense(100000)] [Dense(1)] public partial class N;" },
        { "int.MaxValue units", "[Network] [Input(2)] [Dense(int.MaxValue)] public partial class N;" },
        { "negative pieces", "[Network] [Input(2)] [Maxout(2, -1)] [Dense(1)] public partial class N;" },
        { "every layer kind", "[Network(Loss = LossFunction.CrossEntropy)] [Input(5)] [Dropout(0.1f)] [Dense(7, Activation.ELU)] [Maxout(4, 2)] [Dropout(0f)] [Dense(3, Activation.Softmax)] public partial class N;" },
        { "only dropout", "[Network] [Input(2)] [Dropout(0.5f)] public partial class N;" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void NeverCrashesAndNeverEmitsCodeThatDoesNotCompile(string name, string declaration)
    {
        var result = GeneratorHarness.Run("using NetGen;\n" + declaration);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "AD0001" or "NETGEN999");

        bool generatorError = result.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        if (generatorError)
        {
            Assert.True(result.Sources.IsEmpty, $"{name}: an error diagnostic must stop generation");
            return;
        }

        // Errors of the user's own code are the compiler's business; the generated files must add none.
        var inputErrors = result.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToHashSet();
        var newErrors = result.Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && !inputErrors.Contains(d.Id)
                        && (d.Location.SourceTree is null || d.Location.SourceTree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)))
            .ToList();
        Assert.True(newErrors.Count == 0, $"{name}: generated code does not compile:\n{string.Join("\n", newErrors)}\n{string.Join("\n", result.Sources.Select(s => s.Text))}");
    }

    /// <summary>
    /// The theory above passes vacuously if the generator rejects or skips everything, so the corpus must reach both of
    /// its outcomes: declarations that generate code which compiles, and declarations NetGen rejects with an error.
    /// </summary>
    [Fact]
    public void CorpusReachesBothOutcomes()
    {
        int generated = 0, rejected = 0;
        foreach (object[] row in Corpus)
        {
            var result = GeneratorHarness.Run("using NetGen;\n" + (string)row[1]);
            if (result.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("NETGEN", StringComparison.Ordinal))) rejected++;
            else if (!result.Sources.IsEmpty) generated++;
        }
        Assert.True(generated >= 25, $"only {generated} declarations generated code");
        Assert.True(rejected >= 8, $"only {rejected} declarations were rejected with a NETGEN error");
    }
}
