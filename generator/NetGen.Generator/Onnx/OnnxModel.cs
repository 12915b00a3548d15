using System.Collections.Generic;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Onnx;

// The parts of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) the importer reads, with the field
// numbers NetGen's own exporter (src/NetGen/Onnx/OnnxExporter.cs) writes. Everything else is skipped. These classes live
// only while one file is imported; nothing of them reaches the incremental pipeline.

/// <summary>ModelProto: the IR version, the default-domain opset and the graph.</summary>
internal sealed class OnnxModel
{
    public long IrVersion;
    public long Opset;
    public OnnxGraph? Graph;

    public static OnnxModel Read(byte[] file)
    {
        var model = new OnnxModel();
        var reader = new ProtoReader(file, 0, file.Length);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: model.IrVersion = reader.ReadInt64(wire, field); break;                 // ir_version
                case 7: model.Graph = OnnxGraph.Read(reader.ReadMessage(wire, field)); break;     // graph
                case 8:                                                                           // opset_import
                {
                    var opset = reader.ReadMessage(wire, field);
                    string domain = "";
                    long version = 0;
                    while (opset.Next(out int f, out int w))
                    {
                        if (f == 1) domain = opset.ReadString(w, f);
                        else if (f == 2) version = opset.ReadInt64(w, f);
                        else opset.Skip(w, f);
                    }
                    if (domain is "" or "ai.onnx") model.Opset = version;
                    break;
                }
                default: reader.Skip(wire, field); break;
            }
        }
        return model;
    }
}

/// <summary>GraphProto: nodes in order, initializers, inputs and outputs.</summary>
internal sealed class OnnxGraph
{
    public readonly List<OnnxNode> Nodes = new();
    public readonly List<OnnxTensor> Initializers = new();
    public readonly List<OnnxValueInfo> Inputs = new();
    public readonly List<OnnxValueInfo> Outputs = new();
    public int SparseInitializers;

    public static OnnxGraph Read(ProtoReader reader)
    {
        var graph = new OnnxGraph();
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: graph.Nodes.Add(OnnxNode.Read(reader.ReadMessage(wire, field), graph.Nodes.Count)); break;
                case 5: graph.Initializers.Add(OnnxTensor.Read(reader.ReadMessage(wire, field))); break;
                case 11: graph.Inputs.Add(OnnxValueInfo.Read(reader.ReadMessage(wire, field))); break;
                case 12: graph.Outputs.Add(OnnxValueInfo.Read(reader.ReadMessage(wire, field))); break;
                case 15: reader.Skip(wire, field); graph.SparseInitializers++; break;
                default: reader.Skip(wire, field); break;
            }
        }
        return graph;
    }
}

/// <summary>NodeProto.</summary>
internal sealed class OnnxNode
{
    public readonly List<string> Inputs = new();
    public readonly List<string> Outputs = new();
    public readonly List<OnnxAttribute> Attributes = new();
    public string Name = "", OpType = "", Domain = "";
    public int Index;

    /// <summary>How diagnostics name the node: <c>node '/0/Gemm' (Gemm)</c>, or by position when it has no name.</summary>
    public string Describe() => (Name.Length > 0 ? $"node '{Name}'" : $"node #{Index}") + $" ({OpType})";

    public string DisplayName => Name.Length > 0 ? Name : "#" + Index;

    public OnnxAttribute? Attribute(string name) => Attributes.Find(a => a.Name == name);

    public static OnnxNode Read(ProtoReader reader, int index)
    {
        var node = new OnnxNode { Index = index };
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: node.Inputs.Add(reader.ReadString(wire, field)); break;
                case 2: node.Outputs.Add(reader.ReadString(wire, field)); break;
                case 3: node.Name = reader.ReadString(wire, field); break;
                case 4: node.OpType = reader.ReadString(wire, field); break;
                case 5: node.Attributes.Add(OnnxAttribute.Read(reader.ReadMessage(wire, field))); break;
                case 7: node.Domain = reader.ReadString(wire, field); break;
                default: reader.Skip(wire, field); break;
            }
        }
        return node;
    }
}

/// <summary>AttributeProto: the scalar, list and tensor kinds the supported operators use.</summary>
internal sealed class OnnxAttribute
{
    public const int FloatKind = 1, IntKind = 2, StringKind = 3, TensorKind = 4, IntsKind = 7;

