namespace NetGen.Data;

/// <summary>
/// Deterministic Fisher–Yates shuffles driven by SplitMix64, so that a seed gives the same order on every runtime and
/// machine (<see cref="Random"/>'s algorithm is an implementation detail and may change).
/// </summary>
internal static class SeededShuffle
{
    /// <summary>Combines a seed with a stream number (for example the epoch) into one 64-bit state.</summary>
    public static ulong Mix(int seed, int stream)
    {
        ulong state = ((ulong)(uint)seed << 32) | (uint)stream;
        return Next(ref state);
    }

    /// <summary>Shuffles <paramref name="items"/> in place; every permutation is equally likely.</summary>
    public static void Shuffle(Span<int> items, ulong state)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Below(ref state, (uint)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Fills <paramref name="items"/> with 0, 1, …, n − 1.</summary>
    public static void Identity(Span<int> items)
    {
        for (int i = 0; i < items.Length; i++) items[i] = i;
    }

    /// <summary>A uniform integer in [0, bound), by Lemire's multiply-and-reject method (no modulo bias).</summary>
    private static int Below(ref ulong state, uint bound)
    {
        while (true)
        {
            ulong product = (ulong)(uint)(Next(ref state) >> 32) * bound;
            uint low = (uint)product;
            if (low >= bound || low >= (0u - bound) % bound)
                return (int)(product >> 32);
        }
    }

    /// <summary>SplitMix64 (Steele, Lea &amp; Flood, 2014).</summary>
    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
