using System.ComponentModel;
using NetGen.Quantization;
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
    /// <see cref="INetwork.Parameters"/> layout: weight <c>WeightScales[j] · Weights[j, i]</c> and bias
    /// <c>InputScale · WeightScales[j] · Biases[j]</c> (computed in double, rounded to float).
    /// </summary>
    public static void Dequantize(QuantizedNetwork network, Span<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(network);
        long count = network.Layers.Sum(l => (long)l.Channels * (l.Inputs + 1));
        if (parameters.Length != count)
            throw new ArgumentException($"The parameters have {parameters.Length} values; the network '{network.Architecture}' has {count}.", nameof(parameters));
        int offset = 0;
        foreach (QuantizedLayer layer in network.Layers)
        {
            int channels = layer.Channels, inputs = layer.Inputs;
            ReadOnlySpan<sbyte> weights = layer.Weights;
            for (int j = 0; j < channels; j++)
            {
                float scale = layer.WeightScales[j];
                for (int i = 0; i < inputs; i++) parameters[offset + j * inputs + i] = (float)((double)scale * weights[j * inputs + i]);
                parameters[offset + channels * inputs + j] = (float)((double)layer.InputScale * scale * layer.Biases[j]);
            }
            offset += channels * (inputs + 1);
        }
    }
}
