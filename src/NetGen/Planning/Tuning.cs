namespace NetGen.CompilerServices;

/// <summary>
/// The planner's one tuning table: every tile size and split threshold, each derived from the <see cref="MachineProfile"/>
/// by a rule written next to it. Nothing here is a number tuned on one CPU; the constants in the rules are properties of
/// the kernels (their register blocks) or safety margins stated as such.
/// </summary>
internal static class Tuning
{
    private static MachineProfile Machine => MachineProfile.Current;

    // ---- Tiles of the batched Forward --------------------------------------------------------------------------------

    /// <summary>Tiles are whole multiples of this: the packed kernel's block of six samples and the dot-product kernel's four.</summary>
    public const int TileGrain = 12;

    /// <summary>
    /// The batched Forward's tile over weights transposed beforehand (a frozen network): the packed kernel streams every
    /// weight once per tile and re-reads the tile's inputs once per block of units, so the tile's widest layer input
    /// should stay in L2. Three fifths of L2 for it leaves the rest for the weight stream and the outputs. (On a core with
    /// 1 MB of L2 and 784 inputs: 192 samples.)
    /// </summary>
    public static int FrozenTile(int widestInput) =>
        Math.Clamp((int)(Machine.L2Bytes * 3 / 5 / (4L * Math.Max(1, widestInput))) / TileGrain * TileGrain, TileGrain, 1020);

    /// <summary>
    /// The batched Forward's tile when the kernels transpose the weights themselves (a live network, whose parameters may
    /// change between calls): the transpose moves each dense weight once per tile, which costs about as much as lanes / 2
    /// multiply-adds per weight (the product does lanes multiply-adds per instruction, the transpose moves single floats).
    /// The tile keeps that under 1/64 of the tile's work: 32 × lanes × dense weights / multiply-adds per sample samples,
    /// 512 with AVX-512 for a multilayer perceptron (whose multiply-adds are its weights), a few dozen for a convolutional
    /// network whose convolutions outweigh its dense layers. Never smaller than the frozen tile.
    /// </summary>
    public static int LiveTile(int widestInput, long denseWeights, long multiplyAdds)
    {
        long amortizing = 32L * Machine.FloatLanes * Math.Max(0, denseWeights) / Math.Max(1, multiplyAdds);
        int tile = (int)Math.Min(32L * Machine.FloatLanes, (amortizing + TileGrain - 1) / TileGrain * TileGrain);
        return Math.Max(FrozenTile(widestInput), tile);
    }

    /// <summary>
    /// The fewest samples for which the packed (outer-product) kernel of <paramref name="lanes"/>-float vectors beats the
    /// dot-product kernel when it has to transpose the weights first: with the transpose costing about lanes / 2 samples'
    /// product (see <see cref="LiveTile"/>), six times that, 3 × lanes samples (48 with AVX-512). With the weights
    /// transposed beforehand one block of six samples is enough.
    /// </summary>
    public static int PackedMinBatch(int lanes) => 3 * lanes;

    /// <summary>
    /// Whether a live network's forward product of <paramref name="batch"/> samples through a layer of
    /// <paramref name="inputs"/> × <paramref name="units"/> weights takes the samples-in-lanes kernel
    /// (<see cref="SampleLanesDense{TIn, TOut, TS, TV}"/>) rather than transposing the weights for the packed kernel (or
    /// running the dot-product kernel, which measures about as slow as that transpose). Counted in vector multiply-adds,
    /// with moving a float costing about half of one (see <see cref="LiveTile"/>): the weights' transpose costs
    /// inputs · units / 2; the samples-in-lanes kernel moves batch · (inputs + units) floats and wastes the lanes past the
    /// batch in its last vector, (pitch − batch) · inputs · units / lanes. It is taken when it costs less: small batches on
    /// wide layers (784 × 512 up to about 300 samples), never a batch that leaves more than half a vector empty.
    /// </summary>
    public static bool SampleLanesPay(int batch, int inputs, int units, int lanes)
    {
        long pitch = (batch + lanes - 1) / lanes * lanes, weights = (long)inputs * units;
        double cost = (double)(pitch - batch) * weights / lanes + batch * (double)(inputs + units) / 2;
        return batch > 0 && cost < weights / 2.0;
    }

    // ---- Convolution methods ------------------------------------------------------------------------------------------

    private static readonly Lazy<double> MultiplyAddRate = new(MachineProfile.MeasureMultiplyAddsPerNanosecond);
    private static readonly Lazy<double> RowCopy = new(() => MachineProfile.MeasureRowCopyNanoseconds() * MultiplyAddRate.Value / Machine.FloatLanes);

