namespace NetGen.Tests.Kernels;

/// <summary>Inputs and a bit-for-bit comparison shared by the kernel tests.</summary>
internal static class KernelTestData
{
    /// <summary><paramref name="count"/> values drawn uniformly from [−scale, scale).</summary>
    public static float[] Values(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>Fails on the first element whose bits differ, naming it and both values.</summary>
    public static void AssertBitEqual(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:G9}, expected {expected[i]:G9}");
    }
}
