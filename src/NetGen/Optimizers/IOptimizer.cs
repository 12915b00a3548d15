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
}
