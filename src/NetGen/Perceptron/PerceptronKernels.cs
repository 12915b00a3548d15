using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// The loops and checks a generated <c>[Perceptron]</c> calls. Small perceptrons are generated as straight-line
/// code and only use the checks; wide ones call <see cref="Dot{TN}"/> and <see cref="Update{TN}"/> with a size
/// struct, so the vector loop (Vector512/256/128 picked at JIT time) is compiled for the exact input width.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PerceptronKernels
{
    /// <summary>Σ_i w[i]·x[i] over <typeparamref name="TN"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TN>(ReadOnlySpan<float> w, ReadOnlySpan<float> x) where TN : IDimension
    {
        if (w.Length < TN.Value || x.Length < TN.Value) ThrowShort();
        return VectorOps.Dot<TN>(ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(x));
    }

    /// <summary>w[i] += step·x[i] over <typeparamref name="TN"/> elements: one perceptron-rule update of a weight row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update<TN>(float step, ReadOnlySpan<float> x, Span<float> w) where TN : IDimension
    {
        if (w.Length < TN.Value || x.Length < TN.Value) ThrowShort();
        VectorOps.Axpy<TN>(step, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(w));
    }

    /// <summary>
    /// Validates the arguments of a generated <c>Train</c>: every exception names the parameter and gives the expected
    /// and the actual value. Reads the targets (and inputs) once; allocates nothing unless it throws.
    /// </summary>
    public static void CheckTrainingArguments(string perceptron, int inputSize, int outputSize,
        ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int samples, int maxEpochs, float learningRate)
    {
        if (samples <= 0)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"{perceptron} needs at least 1 sample; 'samples' is {samples}.");
        if (maxEpochs <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxEpochs), maxEpochs, $"{perceptron} needs at least 1 epoch; 'maxEpochs' is {maxEpochs}.");
        if (!float.IsFinite(learningRate) || learningRate <= 0f)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate,
                $"{perceptron} needs a finite learning rate greater than 0; 'learningRate' is {learningRate}.");
        if (inputs.Length != (long)samples * inputSize)
            ThrowHelper.ThrowLength(perceptron, nameof(inputs), (long)samples * inputSize, inputs.Length, $"samples × InputSize = {samples} × {inputSize}");
        if (targets.Length != (long)samples * outputSize)
            ThrowHelper.ThrowLength(perceptron, nameof(targets), (long)samples * outputSize, targets.Length, $"samples × OutputSize = {samples} × {outputSize}");
        for (int i = 0; i < targets.Length; i++)
        {
            float t = targets[i];
            if (t != 0f && t != 1f)
                throw new ArgumentException(
                    $"{perceptron} is trained on 0/1 targets, but targets[{i}] (sample {i / outputSize}, unit {i % outputSize}) is {t}.", nameof(targets));
        }
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!float.IsFinite(inputs[i]))
                throw new ArgumentException(
                    $"{perceptron} needs finite inputs, but inputs[{i}] (sample {i / inputSize}, input {i % inputSize}) is {inputs[i]}.", nameof(inputs));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowShort() => throw new ArgumentException("A span is shorter than the dimension of the kernel.");
}
