namespace NetGen;

/// <summary>The loss a network is trained on. Reductions follow PyTorch's default (<c>reduction='mean'</c>).</summary>
public enum LossFunction
{
    /// <summary>Mean of (output − target)² over every output element of the batch (PyTorch <c>MSELoss</c>).</summary>
    MeanSquaredError = 0,
    /// <summary>Mean of −[y·log p + (1 − y)·log(1 − p)] over every output element of the batch (PyTorch
    /// <c>BCEWithLogitsLoss</c>); needs a Sigmoid output layer and is computed from the logits, so it stays
    /// finite when p is exactly 0 or 1.</summary>
    BinaryCrossEntropy = 1,
    /// <summary>−Σ_k y_k·log p_k summed over classes and averaged over samples (PyTorch <c>CrossEntropyLoss</c>
    /// with probability targets); needs a Softmax output layer and uses the fused gradient p − y.</summary>
    CrossEntropy = 2,
}