    public readonly List<long> Ints = new();
    public string Name = "";
    public int Kind;
    public float F;
    public long I;
    public string S = "";
    public OnnxTensor? Tensor;
    public string? RefAttributeName;

    public static OnnxAttribute Read(ProtoReader reader)
    {
        var attribute = new OnnxAttribute();
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: attribute.Name = reader.ReadString(wire, field); break;
                case 2: attribute.F = reader.ReadFloat(wire, field); break;
                case 3: attribute.I = reader.ReadInt64(wire, field); break;
                case 4: attribute.S = reader.ReadString(wire, field); break;
                case 5: attribute.Tensor = OnnxTensor.Read(reader.ReadMessage(wire, field)); break;
                case 8: reader.ReadInt64s(wire, field, attribute.Ints); break;
                case 20: attribute.Kind = reader.ReadInt32(wire, field); break;
                case 21: attribute.RefAttributeName = reader.ReadString(wire, field); break;
                default: reader.Skip(wire, field); break;
            }
        }
        return attribute;
    }
}

/// <summary>TensorProto: dims, element type and where the data is (raw_data, float_data, int64_data or external).</summary>
internal sealed class OnnxTensor
{
    public const int Float = 1, Int64 = 7;

    public readonly List<long> Dims = new();
    public readonly List<byte> FloatData = new();
    public readonly List<long> Int64Data = new();
    public string Name = "";
    public int DataType;
    public Segment? Raw;
    public byte[] File = System.Array.Empty<byte>();
    public bool External, Segmented, OtherData;

    public static OnnxTensor Read(ProtoReader reader)
    {
        var tensor = new OnnxTensor { File = reader.Data };
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: reader.ReadInt64s(wire, field, tensor.Dims); break;
                case 2: tensor.DataType = reader.ReadInt32(wire, field); break;
                case 3: reader.Skip(wire, field); tensor.Segmented = true; break;
                case 4: reader.ReadFloats(wire, field, tensor.FloatData); break;
                case 7: reader.ReadInt64s(wire, field, tensor.Int64Data); break;
                case 8: tensor.Name = reader.ReadString(wire, field); break;
                case 9: tensor.Raw = reader.ReadSegment(wire, field); break;
                case 13: reader.Skip(wire, field); tensor.External = true; break;                   // external_data
                case 14: tensor.External |= reader.ReadInt64(wire, field) == 1; break;              // data_location EXTERNAL
                case 5 or 6 or 10 or 11: reader.Skip(wire, field); tensor.OtherData = true; break;  // int32/string/double/uint64 data
                default: reader.Skip(wire, field); break;
            }
        }
        return tensor;
    }

    /// <summary>ONNX's name of an element type, for messages.</summary>
    public static string TypeName(int type) => type switch
    {
        0 => "UNDEFINED", 1 => "FLOAT", 2 => "UINT8", 3 => "INT8", 4 => "UINT16", 5 => "INT16", 6 => "INT32", 7 => "INT64",
        8 => "STRING", 9 => "BOOL", 10 => "FLOAT16", 11 => "DOUBLE", 12 => "UINT32", 13 => "UINT64", 14 => "COMPLEX64",
        15 => "COMPLEX128", 16 => "BFLOAT16", _ => "type " + type,
    };

    public string Shape => "[" + string.Join(", ", Dims) + "]";

    /// <summary>The number of elements the dims describe, or -1 when a dim is negative or the product is absurd.</summary>
    public long ElementCount()
    {
        long count = 1;
        foreach (long d in Dims)
        {
            if (d < 0 || (d > 0 && count > int.MaxValue / d)) return -1;
            count *= d;
        }
        return count;
    }

    /// <summary>The values as float32 little-endian bytes, as stored; checks the type, the location and the length.</summary>
    public byte[] FloatBytes()
    {
        if (External)
            throw new OnnxImportException(DiagnosticDescriptors.OnnxUnsupportedGraph,
                $"tensor '{Name}' keeps its data in an external file; save the model with the weights inside it (onnx.save_model(model, path, save_as_external_data=False))");
        if (DataType != Float)
            throw new OnnxImportException(DiagnosticDescriptors.OnnxUnsupportedGraph,
                $"tensor '{Name}' has element type {TypeName(DataType)}; NetGen imports FLOAT (float32) parameters only");
        if (Segmented)
            throw new OnnxImportException(DiagnosticDescriptors.OnnxUnsupportedGraph, $"tensor '{Name}' is split into segments, which NetGen does not read");
        long count = ElementCount();
        if (count < 0) throw Invalid($"tensor '{Name}' has the dims {Shape}");
        if (Raw is { } raw)
        {
            if (raw.Length != 4 * count) throw Invalid($"tensor '{Name}' {Shape} needs {4 * count} bytes of raw_data but has {raw.Length}");
            var bytes = new byte[raw.Length];
            System.Array.Copy(File, raw.Offset, bytes, 0, raw.Length);
            return bytes;
        }
        if (FloatData.Count != 4 * count)
            throw Invalid($"tensor '{Name}' {Shape} needs {count} values but has {FloatData.Count / 4} in float_data and no raw_data");
        return FloatData.ToArray();
    }

    /// <summary>The values of an INT64 tensor (Reshape's shape, ReduceMax's axes).</summary>
    public long[] Int64Values()
    {
        if (External || DataType != Int64 || Segmented)
            throw new OnnxImportException(DiagnosticDescriptors.OnnxUnsupportedGraph,
                $"tensor '{Name}' should be an INT64 tensor stored in the file, but it has element type {TypeName(DataType)}{(External ? " and external data" : "")}");
        long count = ElementCount();
        if (count < 0 || count > 64) throw Invalid($"tensor '{Name}' has the dims {Shape}");
        if (Raw is { } raw)
        {
            if (raw.Length != 8 * count) throw Invalid($"tensor '{Name}' {Shape} needs {8 * count} bytes of raw_data but has {raw.Length}");
            var values = new long[count];
            for (int i = 0; i < count; i++)
            {
                ulong v = 0;
                for (int b = 7; b >= 0; b--) v = v << 8 | File[raw.Offset + 8 * i + b];
                values[i] = unchecked((long)v);
            }
            return values;
        }
        if (Int64Data.Count != count) throw Invalid($"tensor '{Name}' {Shape} needs {count} values but has {Int64Data.Count} in int64_data");
        return Int64Data.ToArray();
    }

    private static OnnxImportException Invalid(string problem) => new(DiagnosticDescriptors.OnnxFileInvalid, problem);
}

