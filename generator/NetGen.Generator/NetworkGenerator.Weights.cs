using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;
using NetGen.Shared;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    /// <summary>The largest model file baked in (16 MiB, about four million parameters; see NETGEN027 for why).</summary>
    internal const long MaxBakedFileBytes = 16L * 1024 * 1024;

    /// <summary>
    /// [Network(Weights = "file.ngw")]: find the file among the AdditionalFiles, check it as ModelFile.Load (or, for an
    /// int8 file, ModelFile.LoadQuantized) would, and emit its parameters as constant data with static Infer/Classify
    /// methods in a second file per network.
    /// </summary>
    private static void InitializeBakedWeights(IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<ParseResult> parsed, IncrementalValuesProvider<NetworkSpec?> specs)
    {
        // 5a. Only networks that name a weights file; equatable, so an edit elsewhere stops here.
        var requests = specs
            .Where(static spec => spec!.Weights is not null)
            .WithTrackingName(TrackingNames.WeightsRequest);

        // 5b. Find and read each network's file. The additional files arrive as a list of references (nothing is read to
        //     build it); only the one matching file is read. A replaced file re-runs this step, and its output, holding
        //     the parameter bytes, compares equal unless the parameters changed.
        var baked = requests
            .Combine(context.AdditionalTextsProvider.Collect())
            .Select(static (pair, ct) => Bake(pair.Left!, pair.Right, ct))
            .WithTrackingName(TrackingNames.BakedWeights);

        // 5c. The source depends on the parameters and the model alone.
        var bakedSpecs = baked
            .Select(static (result, _) => result.Spec)
            .Where(static spec => spec is not null)
            .WithTrackingName(TrackingNames.BakedWeightsSpec);
        context.RegisterSourceOutput(bakedSpecs, static (spc, spec) =>
            EmitSafely(spc, spec!.Network.Type with { HintName = spec.HintName }, () => Emitter.EmitBakedWeights(spec)));

        // 5d. Errors get the location of the Weights argument only here, so moving text never re-reads the file.
        var sites = parsed
            .Select(static (result, _) => result.WeightsArgument)
            .Where(static site => site is not null)
            .Collect();
        var errors = baked
            .Select(static (result, _) => result.Error)
            .Where(static error => error is not null);
        context.RegisterSourceOutput(errors.Combine(sites), static (spc, pair) =>
        {
            var error = pair.Left!;
            var site = pair.Right.FirstOrDefault(s => s!.HintName == error.HintName);
            spc.ReportDiagnostic(Diagnostic.Create(error.Descriptor, site?.ToLocation() ?? Location.None, error.Arguments.ToArray<object>()));
        });
    }

    /// <summary>Finds, reads and checks the weights file of <paramref name="spec"/>. Never throws for a bad file.</summary>
    internal static BakeResult Bake(NetworkSpec spec, ImmutableArray<AdditionalText> files, CancellationToken cancellationToken)
    {
        string name = spec.Weights!, network = spec.Type.Name;
        BakeResult Fail(DiagnosticDescriptor descriptor, params object[] arguments) =>
            new(null, new WeightsError(spec.Type.HintName, descriptor,
                new EquatableArray<string>(arguments.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? ""))));

        var read = ReadAdditionalFile(files, name, cancellationToken);
        switch (read.Problem)
        {
            case FileProblem.NotFound: return Fail(DiagnosticDescriptors.WeightsFileNotFound, network, name);
            case FileProblem.Ambiguous: return Fail(DiagnosticDescriptors.WeightsFileAmbiguous, name, network, read.Matches.Count, string.Join(", ", read.Matches));
            case FileProblem.TooLarge:
                return Fail(DiagnosticDescriptors.WeightsFileTooLarge, name, network,
                    read.Length.ToString("N0", CultureInfo.InvariantCulture), MaxBakedFileBytes.ToString("N0", CultureInfo.InvariantCulture));
            case FileProblem.Unreadable: return Fail(DiagnosticDescriptors.WeightsFileInvalid, name, network, read.ReadError!);
        }
        byte[] file = read.Bytes!;
        if (QuantizedModelFileDecoder.HasMagic(file)) return BakeQuantized(spec, file, Path.GetFileName(read.Matches[0]), Fail);

        if (ModelFileDecoder.TryDecode(file, out var content) is { } problem)
            return Fail(DiagnosticDescriptors.WeightsFileInvalid, name, network, problem);
        string architecture = ArchitectureDescriber.Architecture(spec);
        if (content.Architecture != architecture)
            return Fail(DiagnosticDescriptors.WeightsForAnotherNetwork, name, content.Architecture, network, architecture);
        if (content.ParameterCount != spec.ParameterCount)
            return Fail(DiagnosticDescriptors.WeightsFileInvalid, name, network,
                $"it holds {content.ParameterCount} parameters, but its architecture has {spec.ParameterCount}");

        if (content.StatisticsCount != spec.RunningStatisticsCount)
            return Fail(DiagnosticDescriptors.WeightsFileInvalid, name, network,
                $"it holds {content.StatisticsCount} running statistics, but its architecture keeps {spec.RunningStatisticsCount}");

        var parameters = new byte[4 * content.ParameterCount];
        Array.Copy(file, content.ParameterOffset, parameters, 0, parameters.Length);
        var statistics = new byte[4 * content.StatisticsCount];
        Array.Copy(file, content.StatisticsOffset, statistics, 0, statistics.Length);
        return new BakeResult(new BakedWeightsSpec(spec, Path.GetFileName(read.Matches[0]), new ByteData(parameters))
        {
            RunningStatistics = new ByteData(statistics),
        }, null);
    }

    /// <summary>
    /// An int8 quantized model file (NGQ8): checked as ModelFile.LoadQuantized checks it, and its architecture must be the
    /// declaration's. The whole file is baked in: the program decodes it once, without the fingerprint (compared here).
    /// </summary>
    private static BakeResult BakeQuantized(NetworkSpec spec, byte[] file, string fileName, Func<DiagnosticDescriptor, object[], BakeResult> fail)
    {
        string name = spec.Weights!, network = spec.Type.Name;
        if (QuantizedModelFileDecoder.TryDecode(file, QuantizedModelFileDecoder.Sha256, out var content) is { } problem)
            return fail(DiagnosticDescriptors.WeightsFileInvalid, new object[] { name, network, problem.TrimEnd('.') });
        string architecture = ArchitectureDescriber.Architecture(spec);
        if (content!.Architecture != architecture)
            return fail(DiagnosticDescriptors.WeightsForAnotherNetwork, new object[] { name, content.Architecture, network, architecture });
        return new BakeResult(new BakedWeightsSpec(spec, fileName, new ByteData(file), Quantized: true), null);
    }

    /// <summary>Why <see cref="ReadAdditionalFile"/> has no bytes to give.</summary>
    internal enum FileProblem { None, NotFound, Ambiguous, TooLarge, Unreadable }

    /// <summary>What <see cref="ReadAdditionalFile"/> found: the matching paths (sorted), and the bytes or the problem.</summary>
    internal sealed record FileRead(FileProblem Problem, IReadOnlyList<string> Matches, long Length, byte[]? Bytes, string? ReadError);

    /// <summary>
    /// Finds the one AdditionalFiles item named <paramref name="name"/> (see <see cref="NameMatches"/>) and reads its
    /// bytes, refusing files over <see cref="MaxBakedFileBytes"/>; shared by [Network(Weights)] and [Network(Onnx)].
    /// </summary>
    internal static FileRead ReadAdditionalFile(ImmutableArray<AdditionalText> files, string name, CancellationToken cancellationToken)
    {
        var matches = files.Where(f => NameMatches(f.Path, name)).Select(f => f.Path).OrderBy(p => p, StringComparer.Ordinal).ToList();
        if (matches.Count == 0) return new FileRead(FileProblem.NotFound, matches, 0, null, null);
        if (matches.Count > 1) return new FileRead(FileProblem.Ambiguous, matches, 0, null, null);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
#pragma warning disable RS1035 // AdditionalText only offers GetText(), which decodes; a binary file's bytes can only be read from its path.
            long length = new FileInfo(matches[0]).Length;
            if (length > MaxBakedFileBytes) return new FileRead(FileProblem.TooLarge, matches, length, null, null);
            return new FileRead(FileProblem.None, matches, length, File.ReadAllBytes(matches[0]), null);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileRead(FileProblem.Unreadable, matches, 0, null, "it cannot be read (" + e.Message.TrimEnd('.') + ")");
        }
    }

    /// <summary>
    /// Whether the additional file at <paramref name="path"/> is the one named <paramref name="name"/>: the same path,
    /// or a path ending with '/' + name ("digits.ngw" matches "/src/app/Models/digits.ngw"). Separators are
    /// normalized and letter case is ignored, as on Windows and macOS.
    /// </summary>
    internal static bool NameMatches(string path, string name)
    {
        string p = path.Replace('\\', '/'), n = name.Replace('\\', '/').Trim();
        while (n.StartsWith("./", StringComparison.Ordinal)) n = n.Substring(2);
        if (n.Length == 0) return false;
        if (string.Equals(p, n, StringComparison.OrdinalIgnoreCase)) return true;
        return p.Length > n.Length && p[p.Length - n.Length - 1] == '/' && p.EndsWith(n, StringComparison.OrdinalIgnoreCase);
    }
}
