using System.Numerics.Tensors;

namespace NetGen.Benchmarks;

/// <summary>
/// The straightforward alternative a user could write by hand: one TensorPrimitives.Dot per output unit, sizes at run
/// time, same parameter layout as NetGen. A contender, not part of the library.
/// </summary>
public sealed class TensorPrimitivesMlp(int[] sizes)
{
    private readonly float[][] _activations = sizes.Select(n => new float[n]).ToArray();

    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output)
    {
        input.CopyTo(_activations[0]);
        int offset = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            int inputs = sizes[l - 1], units = sizes[l];
            ReadOnlySpan<float> x = _activations[l - 1];
            Span<float> a = _activations[l];
            for (int j = 0; j < units; j++)
                a[j] = parameters[offset + units * inputs + j] + TensorPrimitives.Dot(parameters.Slice(offset + j * inputs, inputs), x);
            offset += units * inputs + units;
            if (l < sizes.Length - 1) TensorPrimitives.Max(a, 0f, a);
            else TensorPrimitives.SoftMax(a, a);
        }
        _activations[^1].CopyTo(output);
    }
}
