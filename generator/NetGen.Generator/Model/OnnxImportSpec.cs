using Microsoft.CodeAnalysis;
using NetGen.Generator.Helpers;

namespace NetGen.Generator.Model;

/// <summary>
/// A [Network(Onnx = "model.onnx")] type before its file is read: where the generated code goes, the loss the
/// attribute gives and the file it names. Immutable with structural equality, or incremental caching breaks.
/// </summary>
/// <param name="File">The file as written in the attribute.</param>
internal sealed record OnnxRequestSpec(TypeDeclarationSpec Type, LossKind Loss, string File);

/// <summary>Why an ONNX file could not be imported, without a location (that comes from its <see cref="Diagnostics.OnnxSite"/>).</summary>
/// <param name="HintName">The network's hint name, which identifies it across steps.</param>
/// <param name="AtLoss">Whether the problem is the Loss argument (reported there) rather than the file (reported at Onnx = ...).</param>
internal sealed record OnnxError(string HintName, DiagnosticDescriptor Descriptor, EquatableArray<string> Arguments, bool AtLoss);

/// <summary>The outcome of importing one network's ONNX file: the network with its parameters, or an error.</summary>
internal sealed record OnnxImportResult(BakedWeightsSpec? Spec, OnnxError? Error);
