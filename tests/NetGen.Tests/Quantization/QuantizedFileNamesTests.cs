using NetGen.Quantization;
using NetGen.Reference;
using NetGen.Shared;

namespace NetGen.Tests.Quantization;

/// <summary>The shared quantized-file decoder (also compiled into the generator) names the runtime's enum values as files store them.</summary>
public class QuantizedFileNamesTests
{
    [Fact]
    public void TheDecodersNameTablesAreTheRuntimesEnums()
    {
        Assert.Equal(Enum.GetNames<Activation>(), QuantizedModelFileDecoder.ActivationNames);
        Assert.Equal(Enum.GetValues<Activation>().Select(a => (int)a), Enumerable.Range(0, QuantizedModelFileDecoder.ActivationNames.Length));
        Assert.Equal(Enum.GetNames<LossFunction>(), QuantizedModelFileDecoder.LossNames);
        Assert.Equal(Enum.GetValues<LossFunction>().Select(a => (int)a), Enumerable.Range(0, QuantizedModelFileDecoder.LossNames.Length));
        Assert.Equal(Enum.GetNames<Requantization>(), QuantizedModelFileDecoder.RequantizationNames);
        Assert.Equal((int)ReferenceLayerKind.Dense, QuantizedModelFileDecoder.Dense);
        Assert.Equal((int)ReferenceLayerKind.Maxout, QuantizedModelFileDecoder.Maxout);
        Assert.Equal(Quantizer.MaxInputs, QuantizedModelFileDecoder.MaxInputs);
        Assert.Equal(Quantizer.MaxBias, QuantizedModelFileDecoder.MaxBias);
        Assert.Equal(FixedPointMultiplier.MaxShift, QuantizedModelFileDecoder.MaxShift);
        Assert.Equal("FixedPointMultiplier { Multiplier = 7, Shift = 3, Value = 0.875 }", new FixedPointMultiplier(7, 3).ToString());
    }
}
