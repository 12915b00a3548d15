namespace NetGen.Samples.Fitting;

/// <summary>One network of the capacity ladder: a short name (its layer sizes), how to make one, and its dropout twin if it has one.</summary>
/// <param name="Name">The layer sizes, input to output, as in "2-8-1".</param>
/// <param name="Create">Makes the network, initialized from a seed.</param>
/// <param name="CreateWithDropout">Makes the same network with dropout after each hidden layer, or null.</param>
internal sealed record Candidate(string Name, Func<int, INetwork> Create, Func<int, INetwork>? CreateWithDropout = null)
{
    /// <summary>The lab's ladder, from a network too small for the spirals to one that can learn every noisy label by heart.</summary>
    public static IReadOnlyList<Candidate> Full { get; } =
    [
        new("2-2-1", seed => new Net2(seed)),
        new("2-4-1", seed => new Net4(seed)),
        new("2-8-1", seed => new Net8(seed)),
        new("2-16-1", seed => new Net16(seed)),
        new("2-16-16-1", seed => new Net16x16(seed)),
        new("2-32-32-1", seed => new Net32x32(seed)),
        new("2-64-64-1", seed => new Net64x64(seed)),
        new("2-128-128-1", seed => new Net128x128(seed), seed => new Net128x128Dropout(seed)),
    ];

    /// <summary>A shorter, cheaper ladder with the same shape, for the test that checks the lab's claims.</summary>
    public static IReadOnlyList<Candidate> Reduced { get; } =
    [
        new("2-2-1", seed => new Net2(seed)),
        new("2-8-1", seed => new Net8(seed)),
        new("2-32-32-1", seed => new Net32x32(seed)),
        new("2-64-64-1", seed => new Net64x64(seed), seed => new Net64x64Dropout(seed)),
    ];
}
