using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace NetGen.Generator.Tests.Onnx;

/// <summary>
/// Writes small ONNX models for the import tests, field by field (the numbers of onnx.proto, as NetGen's exporter uses
/// them), so each test can build exactly the graph it needs: a good chain, or one with a single thing wrong.
/// </summary>
internal sealed class Proto
{
    private readonly MemoryStream _stream = new();

    public Proto Varint(int field, long value) { Tag(field, 0); WriteVarint((ulong)value); return this; }
    public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));
    public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

    public Proto Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        WriteVarint((ulong)value.Length);
        _stream.Write(value);
        return this;
    }

    public Proto Float(int field, float value)
    {
        Tag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _stream.ToArray();

    private void Tag(int field, int wire) => WriteVarint((ulong)((field << 3) | wire));

    private void WriteVarint(ulong value)
    {
        for (; value >= 0x80; value >>= 7) _stream.WriteByte((byte)(value | 0x80));
        _stream.WriteByte((byte)value);
    }
}

internal static class OnnxBuilder
{
    public const int Float = 1, Int64Type = 7;

    public static Proto Tensor(string name, long[] dims, float[] values, int type = Float, bool external = false)
    {
        var t = new Proto();
        foreach (long d in dims) t.Varint(1, d);
        t.Varint(2, type).String(8, name);
        if (external) t.Varint(14, 1).Message(13, new Proto().String(1, "location").String(2, name + ".bin"));
        else t.Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
        return t;
    }

    public static Proto Int64Tensor(string name, long[] values)
    {
        var t = new Proto().Varint(1, values.Length).Varint(2, Int64Type).String(8, name);
        return t.Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
    }

    public static Proto Node(string op, string[] inputs, string[] outputs, string name, params Proto[] attributes)
    {
        var n = new Proto();
        foreach (string i in inputs) n.String(1, i);
        foreach (string o in outputs) n.String(2, o);
        n.String(3, name).String(4, op);
        foreach (var a in attributes) n.Message(5, a);
        return n;
    }

    public static Proto Int(string name, long value) => new Proto().String(1, name).Varint(20, 2).Varint(3, value);

    public static Proto FloatAttribute(string name, float value) => new Proto().String(1, name).Varint(20, 1).Float(2, value);

    public static Proto Ints(string name, params long[] values)
    {
        var a = new Proto().String(1, name).Varint(20, 7);
        foreach (long v in values) a.Varint(8, v);
        return a;
    }

    public static Proto Value(string name, int type, long width)
    {
        var shape = new Proto().Message(1, new Proto().String(2, "N")).Message(1, new Proto().Varint(1, width));
        return new Proto().String(1, name).Message(2, new Proto().Message(1, new Proto().Varint(1, type).Message(2, shape)));
    }

    public static byte[] Model(IEnumerable<Proto> nodes, IEnumerable<Proto> initializers, IEnumerable<Proto> inputs, IEnumerable<Proto> outputs)
    {
        var graph = new Proto();
        foreach (var n in nodes) graph.Message(1, n);
        graph.String(2, "test");
        foreach (var t in initializers) graph.Message(5, t);
        foreach (var i in inputs) graph.Message(11, i);
        foreach (var o in outputs) graph.Message(12, o);
        return new Proto().Varint(1, 7).String(2, "OnnxBuilder").Message(7, graph).Message(8, new Proto().String(1, "").Varint(2, 13)).ToArray();
    }

    /// <summary>x [N, 2] → Gemm (W0 [3, 2], b0) → Relu → Gemm (W1 [1, 3], b1) → y [N, 1], with <paramref name="change"/> applied.</summary>
    public static byte[] Chain(Action<List<Proto>, List<Proto>, List<Proto>, List<Proto>>? change = null)
    {
        var nodes = new List<Proto>
        {
            Node("Gemm", ["x", "W0", "b0"], ["z0"], "gemm0", Int("transB", 1)),
            Node("Relu", ["z0"], ["a0"], "relu0"),
            Node("Gemm", ["a0", "W1", "b1"], ["y"], "gemm1", Int("transB", 1)),
        };
        var initializers = new List<Proto>
        {
            Tensor("W0", [3, 2], [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f]),
            Tensor("b0", [3], [0.01f, -0.02f, 0.03f]),
            Tensor("W1", [1, 3], [1f, -1f, 0.5f]),
            Tensor("b1", [1], [0.25f]),
        };
        var inputs = new List<Proto> { Value("x", Float, 2) };
        var outputs = new List<Proto> { Value("y", Float, 1) };
        change?.Invoke(nodes, initializers, inputs, outputs);
        return Model(nodes, initializers, inputs, outputs);
    }

    public static Proto StringAttribute(string name, string value) => new Proto().String(1, name).Varint(20, 3).String(4, value);

    /// <summary>A float image value [N, channels, height, width]; a size of 0 leaves that dimension open.</summary>
    public static Proto ImageValue(string name, long channels, long height, long width)
    {
        var shape = new Proto().Message(1, new Proto().String(2, "N"));
        foreach (long d in new[] { channels, height, width })
            shape.Message(1, d > 0 ? new Proto().Varint(1, d) : new Proto().String(2, "open"));
        return new Proto().String(1, name).Message(2, new Proto().Message(1, new Proto().Varint(1, Float).Message(2, shape)));
    }

    private static float[] Ramp(int count, float scale) => Enumerable.Range(0, count).Select(i => ((i * 7) % 11 - 5) * scale).ToArray();

    /// <summary>
    /// x [N, 2, 6, 6] → Conv (W0 [3, 2, 3, 3], b0, pads 1) → Relu → MaxPool 2 → BatchNormalization (g0, be0, m0, v0 [3])
    /// → Flatten → Gemm (W1 [2, 27], b1) → y [N, 2], with <paramref name="change"/> applied.
    /// </summary>
    public static byte[] ImageChain(Action<List<Proto>, List<Proto>, List<Proto>, List<Proto>>? change = null)
    {
        var nodes = new List<Proto>
        {
            Node("Conv", ["x", "W0", "b0"], ["z0"], "conv0", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 1, 1)),
            Node("Relu", ["z0"], ["a0"], "relu0"),
            Node("MaxPool", ["a0"], ["p0"], "pool0", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)),
            Node("BatchNormalization", ["p0", "g0", "be0", "m0", "v0"], ["n0"], "bn0", FloatAttribute("epsilon", 1e-5f), FloatAttribute("momentum", 0.9f)),
            Node("Flatten", ["n0"], ["f0"], "flat0", Int("axis", 1)),
            Node("Gemm", ["f0", "W1", "b1"], ["y"], "gemm1", Int("transB", 1)),
        };
        var initializers = new List<Proto>
        {
            Tensor("W0", [3, 2, 3, 3], Ramp(54, 0.05f)),
            Tensor("b0", [3], [0.1f, -0.1f, 0.2f]),
            Tensor("g0", [3], [1f, 0.5f, 2f]),
            Tensor("be0", [3], [0f, 0.1f, -0.1f]),
            Tensor("m0", [3], [0.1f, 0.2f, 0.3f]),
            Tensor("v0", [3], [1f, 1.5f, 0.5f]),
            Tensor("W1", [2, 27], Ramp(54, 0.02f)),
            Tensor("b1", [2], [0.3f, -0.3f]),
        };
        var inputs = new List<Proto> { ImageValue("x", 2, 6, 6) };
        var outputs = new List<Proto> { Value("y", Float, 2) };
        change?.Invoke(nodes, initializers, inputs, outputs);
        return Model(nodes, initializers, inputs, outputs);
    }
}
