using System.ComponentModel;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// The per-run bookkeeping of a generated perceptron's <c>Train</c>: errors per epoch, and the weight state after
/// every epoch, to detect the perceptron rule cycling. Called once per epoch, never per sample.
/// </summary>
/// <remarks>
/// The rule is deterministic for a fixed sample order, so if the full weight + bias vector after epoch k equals the
/// one after an earlier epoch j, epochs j+1 … k repeat forever. Because each of those epochs had mistakes and the
/// convergence theorem bounds the mistakes on separable data, this proves the data is not linearly separable.
/// States are compared bit for bit; a 64-bit XxHash3 of each state finds candidates, and each candidate is confirmed
/// against a stored copy. Memory: one copy of the parameters per epoch run (ParameterCount × 4 bytes × epochs).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PerceptronHistory
{
    private readonly string _perceptron;
    private readonly int _inputSize;
    private readonly int _outputSize;
    private readonly int _maxEpochs;
    private readonly List<int> _errors = new();
    private readonly List<float[]> _states = new();
    private readonly Dictionary<ulong, List<int>> _byHash = new();

    /// <summary>Starts a run, recording <paramref name="parameters"/> as the state before epoch 1.</summary>
    public PerceptronHistory(string perceptron, int inputSize, int outputSize, int maxEpochs, ReadOnlySpan<float> parameters)
    {
        _perceptron = perceptron;
        _inputSize = inputSize;
        _outputSize = outputSize;
        _maxEpochs = maxEpochs;
        Remember(parameters, Hash(parameters));
    }

    /// <summary>
    /// Records an epoch that made <paramref name="errors"/> mistakes and left <paramref name="parameters"/>. Returns the
    /// final report when training must stop (converged, cycle, or out of epochs), or null to run another epoch.
    /// </summary>
    public PerceptronReport? EndEpoch(int errors, ReadOnlySpan<float> parameters)
    {
        _errors.Add(errors);
        int epoch = _errors.Count;
        if (errors == 0)
            return Report(PerceptronOutcome.Converged, parameters, -1,
                $"Converged after {Plural(epoch, "epoch")}: epoch {epoch} made no mistakes, so the data is linearly separable.");

        ulong hash = Hash(parameters);
        if (_byHash.TryGetValue(hash, out var candidates))
        {
            foreach (int earlier in candidates)
            {
                if (!MemoryMarshal.AsBytes(parameters).SequenceEqual(MemoryMarshal.AsBytes(_states[earlier].AsSpan())))
                    continue;
                string when = earlier == 0 ? "the starting weights" : $"those after epoch {earlier}";
                string period = epoch - earlier == 1 ? $"epoch {epoch}" : $"epochs {earlier + 1}–{epoch}";
                return Report(PerceptronOutcome.Cycle, parameters, earlier,
                    $"Not linearly separable: the weights and bias after epoch {epoch} are exactly {when}, so the perceptron rule " +
                    $"repeats {period} forever ({ErrorsText(earlier)}); by the convergence theorem, separable data could not cycle like this.");
            }
        }
        if (epoch >= _maxEpochs)
            return Report(PerceptronOutcome.MaxEpochs, parameters, -1,
                $"Ran out of epochs: maxEpochs = {_maxEpochs} were run, the last with {Plural(errors, "mistake")}, and the weights never repeated, " +
                "so whether the data is linearly separable is unknown; allow more epochs.");
        Remember(parameters, hash);
        return null;
    }

    private string ErrorsText(int cycleStart)
    {
        var cycle = _errors.Skip(cycleStart).ToList();
        int min = cycle.Min(), max = cycle.Max();
        return min == max ? $"{Plural(min, "mistake")} per epoch" : $"{min}–{max} mistakes per epoch";
    }

    private PerceptronReport Report(PerceptronOutcome outcome, ReadOnlySpan<float> parameters, int cycleStart, string reason) =>
        new(outcome, _inputSize, _outputSize, parameters, _errors, cycleStart, $"{_perceptron}: {reason}");

    private void Remember(ReadOnlySpan<float> parameters, ulong hash)
    {
        int index = _states.Count;
        _states.Add(parameters.ToArray());
        if (!_byHash.TryGetValue(hash, out var list)) _byHash[hash] = list = new List<int>(1);
        list.Add(index);
    }

    private static ulong Hash(ReadOnlySpan<float> parameters) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(parameters));

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
