using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Helpers;

namespace NetGen.Generator;

/// <summary>
/// Generates the forward and backward passes of every class marked [Network], specialized for its declared sizes.
/// Parsing (<c>NetworkGenerator.Parser.cs</c>) turns symbols into an equatable <see cref="Model.NetworkSpec"/>; the
/// emitter (<c>NetworkGenerator.Emitter.cs</c>) turns the spec into C# and never sees a symbol.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Find [Network] types. The predicate is syntax-only; the transform extracts everything the emitter needs
        //    into plain data and keeps no symbol, syntax node or Location (only the diagnostics keep a tree + span).
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.NetworkAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => Parser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        // 2. The source depends on the model only, so an edit that moves text around but changes no layer stops here.
        var specs = parsed
            .Select(static (result, _) => result.Spec)
            .Where(static spec => spec is not null)
            .WithTrackingName(TrackingNames.Spec);

        // 3. Diagnostics get their own output, so they can re-fire on every edit without invalidating the source.
        var diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(specs, static (spc, spec) => EmitSafely(spc, spec!));
        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (var diagnostic in list) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        // 4. [Perceptron] types: a separate pipeline with the same three steps (Perceptron/PerceptronParser.cs, then
        //    Emit/PerceptronEmitter.cs). A type with [Network] too is left to the [Network] pipeline, which reports NETGEN014.
        var perceptrons = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.PerceptronAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => Perceptron.PerceptronParser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.PerceptronParse);
        var perceptronSpecs = perceptrons
            .Select(static (result, _) => result.Spec)
            .Where(static spec => spec is not null)
            .WithTrackingName(TrackingNames.PerceptronSpec);
        var perceptronDiagnostics = perceptrons
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.PerceptronDiagnostics);
        context.RegisterSourceOutput(perceptronSpecs, static (spc, spec) =>
            EmitSafely(spc, spec!.Type, () => Emit.PerceptronEmitter.Emit(spec)));
        context.RegisterSourceOutput(perceptronDiagnostics, static (spc, list) =>
        {
            foreach (var diagnostic in list) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        // 5. [Network(Weights = "file.ngw")]: parameters read from an additional file and compiled in
        //    (NetworkGenerator.Weights.cs).
        InitializeBakedWeights(context, parsed, specs);

        // 6. [Network(Onnx = "model.onnx")]: layers and parameters imported from an ONNX file, then emitted like 5
        //    (NetworkGenerator.Onnx.cs).
        InitializeOnnxImport(context, parsed);
    }

    /// <summary>Emits one network; a bug in the emitter becomes NETGEN999 instead of a generator crash.</summary>
    private static void EmitSafely(SourceProductionContext context, Model.NetworkSpec spec)
    {
        // Every number is formatted with the invariant culture (tests run the emitter under a culture whose minus
        // sign is U+2212 to keep it so).
        string source;
        try
        {
            source = Emitter.Emit(spec);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailure, Location.None, spec.Type.FullName, e.Message));
            return;
        }
        context.AddSource(spec.Type.HintName, source);
    }

    /// <summary>The same guard for the other pipelines: a bug in an emitter becomes NETGEN999, never a crash.</summary>
    private static void EmitSafely(SourceProductionContext context, Model.TypeDeclarationSpec type, Func<string> emit)
    {
        string source;
        try
        {
            source = emit();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailure, Location.None, type.FullName, e.Message));
            return;
        }
        context.AddSource(type.HintName, source);
    }
}