/// <summary>ValueInfoProto: a graph input or output with its tensor type and shape, when given.</summary>
internal sealed class OnnxValueInfo
{
    /// <summary>The dims: a value, or -1 for a symbolic or missing one.</summary>
    public readonly List<long> Dims = new();
    public string Name = "";
    public int ElementType = -1; // -1: no tensor type given
    public bool IsTensor = true, HasShape;

    public static OnnxValueInfo Read(ProtoReader reader)
    {
        var info = new OnnxValueInfo();
        while (reader.Next(out int field, out int wire))
        {
            if (field == 1) info.Name = reader.ReadString(wire, field);
            else if (field == 2) ReadType(reader.ReadMessage(wire, field), info);
            else reader.Skip(wire, field);
        }
        return info;
    }

    private static void ReadType(ProtoReader type, OnnxValueInfo info)
    {
        while (type.Next(out int field, out int wire))
        {
            if (field != 1) // sequence, map, optional, sparse tensor
            {
                info.IsTensor = false;
                type.Skip(wire, field);
                continue;
            }
            var tensor = type.ReadMessage(wire, field);
            while (tensor.Next(out int f, out int w))
            {
                if (f == 1) info.ElementType = tensor.ReadInt32(w, f);
                else if (f == 2)
                {
                    info.HasShape = true;
                    var shape = tensor.ReadMessage(w, f);
                    while (shape.Next(out int sf, out int sw))
                    {
                        if (sf != 1) { shape.Skip(sw, sf); continue; }
                        var dim = shape.ReadMessage(sw, sf);
                        long value = -1;
                        while (dim.Next(out int df, out int dw))
                        {
                            if (df == 1) value = dim.ReadInt64(dw, df);
                            else dim.Skip(dw, df);
                        }
                        info.Dims.Add(value > 0 ? value : -1);
                    }
                }
                else tensor.Skip(w, f);
            }
        }
    }
}
