using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace NetGen.CompilerServices;

/// <summary>Throw helpers for generated code, kept out of line so the checks in hot methods stay small.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ThrowHelper
{
    /// <summary>Throws for a span of the wrong length.</summary>
    [DoesNotReturn]
    public static void ThrowLength(string network, string parameter, long expected, int actual, string what) =>
        throw new ArgumentException(
            $"'{parameter}' has {actual} elements but {network} expects {expected} ({what}).", parameter);

    /// <summary>Throws for a batch size that is not positive.</summary>
    [DoesNotReturn]
    public static void ThrowBatchSize(string network, int batchSize) =>
        throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{network} needs a batch size of at least 1.");

    /// <summary>Throws for a group of samples that reaches outside the data (a misuse of <see cref="LaneKernels.Column"/>).</summary>
    [DoesNotReturn]
    public static void ThrowLaneRange(int length, int width, int sample, int valid, int column) =>
        throw new ArgumentOutOfRangeException(nameof(sample),
            $"Samples {sample} to {sample + valid - 1}, column {column} of {width}, reach outside data of {length} values " +
            $"(a group holds 1 to {LaneKernels.Lanes} samples).");
}
