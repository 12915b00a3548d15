namespace NetGen.Optimizers;

/// <summary>Argument checks and state allocation shared by the optimizers.</summary>
internal static class OptimizerChecks
{
    public static void NonNegative(float value, string name)
    {
        if (!(value >= 0) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be a finite value ≥ 0.");
    }

    public static void SameLength(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != gradients.Length)
            throw new ArgumentException(
                $"The gradient has {gradients.Length} elements but there are {parameters.Length} parameters; both spans must have the same length.",
                nameof(gradients));
    }

    /// <summary>Returns the state buffer, allocating it (zeroed) on first use; a later call with another length throws.</summary>
    public static float[] State(ref float[]? state, int length)
    {
        if (state is null)
            return state = new float[length];
        if (state.Length != length)
            throw new ArgumentException(
                $"This optimizer holds state for {state.Length} parameters but was given {length}; call Reset() before using it on another network.",
                "parameters");
        return state;
    }
}
