using NetGen.CompilerServices;

namespace NetGen.Tests.Planning;

internal readonly struct Stride2Conv : IConv2DShape { public static int Channels => 3; public static int Height => 16; public static int Width => 16; public static int Filters => 8; public static int KernelSize => 3; public static int Stride => 2; public static int Padding => 1; }
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
        int frozen = Tuning.FrozenTile(widestInput), live = Tuning.LiveTile(widestInput);
        Assert.InRange(frozen, Tuning.TileGrain, 1020);
        Assert.Equal(0, frozen % Tuning.TileGrain);
        Assert.True(live >= frozen);
    }

    [Fact]
    public void TheMeasuredRowCopyCostIsAPositiveNumberOfMultiplyAdds()
    {
        double cost = Tuning.RowPackingCost;
        Assert.True(double.IsFinite(cost) && cost > 0, $"row packing cost {cost}");
        Assert.Equal(cost, Tuning.RowPackingCost); // measured once
    }

    [Fact]
    public void ConvolutionsWithAStrideArePackedAndWideStrideOneRowsRunDirect()
    {
        Assert.Equal(ConvMethod.Packed, Conv2DKernels.ForwardMethod<Stride2Conv>());
        Assert.Equal(ConvMethod.Packed, Conv2DKernels.InputGradientMethod<Stride2Conv>());
        // Rows of 64 fill whole vectors at every width, so packing can only add its copies.
        Assert.Equal(ConvMethod.Direct, Conv2DKernels.ForwardMethod<WideRowsConv>());
        Assert.Equal(ConvMethod.Direct, Conv2DKernels.InputGradientMethod<WideRowsConv>());
    }
}
