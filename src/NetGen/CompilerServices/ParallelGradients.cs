using System.ComponentModel;
using System.Numerics.Tensors;

namespace NetGen.CompilerServices;

/// <summary>
/// Data-parallel gradient computation for generated networks: a batch is split into consecutive slices, each slice's
/// mean-loss gradient is computed on its own thread into its own buffer, and the slices are combined in slice order as
/// g = Σ_k (n_k / n)·g_k. The result depends only on the number of slices, never on thread timing. Slices run on the
/// <see cref="WorkerTeam"/>'s dedicated threads, so a call allocates nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ParallelGradients : IParallelWork
{
    /// <summary>Computes the mean loss of one slice and its gradient into <paramref name="gradients"/>.</summary>
    public delegate float SliceBody(int slice, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int count, Span<float> gradients, ref Rng rng);

    /// <summary>Fewer samples than this per slice would cost more in hand-off than the thread saves.</summary>
    public const int MinSamplesPerSlice = 8;

    /// <summary>The most threads a network may train with.</summary>
    public const int MaxThreads = 64;

    private readonly Slice[] _slices;
    private readonly SliceBody _body;
    private readonly int _inputSize, _outputSize;

    /// <summary>Prepares <paramref name="slices"/> slices for a network of the given sizes.</summary>
    public ParallelGradients(int slices, int inputSize, int outputSize, int parameterCount, SliceBody body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slices, 2);
        _body = body;
        _inputSize = inputSize;
        _outputSize = outputSize;
        _slices = new Slice[slices];
        for (int k = 0; k < slices; k++) _slices[k] = new Slice(this, k, parameterCount);
        WorkerTeam.Reserve(slices);
    }

    /// <summary>The number of slices.</summary>
    public int Slices => _slices.Length;

    /// <summary>How many slices a batch is split into when training with <paramref name="threads"/> threads.</summary>
    public static int SliceCount(int threads, int batchSize) => Math.Max(1, Math.Min(threads, batchSize / MinSamplesPerSlice));

    /// <summary>
    /// Runs every slice and writes the combined gradient to <paramref name="gradients"/>; returns the mean loss.
    /// Each slice's dropout generator is seeded from <paramref name="rng"/> in slice order.
    /// </summary>
    public unsafe float Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> gradients, ref Rng rng)
    {
        int slices = _slices.Length;
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
            _parameterCount = gradients.Length;
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
    private int _parameterCount, _batchSize;
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

    private sealed unsafe class Slice(ParallelGradients owner, int index, int parameterCount)
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
                Loss = owner._body(index, new ReadOnlySpan<float>(_inputs, n * owner._inputSize), new ReadOnlySpan<float>(_targets, n * owner._outputSize), n, Gradients, ref _rng);
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
