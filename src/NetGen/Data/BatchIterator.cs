namespace NetGen.Data;

/// <summary>One mini-batch: <see cref="Size"/> samples, features and targets row-major.</summary>
/// <remarks>The memory belongs to the <see cref="BatchIterator"/> and is overwritten by the next batch.</remarks>
public readonly record struct Batch(ReadOnlyMemory<float> Features, ReadOnlyMemory<float> Targets, int Size, int Index);

/// <summary>
/// Iterates a <see cref="Dataset"/> in mini-batches, like PyTorch's <c>DataLoader</c>: each epoch visits every
/// sample exactly once (or all but the last partial batch with <see cref="DropLast"/>), in an order shuffled
/// deterministically from the seed and the epoch number. Rows are copied into buffers owned by the iterator, so
/// iterating allocates nothing per batch; without shuffling the batches are slices of the dataset itself.
/// </summary>
/// <example><code>
/// var batches = new BatchIterator(train, batchSize: 32, seed: 42);
/// foreach (Batch b in batches.Epoch(epoch))
///     network.ComputeGradients(b.Features.Span, b.Targets.Span, b.Size);
/// </code></example>
public sealed class BatchIterator
{
    private readonly int[] _order;
    private readonly float[] _features;
    private readonly float[] _targets;

    /// <summary>Creates the iterator and its buffers.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="dropLast"/> is set and the dataset is smaller than one batch, so no batch would ever be produced.</exception>
    public BatchIterator(Dataset data, int batchSize, bool shuffle = true, int seed = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (dropLast && data.Count < batchSize)
            throw new ArgumentException($"The dataset has {data.Count} samples, fewer than one batch of {batchSize}; with dropLast no batch would be produced.", nameof(dropLast));
        Data = data;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        BatchCount = dropLast ? data.Count / batchSize : (data.Count + batchSize - 1) / batchSize;
        _order = new int[data.Count];
        SeededShuffle.Identity(_order);
        int rows = Math.Min(batchSize, data.Count);
        _features = shuffle ? new float[rows * data.FeatureSize] : [];
        _targets = shuffle ? new float[rows * data.TargetSize] : [];
    }

    /// <summary>The dataset iterated.</summary>
    public Dataset Data { get; }

    /// <summary>The number of samples per batch (the last batch may be smaller unless <see cref="DropLast"/>).</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a shuffled order.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed the per-epoch orders derive from.</summary>
    public int Seed { get; }

    /// <summary>Whether the last batch is skipped when it is smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; }

    /// <summary>The number of batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>The sample order of the current epoch (the identity without shuffling).</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>
    /// Starts epoch <paramref name="epoch"/>: computes its order (a function of <see cref="Seed"/> and the epoch only)
    /// and returns its batches. Starting another epoch invalidates the batches of this one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public EpochBatches Epoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (Shuffle)
        {
            SeededShuffle.Identity(_order);
            SeededShuffle.Shuffle(_order, SeededShuffle.Mix(Seed, epoch));
        }
        return new EpochBatches(this);
    }

    /// <summary>Fills the buffers with batch <paramref name="index"/> and describes it.</summary>
    private Batch Load(int index)
    {
        int start = index * BatchSize;
        int size = Math.Min(BatchSize, Data.Count - start);
        int fs = Data.FeatureSize, ts = Data.TargetSize;
        if (!Shuffle)
            return new Batch(Data.Features.AsMemory(start * fs, size * fs), Data.Targets.AsMemory(start * ts, size * ts), size, index);

        ReadOnlySpan<float> features = Data.Features, targets = Data.Targets;
        for (int row = 0; row < size; row++)
        {
            int sample = _order[start + row];
            features.Slice(sample * fs, fs).CopyTo(_features.AsSpan(row * fs, fs));
            targets.Slice(sample * ts, ts).CopyTo(_targets.AsSpan(row * ts, ts));
        }
        return new Batch(_features.AsMemory(0, size * fs), _targets.AsMemory(0, size * ts), size, index);
    }

    /// <summary>The batches of one epoch; a <c>foreach</c> over it allocates nothing.</summary>
    public readonly struct EpochBatches
    {
        private readonly BatchIterator _owner;

        internal EpochBatches(BatchIterator owner) => _owner = owner;

        /// <summary>The number of batches.</summary>
        public int Count => _owner.BatchCount;

        /// <summary>Returns the enumerator.</summary>
        public Enumerator GetEnumerator() => new(_owner);
    }

    /// <summary>Enumerates the batches of one epoch, loading each on <see cref="MoveNext"/>.</summary>
    public struct Enumerator
    {
        private readonly BatchIterator _owner;
        private int _index;

        internal Enumerator(BatchIterator owner)
        {
            _owner = owner;
            _index = -1;
            Current = default;
        }

        /// <summary>The current batch.</summary>
        public Batch Current { get; private set; }

        /// <summary>Loads the next batch.</summary>
        public bool MoveNext()
        {
            if (_index + 1 >= _owner.BatchCount) return false;
            Current = _owner.Load(++_index);
            return true;
        }
    }
}