    /// <summary>
    /// What copying one output row of one patch element into an im2col matrix (or adding it back) costs, in vector
    /// multiply-adds of the widest width: the measured copy of a short row times the measured multiply-add rate, over the
    /// lanes. The convolution kernels weigh packing against direct convolution with it (see
    /// <see cref="Conv2DKernels.ForwardMethod{TShape}"/>); both give the same bits, so the measurement decides speed only.
    /// Measured on first use.
    /// </summary>
    public static double RowPackingCost => RowCopy.Value;

    private static readonly Lazy<double> TransposeFloat = new(() => MachineProfile.MeasureTransposeNanoseconds() * MultiplyAddRate.Value / Machine.FloatLanes);

    /// <summary>
    /// What moving one float through a transpose (<see cref="Transpose.Copy(ref float, int, int, int, ref float, int)"/>)
    /// costs, in vector multiply-adds of the widest width: measured like <see cref="RowPackingCost"/>. The filters-in-lanes
    /// convolution pays it for each output and each weight it turns around (see <see cref="Conv2DKernels.ForwardMethod{TShape}"/>).
    /// Measured on first use.
    /// </summary>
    public static double TransposeCost => TransposeFloat.Value;

    // ---- Splits over threads -----------------------------------------------------------------------------------------

    /// <summary>Fewer samples than this per thread are not worth a hand-off: two blocks of the packed kernel.</summary>
    public const int MinSamplesPerPart = 12;

    /// <summary>Fewer samples than this per slice of a tiny network's batch cost more in hand-off than the thread saves: two lane groups.</summary>
    public const int MinSamplesPerSlice = 8;

    /// <summary>Floats per cache line: parameter ranges handed to threads start on one, so no two threads write the same line.</summary>
    public const int CacheLineFloats = 16;

    private static readonly Lazy<SplitCosts> Costs = new(SplitCosts.Measure);

    /// <summary>The measured costs the split thresholds come from (measured on first use, which a thread count above one triggers).</summary>
    public static SplitCosts Splits => Costs.Value;

    /// <summary>
    /// What a hand-off to the worker team costs, in the multiply-adds one core runs meanwhile (<c>H</c>), and the thresholds
    /// that follow from it.
    /// </summary>
    /// <param name="HandOffNanoseconds">The measured hand-off (median of back-to-back empty two-part jobs).</param>
    /// <param name="MultiplyAddsPerNanosecond">One core's measured multiply-add rate in the widest vector.</param>
    internal sealed record SplitCosts(double HandOffNanoseconds, double MultiplyAddsPerNanosecond)
    {
        /// <summary>A hand-off in multiply-adds, H, kept within [2¹³, 2²⁰] so one noisy measurement cannot turn splitting off or on everywhere.</summary>
        public long HandOff { get; } = Math.Clamp((long)(HandOffNanoseconds * MultiplyAddsPerNanosecond), 1L << 13, 1L << 20);

        /// <summary>
        /// A product is split over the threads from 8·H multiply-adds. Split in two, a product gains at most half its time,
        /// and pays the hand-off, the second core's misses on the operand the first core wrote (about as much again) and
        /// both halves running below peak on half the work; from 8·H the gain is several hand-offs.
        /// </summary>
        public long SplitMinMultiplyAdds => 8 * HandOff;

        /// <summary>
        /// A hidden layer's weight gradient and input gradient run side by side, one per thread, when the layer's product
        /// is between H and 32·H: below, the hand-off costs more than the product it moves to the other core; above,
        /// splitting each product balances the threads better (the two kernels differ in speed, so one thread would wait).
        /// </summary>
        public long SideBySideMin => HandOff;

        /// <inheritdoc cref="SideBySideMin"/>
        public long SideBySideMax => 32 * HandOff;

        /// <summary>
        /// An optimizer step is split from the parameter count whose update costs about as much as the smallest product
        /// that is split: an element-wise update of a parameter and its state costs about as much as 16 multiply-adds (it
        /// streams four or five floats through memory).
        /// </summary>
        public int OptimizerMinParameters => (int)Math.Max(CacheLineFloats, SplitMinMultiplyAdds / 16);

        public static SplitCosts Measure()
        {
            double rate = MultiplyAddRate.Value;
            // No second core (or a busy team): no split pays, so the hand-off counts as the largest allowed.
            double handOff = WorkerTeam.MeasureHandOffNanoseconds() ?? double.PositiveInfinity;
            return new SplitCosts(double.IsInfinity(handOff) ? (1L << 20) / Math.Max(rate, 1e-3) : handOff, rate);
        }
    }
}
