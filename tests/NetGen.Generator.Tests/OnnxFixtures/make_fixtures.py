#!/usr/bin/env python3
"""Builds the ONNX fixtures of OnnxImportTests and the outputs NetGen must reproduce.

Not run by CI: the .onnx and .json files it writes are committed next to it. Re-run it only to change a fixture:

    apt-get install -y python3-torch python3-onnx python3-numpy    # Debian 12: torch 1.13, onnx 1.12
    /usr/bin/python3 tests/NetGen.Generator.Tests/OnnxFixtures/make_fixtures.py

Every fixture is a small feed-forward net with fixed random parameters (seeded). Its JSON holds fixed inputs and
the outputs PyTorch (or numpy, for the hand-built graph) computes for them, each value as the decimal that reads
back to the same float32:

    {"model": "...", "input_size": n, "output_size": m, "inputs": [[...], ...], "outputs": [[...], ...]}

The fixtures, and which exporter path each exercises:
  gemm_relu_softmax     4-8-3, nn.Linear -> Gemm (transB = 1), ReLU, Softmax            (torch.onnx.export)
  gemm_activations      5-16-16-16-2, Tanh, LeakyReLU(0.2), ELU(0.5), Sigmoid           (torch.onnx.export)
  matmul_add            6-12-4, x @ W + b -> MatMul + Add (the tf2onnx/Keras shape), Tanh, then a bias-free MatMul
  dropout_flatten       Flatten, Gemm, ReLU, Dropout (ratio initializer, unused mask output), Gemm, Identity
                        (torch export, then a Dropout node spliced in: torch drops it in eval mode)
  helper_gemm_transb0   onnx.helper graph: Gemm transB = 0 with a [1, out] bias, LeakyRelu and Elu with their
                        default alphas, a Gemm without bias, float_data (not raw_data) initializers; numpy outputs
"""
import json
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13


def f32(values):
    """float32 values as Python floats (doubles that read back to the same float32)."""
    return [[float(v) for v in row] for row in np.asarray(values, dtype=np.float32)]


def write_expected(name, inputs, outputs):
    data = {
        "model": name + ".onnx",
        "input_size": int(inputs.shape[1]),
        "output_size": int(outputs.shape[1]),
        "inputs": f32(inputs),
        "outputs": f32(outputs),
    }
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


def inputs_for(width, seed, rows=8):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, width, generator=g) * 2


def export(name, model, width, seed):
    torch.manual_seed(seed)
    for p in model.parameters():  # non-trivial biases too
        torch.nn.init.uniform_(p, -0.8, 0.8)
    model.eval()
    x = inputs_for(width, seed + 1)
    path = os.path.join(HERE, name + ".onnx")
    torch.onnx.export(model, x[:1], path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=OPSET)
    with torch.no_grad():
        y = model(x)
    onnx.checker.check_model(onnx.load(path))
    write_expected(name, x.numpy(), y.numpy())
    return path, x, y


class MatMulAdd(torch.nn.Module):
    """Parameters used as x @ W + b with W [in, out], which torch exports as MatMul + Add (as tf2onnx does for Keras)."""

    def __init__(self):
        super().__init__()
        self.w0 = torch.nn.Parameter(torch.empty(6, 12))
        self.b0 = torch.nn.Parameter(torch.empty(12))
        self.w1 = torch.nn.Parameter(torch.empty(12, 4))

    def forward(self, x):
        return torch.matmul(torch.tanh(torch.matmul(x, self.w0) + self.b0), self.w1)


def main():
    nn = torch.nn
    export("gemm_relu_softmax", nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1)), 4, 10)
    export("gemm_activations", nn.Sequential(
        nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.ELU(0.5),
        nn.Linear(16, 2), nn.Sigmoid()), 5, 20)
    export("matmul_add", MatMulAdd(), 6, 30)

    # Flatten + Dropout: export in eval mode, then splice a Dropout node (inference: the identity) after the ReLU.
    path, _, _ = export("dropout_flatten", nn.Sequential(
        nn.Flatten(), nn.Linear(7, 9), nn.ReLU(), nn.Linear(9, 3)), 7, 40)
    model = onnx.load(path)
    graph = model.graph
    relu = next(n for n in graph.node if n.op_type == "Relu")
    relu_out = relu.output[0]
    for n in graph.node:
        for i, name in enumerate(n.input):
            if name == relu_out:
                n.input[i] = "dropped"
    graph.initializer.append(numpy_helper.from_array(np.array(0.25, dtype=np.float32), "dropout_ratio"))
    dropout = helper.make_node("Dropout", [relu_out, "dropout_ratio"], ["dropped", "dropout_mask"], name="dropout")
    index = list(graph.node).index(relu)
    graph.node.insert(index + 1, dropout)
    last = graph.node[-1]
    last.output[0] = "logits"
    graph.node.append(helper.make_node("Identity", ["logits"], ["output"], name="output_identity"))
    onnx.checker.check_model(model)
    onnx.save(model, path)

    # Hand-built: the Gemm and activation variants torch does not emit.
    rng = np.random.default_rng(50)
    w0 = rng.uniform(-1, 1, (3, 5)).astype(np.float32)   # [in, out]: transB = 0
    b0 = rng.uniform(-1, 1, (1, 5)).astype(np.float32)   # [1, out]
    w1 = rng.uniform(-1, 1, (4, 5)).astype(np.float32)   # [out, in]: transB = 1, no bias
    w2 = rng.uniform(-1, 1, (4, 2)).astype(np.float32)   # MatMul [in, out]
    b2 = rng.uniform(-1, 1, (2,)).astype(np.float32)

    def float_data(name, array):
        return helper.make_tensor(name, TensorProto.FLOAT, array.shape, array.flatten().tolist(), raw=False)

    nodes = [
        helper.make_node("Gemm", ["x", "w0", "b0"], ["z0"], name="gemm0", transB=0),
        helper.make_node("LeakyRelu", ["z0"], ["a0"], name="leaky0"),
        helper.make_node("Gemm", ["a0", "w1"], ["z1"], name="gemm1", transB=1, alpha=1.0),
        helper.make_node("Elu", ["z1"], ["a1"], name="elu1"),
        helper.make_node("MatMul", ["a1", "w2"], ["z2"], name="matmul2"),
        helper.make_node("Add", ["b2", "z2"], ["y"], name="add2"),
    ]
    graph = helper.make_graph(
        nodes, "helper_gemm_transb0",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
        [float_data("w0", w0), float_data("b0", b0), float_data("w1", w1), float_data("w2", w2), float_data("b2", b2)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="make_fixtures.py")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "helper_gemm_transb0.onnx"))
    x = inputs_for(3, 51).numpy().astype(np.float32)
    z0 = x @ w0 + b0
    a0 = np.where(z0 >= 0, z0, np.float32(0.01) * z0).astype(np.float32)
    z1 = a0 @ w1.T
    a1 = np.where(z1 > 0, z1, np.expm1(z1.astype(np.float64)).astype(np.float32)).astype(np.float32)
    y = (a1 @ w2 + b2).astype(np.float32)
    write_expected("helper_gemm_transb0", x, y)


if __name__ == "__main__":
    main()
