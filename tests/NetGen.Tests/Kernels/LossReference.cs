namespace NetGen.Tests.Kernels;

/// <summary>
/// Losses evaluated in double precision straight from their definitions, for checking the float kernels (also compiled
/// into NetGen.KernelChecks, which runs them at every instruction-set level).
/// </summary>
internal static class LossReference
{
    /// <summary>
    /// Mean over rows of Σ_k y_k·(logΣexp(z) − z_k) and its gradient (softmax(z)_k·Σ_k y_k − y_k) / rows, per row of
    /// <paramref name="width"/> classes, with the row's max subtracted before exponentiating.
    /// </summary>
    public static (double Loss, double[] Gradient) CrossEntropy(float[] z, float[] y, int width)
    {
        int rows = z.Length / width;
        double loss = 0;
        var gradient = new double[z.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, expSum = 0, ySum = 0;
            for (int k = 0; k < width; k++) max = Math.Max(max, z[r * width + k]);
            for (int k = 0; k < width; k++)
            {
                expSum += Math.Exp(z[r * width + k] - max);
                ySum += y[r * width + k];
            }
            double lse = max + Math.Log(expSum);
            for (int k = 0; k < width; k++)
            {
                int i = r * width + k;
                loss += y[i] * (lse - z[i]);
                gradient[i] = (Math.Exp(z[i] - lse) * ySum - y[i]) / rows;
            }
        }
        return (loss / rows, gradient);
    }
}
