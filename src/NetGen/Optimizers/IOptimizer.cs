namespace NetGen.Optimizers;

/// <summary>An optimizer: updates a flat parameter buffer from the gradient of the same layout.</summary>
public interface IOptimizer
{
    /// <summary>The learning rate used by the next <see cref="Step"/>; learning-rate schedules set it.</summary>
    float LearningRate { get; set; }

    /// <summary>Applies one update. Allocates nothing after the first call (state is sized on first use).</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or differ from the length seen on the first call.</exception>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>Forgets all state (moments, step count), as if newly constructed.</summary>
    void Reset();

    /// <summary>
    /// Writes the optimizer's kind, hyper-parameters and state (moments, step count) so that training can resume
    /// exactly where it stopped (model files store it next to the parameters).
    /// </summary>
    void WriteState(BinaryWriter writer);

    /// <summary>Restores what <see cref="WriteState"/> wrote. Nothing is changed if it throws.</summary>
    /// <exception cref="InvalidDataException">The data is for another optimizer kind, is truncated or corrupt.</exception>
    void ReadState(BinaryReader reader);
}
