using NetGen.CompilerServices;

namespace NetGen.Tests.Planning;

internal readonly struct Stride2Conv : IConv2DShape { public static int Channels => 3; public static int Height => 16; public static int Width => 16; public static int Filters => 8; public static int KernelSize => 3; public static int Stride => 2; public static int Padding => 1; }
internal readonly struct DigitsConv2 : IConv2DShape { public static int Channels => 16; public static int Height => 14; public static int Width => 14; public static int Filters => 32; public static int KernelSize => 5; public static int Stride => 1; public static int Padding => 2; }
internal readonly struct WideRowsConv : IConv2DShape { public static int Channels => 4; public static int Height => 8; public static int Width => 64; public static int Filters => 8; public static int KernelSize => 3; public static int Stride => 1; public static int Padding => 1; }

/// <summary>The planner's table as derived from this machine: sizes read from sysfs, tiles within their bounds, measured costs that make sense, and the rules' fixed points.</summary>
public class TuningTests
{
    [Theory]
    [InlineData("1024K", 1024L * 1024)]
    [InlineData("32M", 32L * 1024 * 1024)]
    [InlineData("49152", 49152L)]
    [InlineData("", 0L)]
    [InlineData("K", 0L)]
    [InlineData("-4K", 0L)]
    [InlineData("lots", 0L)]
    public void CacheSizesParseAsSysfsWritesThem(string text, long bytes) => Assert.Equal(bytes, MachineProfile.ParseSize(text));

    [Theory]
    [InlineData(1)]
    [InlineData(784)]
    [InlineData(12544)]
    [InlineData(int.MaxValue)]
    public void ForwardTilesAreWholeGrainsWithinBounds(int widestInput)
    {
        int frozen = Tuning.FrozenTile(widestInput);
        Assert.InRange(frozen, Tuning.TileGrain, 1020);
        Assert.Equal(0, frozen % Tuning.TileGrain);
        foreach (var (weights, multiplyAdds) in new (long, long)[] { (109_184, 109_184), (200_704, 3_024_384), (0, 1000), (5, 0) })
        {
            int live = Tuning.LiveTile(widestInput, weights, multiplyAdds);
            // Whole grains, or the cap of 32 × lanes.
            Assert.True(live >= frozen && (live % Tuning.TileGrain == 0 || live == 32 * MachineProfile.Current.FloatLanes), $"live tile {live}");
            Assert.True(live <= Math.Max(frozen, 32 * MachineProfile.Current.FloatLanes));
        }
    }

    [Fact]
    public void ALiveTileAmortizesTheTransposeOverTheDenseWork()
    {
        int lanes = MachineProfile.Current.FloatLanes;
        // A multilayer perceptron: its multiply-adds are its weights, so 32 × lanes samples.
        Assert.Equal(Math.Max(Tuning.FrozenTile(784), 32 * lanes), Tuning.LiveTile(784, 109_184, 109_184));
        // The digits CNN: dense weights are 1/15 of its work, so the tile only needs a fifteenth of that.
        int cnn = Tuning.LiveTile(12_544, 200_704, 3_024_384);
        Assert.Equal(Math.Max(Tuning.FrozenTile(12_544), (32 * lanes * 200_704 / 3_024_384 + Tuning.TileGrain - 1) / Tuning.TileGrain * Tuning.TileGrain), cnn);
        Assert.True(cnn < 32 * lanes || lanes == 1);
    }

    [Fact]
    public void TheMeasuredRowCopyCostIsAPositiveNumberOfMultiplyAdds()
    {
        double cost = Tuning.RowPackingCost;
        Assert.True(double.IsFinite(cost) && cost > 0, $"row packing cost {cost}");
        Assert.Equal(cost, Tuning.RowPackingCost); // measured once
    }

    [Fact]
    public void TheMeasuredTransposeCostIsAPositiveNumberOfMultiplyAdds()
    {
        double cost = Tuning.TransposeCost;
        Assert.True(double.IsFinite(cost) && cost > 0 && cost < 16, $"transpose cost {cost}");
        Assert.Equal(cost, Tuning.TransposeCost); // measured once
    }

    [Fact]
    public void ConvolutionsWithAStrideAreNotDirectWideStrideOneRowsRunDirectAndWholeFilterVectorsRunInLanes()
    {
        // Direct convolution is written for stride 1 only.
        Assert.NotEqual(ConvMethod.Direct, Conv2DKernels.ForwardMethod<Stride2Conv>());
        Assert.Equal(ConvMethod.Packed, Conv2DKernels.InputGradientMethod<Stride2Conv>());
        // The digits CNN's second convolution: rows of 14 leave lanes empty at every vector width, its 32 filters fill
        // whole vectors, so with vectors the filters go in the lanes (by 12 % of the multiply-adds at 16 lanes, more when
        // narrower), even for one sample, whose weight transpose is not shared.
        if (MachineProfile.Current.FloatLanes > 1)
        {
            Assert.Equal(ConvMethod.FilterLanes, Conv2DKernels.ForwardMethod<DigitsConv2>());
            Assert.Equal(ConvMethod.FilterLanes, Conv2DKernels.ForwardMethod<DigitsConv2>(64));
            // With a 2 × 2 pool inside, a quarter of the outputs is transposed and the other methods pay a pooling pass.
            Assert.Equal(ConvMethod.FilterLanes, Conv2DKernels.ForwardMethod<DigitsConv2>(64, 49));
            // Its input gradient, the same product with its 16 input channels in the lanes.
            Assert.Equal(ConvMethod.FilterLanes, Conv2DKernels.InputGradientMethod<DigitsConv2>(64));
        }
        // Rows of 64 fill whole vectors at every width, so packing can only add its copies.
        Assert.Equal(ConvMethod.Direct, Conv2DKernels.ForwardMethod<WideRowsConv>());
        Assert.Equal(ConvMethod.Direct, Conv2DKernels.InputGradientMethod<WideRowsConv>());
    }
}
