namespace NetGen;

/// <summary>
/// Inverted dropout: while training (<see cref="INetwork.ComputeGradients"/>) each value is zeroed with
/// probability <c>rate</c> and the survivors are scaled by 1 / (1 − rate); <see cref="IInference.Forward(ReadOnlySpan{float}, Span{float})"/>
/// passes values through unchanged. The mask comes from a generator owned by the network and seeded by
/// <see cref="INetwork.Initialize"/>, so training runs are repeatable. Has no parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Drops each value with probability <paramref name="rate"/>, which must be in [0, 1).</summary>
    public DropoutAttribute(float rate) => Rate = rate;

    /// <summary>The probability of dropping a value.</summary>
    public float Rate { get; }
}
