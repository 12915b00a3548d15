using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>Weight initialization used by generated <c>Initialize(int seed)</c>; biases start at zero.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Initializers
{
    /// <summary>Glorot/Xavier uniform: U(−a, a), a = √(6 / (fanIn + fanOut)); for sigmoid, tanh, identity and softmax layers.</summary>
    public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, ref Rng rng) =>
        Uniform(weights, MathF.Sqrt(6f / (fanIn + fanOut)), ref rng);

    /// <summary>He/Kaiming uniform: U(−a, a), a = √(6 / fanIn); for the ReLU family and maxout.</summary>
    public static void HeUniform(Span<float> weights, int fanIn, ref Rng rng) =>
        Uniform(weights, MathF.Sqrt(6f / fanIn), ref rng);

    private static void Uniform(Span<float> weights, float limit, ref Rng rng)
    {
        for (int i = 0; i < weights.Length; i++)
            weights[i] = (2f * rng.NextSingle() - 1f) * limit;
    }
}
