using NetGen.Quantization;

namespace NetGen;

/// <summary>
/// Makes <see cref="INetwork.Quantize"/> callable on a generated network's own type (a default interface method is
/// otherwise visible only through an <see cref="INetwork"/> reference).
/// </summary>
public static class NetworkQuantization
{
    /// <inheritdoc cref="INetwork.Quantize"/>
    public static QuantizedNetwork Quantize<TNetwork>(this TNetwork network, ReadOnlySpan<float> calibrationInputs, int calibrationSamples)
        where TNetwork : class, INetwork
    {
        ArgumentNullException.ThrowIfNull(network);
        return ((INetwork)network).Quantize(calibrationInputs, calibrationSamples);
    }
}
