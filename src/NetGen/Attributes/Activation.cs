namespace NetGen;

/// <summary>The activation function applied by a <see cref="DenseAttribute"/> layer.</summary>
public enum Activation
{
    /// <summary>f(x) = x.</summary>
    Identity = 0,
    /// <summary>f(x) = 1 for x ≥ 0, else 0. Its derivative is zero: use it in a <see cref="PerceptronAttribute"/> model, not in a trained network.</summary>
    Step = 1,
    /// <summary>f(x) = 1 / (1 + e^-x).</summary>
    Sigmoid = 2,
    /// <summary>f(x) = tanh(x).</summary>
    Tanh = 3,
    /// <summary>f(x) = max(0, x).</summary>
    ReLU = 4,
    /// <summary>f(x) = max(αx, x), α = <see cref="DenseAttribute.Alpha"/> (default 0.01).</summary>
    LeakyReLU = 5,
    /// <summary>f(x) = x for x ≥ 0, else α(e^x − 1), α = <see cref="DenseAttribute.Alpha"/> (default 1).</summary>
    ELU = 6,
    /// <summary>f(x)_i = e^(x_i) / Σ_k e^(x_k); only valid on the last layer.</summary>
    Softmax = 7,
}
