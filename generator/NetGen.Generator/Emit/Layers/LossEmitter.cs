using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // The loss over the batch and its gradient with respect to the output layer: mean squared error on the outputs,
        // and the two cross-entropies computed from the logits and fused with their activation (σ or softmax), so the
        // gradient is the output minus the target.

        /// <summary>The loss block of ComputeGradients: <c>float loss</c> from <paramref name="output"/>, and dL/d(output) into <paramref name="da"/>.</summary>
        private static void EmitLoss(SourceWriter w, NetworkSpec spec, string output, string da)
        {
            var last = spec.OutputLayer;
            switch (spec.Loss)
            {
                case LossKind.MeanSquaredError:
                    w.WriteLine($"// Loss: mean squared error over n × {spec.OutputSize} outputs; {da} = 2(a − y) / (n·{spec.OutputSize}).");
                    w.WriteLine($"float loss = {Kernels}LossKernels.MeanSquaredError({output}, targets, {da});");
                    break;
                case LossKind.BinaryCrossEntropy:
                    w.WriteLine($"// Loss: binary cross-entropy from the logits (finite for any logit) over n × {spec.OutputSize} outputs;");
                    w.WriteLine($"// fused with the sigmoid, the gradient with respect to the logits is dz{last.Index} = (σ(z) − y) / (n·{spec.OutputSize}).");
                    w.WriteLine($"float loss = {Kernels}LossKernels.BinaryCrossEntropyWithLogits({output}, targets, {da});");
                    break;
                default:
                    w.WriteLine($"// Loss: cross-entropy of softmax(z) summed over {spec.OutputSize} classes and averaged over n samples, computed");
                    w.WriteLine($"// with log-sum-exp; fused with the softmax, the gradient with respect to the logits is dz{last.Index} = (p − y) / n.");
                    w.WriteLine($"float loss = {Kernels}LossKernels.CrossEntropyWithLogits({output}, targets, {da}, OutputSize);");
                    break;
            }
        }
    }
}
