using System.ComponentModel;
using System.Numerics.Tensors;

namespace NetGen.CompilerServices;

/// <summary>Computes the mean loss of one slice of a batch and its gradient into <paramref name="gradients"/>, with one workspace's buffers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate float SliceGradients<TWorkspace>(TWorkspace workspace, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int count,
    Span<float> gradients, ref Rng rng);

/// <summary>
/// Data-parallel gradients for the tiny networks trained in lanes (whose products are far too small to split): the batch
/// is cut into consecutive slices, each slice's mean-loss gradient is computed on its own thread into its own workspace
/// and buffer, and the slices are combined in slice order as g = Σ_k (n_k / n)·g_k. The result depends only on the
/// number of slices, never on thread timing. Slices run on the <see cref="WorkerTeam"/>; after the first call with a
/// given slice count nothing is allocated.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SlicedGradients<TWorkspace> : IParallelWork where TWorkspace : class, new()
{
    private readonly SliceGradients<TWorkspace> _body;
    private readonly int _inputSize, _outputSize, _parameterCount;
    private readonly TWorkspace _first = new();
    private Slice[] _slices = [];

    /// <summary>Slices for a network of the given sizes whose gradients <paramref name="body"/> computes.</summary>
    public SlicedGradients(int inputSize, int outputSize, int parameterCount, SliceGradients<TWorkspace> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        _body = body;
        (_inputSize, _outputSize, _parameterCount) = (inputSize, outputSize, parameterCount);
    }

    /// <summary>How many slices a batch is split into with <paramref name="threads"/> threads.</summary>
    public static int SliceCount(int threads, int batchSize) => Math.Max(1, Math.Min(threads, batchSize / Tuning.MinSamplesPerSlice));

    /// <summary>
    /// The gradient of the batch's mean loss into <paramref name="gradients"/>; returns the mean loss. With one slice the
    /// body runs once over the whole batch with <paramref name="rng"/>; with several, each slice's dropout generator is
    /// seeded from <paramref name="rng"/> in slice order.
    /// </summary>
    internal unsafe float Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> gradients, ref Rng rng, int threads)
    {
        int slices = SliceCount(threads, batchSize);
        if (slices == 1) return _body(_first, inputs, targets, batchSize, gradients, ref rng);
        if (_slices.Length != slices)
        {
            var grown = new Slice[slices];
            for (int k = 0; k < slices; k++) grown[k] = k < _slices.Length ? _slices[k] : new Slice(this, k, k == 0 ? _first : new TWorkspace(), _parameterCount);
            _slices = grown;
            WorkerTeam.Reserve(slices);
        }
        // The caller's spans cannot cross threads; pinned for the duration of the call (which waits for every slice),
        // each slice reads its rows, and later writes its range of the result, through pointers instead of copies.
        fixed (float* x = inputs, y = targets, g = gradients)
        {
            // Consecutive slices; the first batchSize % slices of them take one extra sample.
            for (int k = 0, start = 0; k < slices; k++)
            {
                int count = batchSize / slices + (k < batchSize % slices ? 1 : 0);
                _slices[k].Load(x + (nint)start * _inputSize, y + (nint)start * _outputSize, count, rng.NextUInt64());
                start += count;
            }
            RunPhase(Phase.Gradients);

            // Combine, g = Σ_k (n_k / n)·g_k, each thread over its own range of parameters; every element is summed
            // in slice order, so the result depends on the number of slices only.
            _combined = g;
            _batchSize = batchSize;
            try
            {
                RunPhase(Phase.Combine);
            }
            finally
            {
                _combined = null; // the pinned destination is only valid inside this call
            }
        }

        float loss = 0f;
        foreach (var slice in _slices) loss += (float)slice.Count / batchSize * slice.Loss;
        return loss;
    }

    private enum Phase { Gradients, Combine }

    private unsafe float* _combined;
    private int _batchSize;
    private Phase _phase;

    private void RunPhase(Phase phase)
    {
        _phase = phase;
        WorkerTeam.Run(this, _slices.Length); // slice 0 on the calling thread; rethrows the first slice's failure
    }

    void IParallelWork.Execute(int part) => _slices[part].Execute();

    /// <summary>The combine for parameters [start, start + count).</summary>
    private unsafe void Combine(int start, int count)
    {
        var destination = new Span<float>(_combined + start, count);
        TensorPrimitives.Multiply(_slices[0].Gradients.AsSpan(start, count), (float)_slices[0].Count / _batchSize, destination);
        for (int k = 1; k < _slices.Length; k++)
            TensorPrimitives.MultiplyAdd(_slices[k].Gradients.AsSpan(start, count), (float)_slices[k].Count / _batchSize, destination, destination);
    }

    private sealed unsafe class Slice(SlicedGradients<TWorkspace> owner, int index, TWorkspace workspace, int parameterCount)
    {
        private float* _inputs, _targets;
        private Rng _rng;

        public float[] Gradients { get; } = new float[parameterCount];
        public int Count { get; private set; }
        public float Loss { get; private set; }

        /// <summary>Points the slice at its rows of the pinned batch (valid until <see cref="Run"/> returns).</summary>
        public void Load(float* inputs, float* targets, int count, ulong seed)
        {
            _inputs = inputs;
            _targets = targets;
            Count = count;
            _rng = new Rng(seed);
        }

        public void Execute()
        {
            if (owner._phase == Phase.Gradients)
            {
                int n = Count;
                Loss = owner._body(workspace, new ReadOnlySpan<float>(_inputs, n * owner._inputSize), new ReadOnlySpan<float>(_targets, n * owner._outputSize), n, Gradients, ref _rng);
            }
            else
            {
                int parts = owner._slices.Length, total = owner._parameterCount;
                int start = (int)((long)total * index / parts), end = (int)((long)total * (index + 1) / parts);
                if (end > start) owner.Combine(start, end - start);
            }
        }
    }
}
