namespace NetGen.Training;

/// <summary>
/// Thrown when the loss, the gradient or the updated parameters stop being finite. The network keeps the parameters
/// of the last good step.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(int epoch, int batch, string what)
        : base($"Training diverged in epoch {epoch}, batch {batch}: {what}. The parameters of the last good step were kept; try a lower learning rate, gradient clipping or scaled inputs.")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>The (0-based) epoch in which training diverged.</summary>
    public int Epoch { get; }

    /// <summary>The (0-based) batch of that epoch.</summary>
    public int Batch { get; }
}
