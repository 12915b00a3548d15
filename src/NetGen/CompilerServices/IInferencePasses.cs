using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// The inference passes of one generated network type over parameters passed in, which is how a
/// <see cref="FrozenNetwork"/> runs its own copy. Implemented by generated code only, which checks every length (and names the network in its errors).
/// <c>parameters</c> holds the network's parameters followed by its running statistics (BatchNorm's; none for most
/// networks).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IInferencePasses
{
    /// <summary>
    /// Fills <paramref name="packed"/> (as long as <paramref name="parameters"/>, same layout) with every dense layer's
    /// weights transposed, in place of its [units × inputs] block; bias positions are left as they are.
    /// </summary>
    void Pack(ReadOnlySpan<float> parameters, Span<float> packed);

    /// <summary>One sample, as <see cref="IInference.Forward(ReadOnlySpan{float}, Span{float})"/>.</summary>
    void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>A batch, as <see cref="IInference.Forward(ReadOnlySpan{float}, Span{float}, int)"/>, reading transposed weights from <paramref name="packed"/>.</summary>
    void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> packed, ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);
}
