// Compiled into the runtime and linked into the generator (netstandard2.0).
using System;
using System.Globalization;

namespace NetGen.Shared;

/// <summary>
/// BatchNorm's momentum between NetGen and ONNX. NetGen (like PyTorch) weighs the batch: running ← (1 − m)·running + m·batch;
/// ONNX's <c>BatchNormalization</c> weighs the running value: running ← m·running + (1 − m)·batch. So one is 1 minus the
/// other, taken on the floats' shortest decimal text: PyTorch's 0.1 is exported as ONNX's 0.9 and 0.9 reads back as 0.1
/// (float arithmetic would give 0.10000002).
/// </summary>
internal static class OnnxMomentum
{
    /// <summary>1 − <paramref name="momentum"/> in decimal, rounded to the nearest float.</summary>
    public static float Complement(float momentum)
    {
        if (!(momentum >= 1e-6f && momentum <= 1f)) return 1f - momentum; // beyond decimal's digits, or not a momentum at all
        decimal exact = decimal.Parse(momentum.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        return (float)(1m - exact);
    }
}
