using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    /// <summary>A parsed [Network] type: the model (null when the declaration has errors) and the diagnostics.</summary>
    internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
    {
        /// <summary>Where <c>Weights = "..."</c> is written, for the baked-weights diagnostics; null without one.</summary>
        public WeightsSite? WeightsArgument { get; init; }

        /// <summary>A [Network(Onnx = "...")] type to import (NetworkGenerator.Onnx.cs); null otherwise.</summary>
        public OnnxRequestSpec? Onnx { get; init; }

        /// <summary>Where <c>Onnx = "..."</c> and <c>Loss</c> are written, for the import diagnostics; null without a request.</summary>
        public OnnxSite? OnnxArgument { get; init; }
    }

    /// <summary>
    /// Turns a [Network] class into a <see cref="NetworkSpec"/> and diagnostics. The only code that touches symbols and
    /// syntax; it never throws for bad input and keeps nothing from the compilation in its result.
    /// </summary>
    internal static partial class Parser
    {
        public const int MaxSize = 1 << 20;
        public const int MaxPieces = 32;
        public const long MaxParameters = 100_000_000;

        /// <summary>Members every network gets; a user member with one of these names would not compile.</summary>
        private static readonly string[] GeneratedMemberNames =
        {
            "InputSize", "OutputSize", "ParameterCount", "Loss", "Architecture", "Parameters", "Gradients",
            "Initialize", "Forward", "ComputeGradients", "Predict",
        };

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var syntax = (TypeDeclarationSyntax)context.TargetNode;
            var diagnostics = new List<DiagnosticInfo>();
            NetworkSpec? spec = null;
            if (syntax.Identifier.IsMissing || type.Name.Length == 0)
                return new ParseResult(null, default); // half-typed declaration: the compiler reports it
            if (OnnxFile(context.Attributes[0]) is { } onnx)
                return ParseOnnx(context, type, syntax, onnx, cancellationToken); // layers from an ONNX file: NetworkGenerator.Onnx.cs

            if (CheckDeclaration(type, syntax, diagnostics) && CheckGlobalNames(context.SemanticModel.Compilation, syntax, diagnostics))
            {
                var layers = CollectLayerAttributes(type, cancellationToken);
                if (layers is not null)
                    spec = BuildSpec(type, syntax, context.Attributes[0], layers, diagnostics);
            }

            spec = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error) ? null : spec;
            return new ParseResult(spec, new EquatableArray<DiagnosticInfo>(diagnostics))
            {
                WeightsArgument = spec?.Weights is null ? null : WeightsSite.Create(spec.Type.HintName, ArgumentLocation(context.Attributes[0], "Weights")),
            };
        }

        /// <summary>Checks the declaration itself: partial (with all enclosing types), not static, C# 11+, no clashes.</summary>
        private static bool CheckDeclaration(INamedTypeSymbol type, TypeDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
        {
            bool ok = true;
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, syntax.Identifier.GetLocation(), type.Name));
                ok = false;
            }
            for (var outer = syntax.Parent as TypeDeclarationSyntax; outer is not null; outer = outer.Parent as TypeDeclarationSyntax)
            {
                if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, outer.Identifier.GetLocation(), outer.Identifier.ValueText));
                    ok = false;
                }
            }
            if (type.IsStatic)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StaticNetwork, syntax.Identifier.GetLocation(), type.Name));
                ok = false;
            }
            if (syntax.SyntaxTree.Options is CSharpParseOptions options && options.LanguageVersion < LanguageVersion.CSharp11)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LanguageVersionTooOld, syntax.Identifier.GetLocation(),
                    type.Name, options.LanguageVersion.ToDisplayString()));
                ok = false;
            }
            foreach (var member in type.GetMembers())
            {
                if (member.IsImplicitlyDeclared) continue;
                if (Array.IndexOf(GeneratedMemberNames, member.Name) >= 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNameConflict, member.Locations.FirstOrDefault(), type.Name, member.Name));
                    ok = false;
                }
                // The generated constructors are () and (int seed).
                if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } ctor
                    && (ctor.Parameters.Length == 0 || (ctor.Parameters.Length == 1 && ctor.Parameters[0].Type.SpecialType == SpecialType.System_Int32)))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNameConflict, ctor.Locations.FirstOrDefault(), type.Name,
                        ctor.Parameters.Length == 0 ? type.Name + "()" : type.Name + "(int)"));
                    ok = false;
                }
            }
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is TypeDeclarationSyntax { ParameterList: { } parameters })
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PrimaryConstructor, parameters.GetLocation(), type.Name));
                    ok = false;
                }
            }
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == KnownNames.PerceptronAttribute)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronWithLayers, AttributeLocation(attribute), type.Name, "Network"));
                    ok = false;
                }
            }
            return ok;
        }

        /// <summary>
        /// Generated code names every type as <c>global::System.…</c> and <c>global::NetGen.…</c>; a type in the global
        /// namespace called System or NetGen would capture those names and the generated code would not compile.
        /// </summary>
        private static bool CheckGlobalNames(Compilation compilation, TypeDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
        {
            foreach (string name in new[] { "System", "NetGen" })
            {
                var clash = compilation.GlobalNamespace.GetTypeMembers(name).FirstOrDefault();
                if (clash is null) continue;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GlobalNameHidden, clash.Locations.FirstOrDefault(l => l.IsInSource) ?? syntax.Identifier.GetLocation(), name));
                return false;
            }
            return true;
        }

        /// <summary>[Input] and layer attributes in source order, or null when one of them does not bind (the compiler reports that).</summary>
        private static List<AttributeData>? CollectLayerAttributes(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var result = new List<AttributeData>();
            foreach (var attribute in type.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? name = attribute.AttributeClass?.ToDisplayString();
                if (name is not (KnownNames.InputAttribute or KnownNames.DenseAttribute or KnownNames.MaxoutAttribute or KnownNames.DropoutAttribute
                    or KnownNames.Conv2DAttribute or KnownNames.MaxPool2DAttribute or KnownNames.AvgPool2DAttribute or KnownNames.BatchNormAttribute))
                    continue;
                if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
                    || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
                    return null;
                result.Add(attribute);
            }
            // Order by position: attribute lists on one declaration in source order, declarations by file path.
            return result
                .OrderBy(a => a.ApplicationSyntaxReference?.SyntaxTree.FilePath, StringComparer.Ordinal)
                .ThenBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0)
                .ToList();
        }

        private static NetworkSpec? BuildSpec(INamedTypeSymbol type, TypeDeclarationSyntax syntax, AttributeData network,
            List<AttributeData> attributes, List<DiagnosticInfo> diagnostics)
        {
            string name = type.Name;
            int errorsBefore = diagnostics.Count;

            // All [Input]/layer attributes must sit on one declaration, or their order is not defined.
            var owners = attributes.Select(a => a.ApplicationSyntaxReference?.GetSyntax().FirstAncestorOrSelf<TypeDeclarationSyntax>())
                .Where(d => d is not null).Distinct().ToList();
            if (owners.Count > 1)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersSplitAcrossDeclarations, syntax.Identifier.GetLocation(), name));
                return null;
            }

            var loss = LossKind.MeanSquaredError;
            bool lossDeclared = network.NamedArguments.Any(named => named.Key == "Loss");
            string? weights = null;
            foreach (var named in network.NamedArguments)
            {
                if (named.Key == "Weights" && named.Value.Value is string file)
                    weights = file; // found (or not) among the AdditionalFiles later: NetworkGenerator.Weights.cs
                if (named.Key == "Loss" && named.Value.Value is int lossValue)
                {
                    if (!Enum.IsDefined(typeof(LossKind), lossValue))
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, ArgumentLocation(network, "Loss"),
                            "Loss", name, lossValue, "LossFunction"));
                    else
                        loss = (LossKind)lossValue;
                }
            }

            var inputs = attributes.Where(a => a.AttributeClass!.ToDisplayString() == KnownNames.InputAttribute).ToList();
            if (inputs.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, syntax.Identifier.GetLocation(), name));
                return null;
            }
            if (inputs.Count > 1)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SeveralInputs, AttributeLocation(inputs[1]), name, inputs.Count));
                return null;
            }
            var input = ParseInput(inputs[0], name, diagnostics, out bool imageInput);

            var layerAttributes = attributes.Where(a => a.AttributeClass!.ToDisplayString() != KnownNames.InputAttribute).ToList();
            if (!layerAttributes.Any(a => a.AttributeClass!.ToDisplayString() != KnownNames.DropoutAttribute))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, syntax.Identifier.GetLocation(), name));
                return null;
            }

            var layers = new List<LayerSpec>();
            var flow = new ShapeFlow(input, imageInput);
            long offset = 0;
            int statistics = 0;
            for (int index = 0; index < layerAttributes.Count; index++)
            {
                var attribute = layerAttributes[index];
                int at = (int)Math.Min(offset, int.MaxValue);
                var layer = IsImageLayer(attribute)
                    ? ParseImageLayer(attribute, index, flow, at, statistics, name, diagnostics)
                    : ParseLayer(attribute, index, flow.Shape.Size, at, name, diagnostics);
                if (layer.Kind == LayerKind.Dropout && flow.IsImage)
                    layer = layer with { InputShape = flow.Shape, OutputShape = flow.Shape };
                else if (layer.Kind is LayerKind.Dense or LayerKind.Maxout && flow.IsImage)
                    layer = layer with { InputShape = flow.Shape }; // flattened, as torch.nn.Flatten
                layers.Add(layer);
                offset += LongParameterCount(layer);
                statistics += layer.StatisticsCount;
                flow = flow.After(layer);
            }
            if (diagnostics.Skip(errorsBefore).Any(IsError))
                return null;

            if (offset > MaxParameters)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, syntax.Identifier.GetLocation(),
                    name, offset.ToString("N0", CultureInfo.InvariantCulture), MaxParameters.ToString("N0", CultureInfo.InvariantCulture)));
                return null;
            }

            CheckTopology(layers, layerAttributes, loss, name, diagnostics);
            CheckSoftmaxLoss(layers[layers.Count - 1], layerAttributes, network, lossDeclared, loss, name, diagnostics);
            ReportLoopedLayers(layers, name, syntax, diagnostics);
            if (diagnostics.Skip(errorsBefore).Any(IsError))
                return null;

            return new NetworkSpec(DescribeType(type), input.Size, loss, new EquatableArray<LayerSpec>(layers), weights)
            {
                InputShape = input,
                ImageInput = imageInput,
            };
        }

        private static LayerSpec ParseLayer(AttributeData attribute, int index, int inputs, int offset, string name, List<DiagnosticInfo> diagnostics)
        {
            var args = attribute.ConstructorArguments;
            switch (attribute.AttributeClass!.ToDisplayString())
            {
                case KnownNames.DropoutAttribute:
                {
                    float rate = Convert.ToSingle(args[0].Value, CultureInfo.InvariantCulture);
                    if (!(rate >= 0f && rate < 1f))
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutRateOutOfRange, ArgumentLocation(attribute, 0),
                            index, name, rate.ToString("R", CultureInfo.InvariantCulture)));
                    return new LayerSpec(index, LayerKind.Dropout, inputs, inputs, 0, ActivationKind.Identity, 0f, rate, offset);
                }
                case KnownNames.MaxoutAttribute:
                {
                    int units = (int)args[0].Value!, pieces = (int)args[1].Value!;
                    CheckRange(diagnostics, attribute, 0, $"Units of layer {index}", name, units, 1, MaxSize);
                    CheckRange(diagnostics, attribute, 1, $"Pieces of maxout layer {index}", name, pieces, 2, MaxPieces);
                    return new LayerSpec(index, LayerKind.Maxout, inputs, units, pieces, ActivationKind.Identity, 0f, 0f, offset);
                }
                default:
                {
                    int units = (int)args[0].Value!;
                    CheckRange(diagnostics, attribute, 0, $"Units of layer {index}", name, units, 1, MaxSize);
                    var activation = ActivationKind.Identity;
                    if (args.Length > 1 && args[1].Value is int activationValue)
                    {
                        if (Enum.IsDefined(typeof(ActivationKind), activationValue))
                            activation = (ActivationKind)activationValue;
                        else
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, ArgumentLocation(attribute, 1),
                                $"The activation of layer {index}", name, activationValue, "Activation"));
                    }
                    float alpha = ActivationFacets.Of(activation).DefaultAlpha;
                    foreach (var named in attribute.NamedArguments)
                    {
                        if (named.Key != "Alpha") continue;
                        float value = Convert.ToSingle(named.Value.Value, CultureInfo.InvariantCulture);
                        CheckAlpha(attribute, index, name, activation, value, diagnostics);
                        if (ActivationFacets.Of(activation).TakesAlpha) alpha = value;
                    }
                    return new LayerSpec(index, LayerKind.Dense, inputs, units, 1, activation, alpha, 0f, offset);
                }
            }
        }

        private static void CheckAlpha(AttributeData attribute, int index, string name, ActivationKind activation, float value, List<DiagnosticInfo> diagnostics)
        {
            var location = ArgumentLocation(attribute, "Alpha");
            string text = value.ToString("R", CultureInfo.InvariantCulture);
            if (!ActivationFacets.Of(activation).TakesAlpha)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AlphaIgnored, location, index, name, activation));
            else if (activation == ActivationKind.LeakyReLU && !(value >= 0f && value < 1f))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AlphaOutOfRange, location, index, name, text, activation,
                    "LeakyReLU is max(αx, x) and needs 0 ≤ α < 1"));
            else if (activation == ActivationKind.ELU && !(value > 0f && !float.IsInfinity(value)))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AlphaOutOfRange, location, index, name, text, activation,
                    "ELU needs a finite α > 0"));
        }

        /// <summary>Checks that need the whole layer list: Softmax placement, the output layer and the loss.</summary>
        private static void CheckTopology(List<LayerSpec> layers, List<AttributeData> attributes, LossKind loss, string name, List<DiagnosticInfo> diagnostics)
        {
            var last = layers[layers.Count - 1];
            foreach (var layer in layers)
            {
                var location = AttributeLocation(attributes[layer.Index]);
                if (layer.Activation == ActivationKind.Softmax && layer.Kind is LayerKind.Conv2D or LayerKind.BatchNorm)
                    continue; // NETGEN039, reported by ParseImageLayer
                if (layer.Activation == ActivationKind.Softmax && layer != last)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxNotLast, location, layer.Index, name));
                if (layer.Activation == ActivationKind.Softmax && layer.Units == 1)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SingleUnitSoftmax, location, layer.Index, name));
                if (layer.Activation == ActivationKind.Step)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepInTrainedNetwork, location, layer.Index, name));
            }
            if (last.Kind == LayerKind.Dropout)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutIsLast, AttributeLocation(attributes[last.Index]), name));
                return;
            }
            string lastText = last.Kind switch
            {
                LayerKind.Maxout or LayerKind.MaxPool2D or LayerKind.AvgPool2D => last.Kind.ToString(),
                _ => $"{last.Kind} with {last.Activation}",
            };
            if (loss == LossKind.BinaryCrossEntropy && last.Activation != ActivationKind.Sigmoid)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossDoesNotFitOutput, AttributeLocation(attributes[last.Index]),
                    name, loss, "Sigmoid", lastText));
            if (loss == LossKind.CrossEntropy && last.Activation != ActivationKind.Softmax)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossDoesNotFitOutput, AttributeLocation(attributes[last.Index]),
                    name, loss, "Softmax", lastText));
        }

        /// <summary>
        /// Warnings for a Softmax output (over more than one unit; one unit is NETGEN103) that trains badly: with
        /// MeanSquaredError chosen (NETGEN104) or left as the default because no Loss is declared (NETGEN105).
        /// </summary>
        private static void CheckSoftmaxLoss(LayerSpec last, List<AttributeData> attributes, AttributeData network, bool lossDeclared,
            LossKind loss, string name, List<DiagnosticInfo> diagnostics)
        {
            if (last.Activation != ActivationKind.Softmax || last.Units < 2 || loss != LossKind.MeanSquaredError)
                return;
            if (lossDeclared)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxTrainedWithMeanSquaredError, ArgumentLocation(network, "Loss"), name, last.Index));
            else
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxWithoutLoss, AttributeLocation(attributes[last.Index]), last.Index, name));
        }

        /// <summary>
        /// Info: which layers exceed the unroll limit and become loops over the runtime kernels (the generated source
        /// then stays the same size whatever the widths; see docs/compile-cost.md).
        /// </summary>
        private static void ReportLoopedLayers(List<LayerSpec> layers, string name, TypeDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
        {
            int limit = Emitter.UnrollLimit;
            var looped = layers.Where(l => l.Kind == LayerKind.Maxout || (l.Kind == LayerKind.Dense && (l.Inputs > limit || l.Units > limit))).ToList();
            if (looped.Count == 0) return;
            string list = looped.Count == 1 ? $"layer {looped[0].Index} is" : "layers " + string.Join(", ", looped.Select(l => l.Index)) + " are";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersUseLoops, syntax.Identifier.GetLocation(),
                name, list, limit, looped.Count == 1 ? "it is" : "they are"));
        }

        private static void CheckRange(List<DiagnosticInfo> diagnostics, AttributeData attribute, int argument, string what, string name, int value, int min, int max)
        {
            if (value < min || value > max)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, ArgumentLocation(attribute, argument),
                    what, name, value, min, max.ToString("N0", CultureInfo.InvariantCulture)));
        }

        /// <summary><see cref="CheckRange(List{DiagnosticInfo}, AttributeData, int, string, string, int, int, int)"/> for a named argument.</summary>
        private static void CheckRange(List<DiagnosticInfo> diagnostics, AttributeData attribute, string argument, string what, string name, int value, int min, int max)
        {
            if (value < min || value > max)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, ArgumentLocation(attribute, argument),
                    what, name, value, min, max.ToString("N0", CultureInfo.InvariantCulture)));
        }

        private static bool IsError(DiagnosticInfo d) => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error;

        internal static TypeDeclarationSpec DescribeType(INamedTypeSymbol type)
        {
            string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
            var containing = new List<string>();
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
                containing.Insert(0, "partial " + Keyword(outer) + " " + NameWithTypeParameters(outer));
            string fullName = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
            string hint = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted))
                .Replace('<', '{').Replace('>', '}').Replace(' ', '_').Replace(',', '_');
            return new TypeDeclarationSpec(ns, new EquatableArray<string>(containing),
                "partial " + Keyword(type) + " " + NameWithTypeParameters(type), type.Name, fullName, hint + ".NetGen.g.cs");
        }

        private static string Keyword(INamedTypeSymbol type) => (type.IsRecord, type.TypeKind) switch
        {
            (true, TypeKind.Struct) => "record struct",
            (true, _) => "record",
            (false, TypeKind.Struct) => "struct",
            (false, TypeKind.Interface) => "interface",
            _ => "class",
        };

        private static string NameWithTypeParameters(INamedTypeSymbol type) =>
            type.TypeParameters.Length == 0 ? type.Name : type.Name + "<" + string.Join(", ", type.TypeParameters.Select(t => t.Name)) + ">";

        internal static Location? AttributeLocation(AttributeData attribute) => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

        /// <summary>The location of positional argument <paramref name="position"/>, or of the whole attribute.</summary>
        private static Location? ArgumentLocation(AttributeData attribute, int position)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax { ArgumentList: { } list } syntax)
            {
                // A positional argument may also be written by name (units: 128) and in another order.
                string? parameter = attribute.AttributeConstructor is { } ctor && position < ctor.Parameters.Length ? ctor.Parameters[position].Name : null;
                var byName = list.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameter);
                if (byName is not null) return byName.GetLocation();
                var positional = list.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
                return position < positional.Count ? positional[position].GetLocation() : syntax.GetLocation();
            }
            return AttributeLocation(attribute);
        }

        /// <summary>The location of named argument <paramref name="name"/>, or of the whole attribute.</summary>
        internal static Location? ArgumentLocation(AttributeData attribute, string name)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax { ArgumentList: { } list } syntax)
                return list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.GetLocation() ?? syntax.GetLocation();
            return AttributeLocation(attribute);
        }
    }
}
