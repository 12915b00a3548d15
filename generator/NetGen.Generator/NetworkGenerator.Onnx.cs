using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;
using NetGen.Generator.Onnx;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    /// <summary>
    /// [Network(Onnx = "model.onnx")]: the layers and the parameters both come from an ONNX file among the AdditionalFiles.
    /// The parser only checks the declaration (no layer attributes, no Weights); this step reads the file, maps its graph
    /// to a <see cref="NetworkSpec"/> (<c>Onnx/OnnxImporter.cs</c>) and hands it to the same two emitters as a network
    /// with [Network(Weights = ...)]: the network file and the baked-weights file with the static Infer/Classify.
    /// </summary>
    private static void InitializeOnnxImport(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParseResult> parsed)
    {
        // 6a. Only networks that name an ONNX file; the request is plain data, so an edit elsewhere stops here.
        var requests = parsed
            .Select(static (result, _) => result.Onnx)
            .Where(static request => request is not null)
            .WithTrackingName(TrackingNames.OnnxRequest);

        // 6b. Find, read and import each network's file. Its output holds the layers and parameter bytes, so a replaced
        //     file with the same content compares equal and regenerates nothing.
        var imported = requests
            .Combine(context.AdditionalTextsProvider.Collect())
            .Select(static (pair, ct) => Import(pair.Left!, pair.Right, ct))
            .WithTrackingName(TrackingNames.OnnxImport);

        // 6c. Both generated files depend on the imported network alone.
        var importedSpecs = imported
            .Select(static (result, _) => result.Spec)
            .Where(static spec => spec is not null)
            .WithTrackingName(TrackingNames.OnnxSpec);
        context.RegisterSourceOutput(importedSpecs, static (spc, baked) =>
        {
            EmitSafely(spc, baked!.Network);
            EmitSafely(spc, baked.Network.Type with { HintName = baked.HintName }, () => Emitter.EmitBakedWeights(baked));
        });

        // 6d. Errors get the location of the Onnx (or Loss) argument only here, so moving text never re-reads the file.
        var sites = parsed
            .Select(static (result, _) => result.OnnxArgument)
            .Where(static site => site is not null)
            .Collect();
        var errors = imported
            .Select(static (result, _) => result.Error)
            .Where(static error => error is not null);
        context.RegisterSourceOutput(errors.Combine(sites), static (spc, pair) =>
        {
            var error = pair.Left!;
            var site = pair.Right.FirstOrDefault(s => s!.HintName == error.HintName);
            spc.ReportDiagnostic(Diagnostic.Create(error.Descriptor, site?.ToLocation(error.AtLoss) ?? Location.None, error.Arguments.ToArray<object>()));
        });
    }

    /// <summary>Finds, reads and imports the ONNX file of <paramref name="request"/>. Never throws for a bad file.</summary>
    internal static OnnxImportResult Import(OnnxRequestSpec request, ImmutableArray<AdditionalText> files, CancellationToken cancellationToken)
    {
        string name = request.File, network = request.Type.Name;
        OnnxImportResult Fail(DiagnosticDescriptor descriptor, bool atLoss, params object[] arguments) =>
            new(null, new OnnxError(request.Type.HintName, descriptor,
                new EquatableArray<string>(arguments.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? "")), atLoss));

        var read = ReadAdditionalFile(files, name, cancellationToken);
        switch (read.Problem)
        {
            case FileProblem.NotFound: return Fail(DiagnosticDescriptors.OnnxFileNotFound, false, network, name);
            case FileProblem.Ambiguous: return Fail(DiagnosticDescriptors.OnnxFileAmbiguous, false, name, network, read.Matches.Count, string.Join(", ", read.Matches));
            case FileProblem.TooLarge:
                return Fail(DiagnosticDescriptors.OnnxFileInvalid, false, name, network,
                    $"it has {read.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes; NetGen imports ONNX files of at most {MaxBakedFileBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes");
            case FileProblem.Unreadable: return Fail(DiagnosticDescriptors.OnnxFileInvalid, false, name, network, read.ReadError!);
        }
        byte[] file = read.Bytes!;

        OnnxImporter.Network imported;
        try
        {
            imported = OnnxImporter.Import(file);
        }
        catch (OnnxImportException e)
        {
            return Fail(e.Descriptor, false, new object[] { name, network }.Concat(e.Arguments).ToArray());
        }

        var spec = new NetworkSpec(request.Type, imported.InputSize, request.Loss, new EquatableArray<LayerSpec>(imported.Layers), request.File)
        {
            FromOnnx = true,
            InputShape = imported.InputShape,
            ImageInput = imported.ImageInput,
        };
        var last = spec.OutputLayer;
        string? needed = request.Loss switch
        {
            LossKind.BinaryCrossEntropy when last.Activation != ActivationKind.Sigmoid => "Sigmoid",
            LossKind.CrossEntropy when last.Activation != ActivationKind.Softmax => "Softmax",
            _ => null,
        };
        if (needed is not null)
            return Fail(DiagnosticDescriptors.LossDoesNotFitOutput, true, network, request.Loss, needed,
                last.Kind == LayerKind.Maxout ? "Maxout" : last.Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D ? $"{last.Kind} (imported from '{name}')" : $"{last.Kind} with {last.Activation} (imported from '{name}')");

        return new OnnxImportResult(new BakedWeightsSpec(spec, Path.GetFileName(read.Matches[0]), new ByteData(imported.Parameters))
        {
            RunningStatistics = new ByteData(imported.RunningStatistics),
        }, null);
    }

    internal static partial class Parser
    {
        /// <summary>The file named by <c>Onnx = "..."</c>, or null when the attribute does not set it.</summary>
        private static string? OnnxFile(AttributeData network) =>
            network.NamedArguments.FirstOrDefault(a => a.Key == "Onnx").Value.Value as string;

        /// <summary>
        /// A [Network(Onnx = ...)] type: the declaration checks every network gets, then the ones specific to an import.
        /// The layers come from the file later (<see cref="Import"/>), so the result has a request instead of a spec.
        /// </summary>
        private static ParseResult ParseOnnx(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, TypeDeclarationSyntax syntax,
            string file, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var network = context.Attributes[0];
            OnnxRequestSpec? request = null;
            if (CheckDeclaration(type, syntax, diagnostics) && CheckGlobalNames(context.SemanticModel.Compilation, syntax, diagnostics))
            {
                var layers = CollectLayerAttributes(type, cancellationToken);
                if (layers is { Count: > 0 })
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxWithLayerAttributes, AttributeLocation(layers[0]),
                        type.Name, file, layers[0].AttributeClass!.Name.Replace("Attribute", "")));
                if (network.NamedArguments.Any(a => a.Key == "Weights" && a.Value.Value is string))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsAndOnnx, ArgumentLocation(network, "Weights"), type.Name, file));

                var loss = LossKind.MeanSquaredError;
                foreach (var named in network.NamedArguments)
                {
                    if (named.Key != "Loss" || named.Value.Value is not int lossValue) continue;
                    if (Enum.IsDefined(typeof(LossKind), lossValue))
                        loss = (LossKind)lossValue;
                    else
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, ArgumentLocation(network, "Loss"),
                            "Loss", type.Name, lossValue, "LossFunction"));
                }
                if (layers is not null && !diagnostics.Any(IsError))
                    request = new OnnxRequestSpec(DescribeType(type), loss, file);
            }
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics))
            {
                Onnx = request,
                OnnxArgument = request is null ? null : OnnxSite.Create(request.Type.HintName, ArgumentLocation(network, "Onnx"),
                    network.NamedArguments.Any(a => a.Key == "Loss") ? ArgumentLocation(network, "Loss") : null),
            };
        }
    }
}
