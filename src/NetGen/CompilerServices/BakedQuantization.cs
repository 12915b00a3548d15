using System.ComponentModel;
using NetGen.Quantization;
using NetGen.Reference;
using NetGen.Serialization;

namespace NetGen.CompilerServices;

/// <summary>
/// What the code generated for <c>[Network(Weights = "x.ngw")]</c> with an int8 quantized model file calls: the network
/// built from the file's bytes compiled into the assembly, and the float parameters it stands for.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BakedQuantization
{
    /// <summary>
    /// Decodes the bytes of the quantized model file <paramref name="fileName"/>, which the generator checked at build
    /// time: every check of <see cref="ModelFile.LoadQuantized(string)"/> except the SHA-256 fingerprint (compared at
    /// build time, so the program needs no SHA-256), then that it is the network of <paramref name="architecture"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid file for that architecture (they were altered after the build).</exception>
    public static QuantizedNetwork Load(ReadOnlySpan<byte> file, string fileName, string architecture)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(architecture);
        QuantizedNetwork network = QuantizedModelFileFormat.DecodeBaked(file, fileName);
        if (network.Architecture != architecture)
            throw FileErrors.Create(fileName, $"the baked int8 network is '{network.Architecture}', not '{architecture}'.");
        return network;
    }

    /// <summary>
    /// Writes the float parameters <paramref name="network"/> stands for into <paramref name="parameters"/>, in the
    /// <see cref="INetwork.Parameters"/> layout, followed by the running statistics when the span has room for them
    /// (as the generated networks keep them): weight <c>WeightScales[j] · Weights[j, i]</c> and bias
    /// <c>InputScale · WeightScales[j] · Biases[j]</c> (computed in double, rounded to float). A BatchNorm layer was folded
    /// into the layer before it, so it gets γ = √(1 + ε), β = 0, running mean 0 and variance 1: the identity, to float rounding.
    /// </summary>
    public static void Dequantize(QuantizedNetwork network, Span<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(network);
        Topology topology = Topology.Parse(network.Architecture);
        var (count, statisticsCount) = topology.Counts();
        if (parameters.Length != count && parameters.Length != count + statisticsCount)
            throw new ArgumentException($"The parameters have {parameters.Length} values; the network '{network.Architecture}' has {count}"
                + (statisticsCount > 0 ? $" and {statisticsCount} running statistics." : "."), nameof(parameters));
        Span<float> statistics = parameters.Length == count ? [] : parameters.Slice((int)count);
        SampleShape shape = topology.InputShape ?? SampleShape.Flat(topology.InputSize);
        int offset = 0, statisticsOffset = 0, next = 0;
        foreach (var reference in topology.Layers)
        {
            switch (reference.Kind)
            {
                case ReferenceLayerKind.Dense:
                case ReferenceLayerKind.Maxout:
                case ReferenceLayerKind.Conv2D:
                {
                    QuantizedLayer layer = network.Layers[next++];
                    int channels = layer.Channels, inputs = layer.Inputs;
                    ReadOnlySpan<sbyte> weights = layer.Weights;
                    for (int j = 0; j < channels; j++)
                    {
                        float scale = layer.WeightScales[j];
                        for (int i = 0; i < inputs; i++) parameters[offset + j * inputs + i] = (float)((double)scale * weights[j * inputs + i]);
                        parameters[offset + channels * inputs + j] = (float)((double)layer.InputScale * scale * layer.Biases[j]);
                    }
                    break;
                }
                case ReferenceLayerKind.MaxPool2D:
                case ReferenceLayerKind.AvgPool2D:
                    next++;
                    break;
                case ReferenceLayerKind.BatchNorm:
                {
                    int c = shape.Channels;
                    parameters.Slice(offset, c).Fill((float)Math.Sqrt(1 + reference.Epsilon));
                    parameters.Slice(offset + c, c).Clear();
                    if (!statistics.IsEmpty)
                    {
                        statistics.Slice(statisticsOffset, c).Clear();
                        statistics.Slice(statisticsOffset + c, c).Fill(1f);
                    }
                    break;
                }
            }
            offset += reference.ParameterCount(shape);
            statisticsOffset += reference.RunningStatisticsCount(shape);
            shape = reference.OutputShape(shape);
        }
    }
}
