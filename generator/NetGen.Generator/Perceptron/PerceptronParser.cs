using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Perceptron;

/// <summary>A parsed [Perceptron] type: the model (null when the declaration has errors) and the diagnostics.</summary>
internal sealed record PerceptronParseResult(PerceptronSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Turns a [Perceptron] class into a <see cref="PerceptronSpec"/> and diagnostics. The only perceptron code that
/// touches symbols and syntax; it never throws for bad input and keeps nothing from the compilation in its result.
/// </summary>
internal static class PerceptronParser
{
    /// <summary>
    /// The most inputs per unit: 65,536 (a 256 × 256 image). With <see cref="MaxOutputs"/> this bounds a perceptron at
    /// 1,024 × 65,537 ≈ 67 M parameters, inside NetGen's 100 M limit for networks and far from int overflow.
    /// </summary>
    public const int MaxInputs = 65_536;

    /// <summary>The most threshold units: 1,024.</summary>
    public const int MaxOutputs = 1_024;

    /// <summary>Members every perceptron gets; a user member with one of these names would not compile.</summary>
    private static readonly string[] GeneratedMemberNames =
    {
        "InputSize", "OutputSize", "ParameterCount", "Parameters", "Reset", "Forward", "Predict", "Train",
    };

    /// <summary>The attributes of the [Network] generator; none of them may sit next to [Perceptron].</summary>
    private static readonly string[] LayerAttributes =
    {
        KnownNames.InputAttribute, KnownNames.DenseAttribute, KnownNames.MaxoutAttribute, KnownNames.DropoutAttribute,
    };

    public static PerceptronParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        var attribute = context.Attributes[0];
        var diagnostics = new List<DiagnosticInfo>();

        // [Network] + [Perceptron]: the [Network] pipeline reports NETGEN014; stay silent so it is reported once.
        var others = type.GetAttributes().Select(a => a.AttributeClass?.ToDisplayString()).ToList();
        if (others.Contains(KnownNames.NetworkAttribute))
            return Result(null, diagnostics);

        // An argument that does not bind (Inputs = "two") is the compiler's error to report.
        if (attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
            return Result(null, diagnostics);

        cancellationToken.ThrowIfCancellationRequested();
        bool ok = CheckDeclaration(type, syntax, attribute, others, diagnostics);
        ok &= CheckSizes(type.Name, attribute, out int inputs, out int outputs, diagnostics);
        if (!ok) return Result(null, diagnostics);

        var declaration = NetworkGenerator.Parser.DescribeType(type);
        declaration = declaration with { HintName = declaration.HintName.Replace(".NetGen.g.cs", ".Perceptron.g.cs") };
        return Result(new PerceptronSpec(declaration, inputs, outputs), diagnostics);
    }

    private static PerceptronParseResult Result(PerceptronSpec? spec, List<DiagnosticInfo> diagnostics) =>
        new(spec, new EquatableArray<DiagnosticInfo>(diagnostics));

    /// <summary>Partial (with all enclosing types), not static, C# 11+, no [Network] layer attributes, no member clashes.</summary>
    private static bool CheckDeclaration(INamedTypeSymbol type, TypeDeclarationSyntax syntax, AttributeData attribute,
        List<string?> attributeNames, List<DiagnosticInfo> diagnostics)
    {
        int before = diagnostics.Count;
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronNotPartial, syntax.Identifier.GetLocation(), type.Name));
        for (var outer = syntax.Parent as TypeDeclarationSyntax; outer is not null; outer = outer.Parent as TypeDeclarationSyntax)
        {
            if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronNotPartial, outer.Identifier.GetLocation(), outer.Identifier.ValueText));
        }
        if (type.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StaticPerceptron, syntax.Identifier.GetLocation(), type.Name));

        // The generated code for wide perceptrons uses file-local size structs (C# 11), as networks do: same rule, same id.
        if (syntax.SyntaxTree.Options is CSharpParseOptions options && options.LanguageVersion < LanguageVersion.CSharp11)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LanguageVersionTooOld, syntax.Identifier.GetLocation(),
                type.Name, options.LanguageVersion.ToDisplayString()));

        // [Perceptron] with [Input]/[Dense]/[Maxout]/[Dropout] but no [Network]: NETGEN014, on the [Perceptron] attribute.
        string? layer = attributeNames.FirstOrDefault(n => Array.IndexOf(LayerAttributes, n) >= 0);
        if (layer is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronWithLayers, NetworkGenerator.Parser.AttributeLocation(attribute),
                type.Name, layer.Substring("NetGen.".Length, layer.Length - "NetGen.".Length - "Attribute".Length)));

        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || Array.IndexOf(GeneratedMemberNames, member.Name) < 0) continue;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNameConflict, member.Locations.FirstOrDefault(), type.Name, member.Name));
        }
        return diagnostics.Count == before;
    }

    /// <summary>Inputs must be set, 1 … <see cref="MaxInputs"/>; Outputs 1 … <see cref="MaxOutputs"/>.</summary>
    private static bool CheckSizes(string name, AttributeData attribute, out int inputs, out int outputs, List<DiagnosticInfo> diagnostics)
    {
        inputs = 0;
        outputs = 1;
        bool inputsSet = false;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "Inputs" && named.Value.Value is int i) { inputs = i; inputsSet = true; }
            if (named.Key == "Outputs" && named.Value.Value is int o) outputs = o;
        }

        bool ok = true;
        if (!inputsSet)
        {
            // Nothing to point at but the attribute itself.
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronSizeOutOfRange, NetworkGenerator.Parser.AttributeLocation(attribute),
                "Inputs", name, "not set", 1, Format(MaxInputs)));
            ok = false;
        }
        else if (inputs < 1 || inputs > MaxInputs)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronSizeOutOfRange, NetworkGenerator.Parser.ArgumentLocation(attribute, "Inputs"),
                "Inputs", name, inputs, 1, Format(MaxInputs)));
            ok = false;
        }
        if (outputs < 1 || outputs > MaxOutputs)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronSizeOutOfRange, NetworkGenerator.Parser.ArgumentLocation(attribute, "Outputs"),
                "Outputs", name, outputs, 1, Format(MaxOutputs)));
            ok = false;
        }
        return ok;
    }

    private static string Format(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
