#!/usr/bin/env python3
"""Builds the convolutional ONNX fixtures of OnnxImageImportTests and the outputs NetGen must reproduce.

Not run by CI: the .onnx and .json files it writes are committed next to it. Re-run it only to change a fixture:

    apt-get install -y python3-torch python3-onnx python3-numpy    # Debian 12: torch 1.13, onnx 1.12
    /usr/bin/python3 tests/NetGen.Generator.Tests/OnnxFixtures/make_cnn_fixtures.py

Each fixture is a small CNN with fixed random parameters (seeded) and, for batch norm, random running statistics,
exported by torch.onnx.export in eval mode (opset 13) with the input [N, C, H, W] and a symbolic batch. Its JSON has
the format of make_fixtures.py plus the architecture string NetGen must import, the input shape, and the flat
parameters and running statistics in NetGen's layouts (PyTorch's: Conv2d weights [f, c, k, k] then bias, BatchNorm
weight then bias, Linear weight [out, in] then bias; per batch norm running_mean then running_var):

    {"model", "architecture", "input_shape": [c, h, w], "input_size", "output_size",
     "parameters": [...], "running_statistics": [...], "inputs": [[...], ...] (each sample C×H×W row-major),
     "outputs": [[...], ...] (PyTorch's eval-mode outputs)}

The fixtures:
  cnn_conv_linear     Conv(1→4, 3, pad 1)-ReLU-Conv(4→3, 3, stride 2)-Tanh-Flatten-Linear(27, 5)
  cnn_pool_batchnorm  Conv(1→4, 3, pad 1)-ReLU-MaxPool 2-Conv(4→6, 3)-BatchNorm2d-ReLU-AvgPool 2-Flatten-Linear(24, 10)-Softmax,
                      exported with training=PRESERVE (the model in eval mode), which keeps the BatchNormalization node
                      that an EVAL export folds into the Conv; AvgPool2d exports as a zero Pad + AveragePool
  cnn_relu_after_pool Conv(2→3, 3)-MaxPool 2-ReLU (PyTorch's classic F.relu(F.max_pool2d(conv(x), 2))), x.view(-1, 27)
                      (a Reshape), Linear(27, 8)-BatchNorm1d(8, eps 1e-3, momentum 0.2)-Sigmoid-Linear(8, 3)
"""
import json
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
nn = torch.nn


class ReluAfterPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.fc1 = nn.Linear(27, 8)
        self.bn = nn.BatchNorm1d(8, eps=1e-3, momentum=0.2)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv(x), 2))
        x = x.view(-1, 27)
        return self.fc2(torch.sigmoid(self.bn(self.fc1(x))))


def f32(values):
    return [float(v) for v in np.asarray(values, dtype=np.float32).reshape(-1)]


def export(name, model, shape, architecture, seed, **options):
    torch.manual_seed(seed)
    for p in model.parameters():  # non-trivial biases, scales and shifts too
        nn.init.uniform_(p, -0.8, 0.8)
    statistics = []
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            statistics += f32(m.running_mean.detach()) + f32(m.running_var.detach())
    model.eval()
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(6, *shape, generator=g)
    path = os.path.join(HERE, name + ".onnx")
    torch.onnx.export(model, x[:1], path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=OPSET, **options)
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        y = model(x)
    data = {
        "model": name + ".onnx",
        "architecture": architecture,
        "input_shape": list(shape),
        "input_size": int(np.prod(shape)),
        "output_size": int(y.shape[1]),
        "parameters": [v for p in model.parameters() for v in f32(p.detach())],
        "running_statistics": statistics,
        "inputs": [f32(row) for row in x],
        "outputs": [f32(row) for row in y],
    }
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


def main():
    export("cnn_conv_linear", nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 3, 3, stride=2), nn.Tanh(),
        nn.Flatten(), nn.Linear(27, 5)), (1, 8, 8),
        "Input(1, 8, 8) -> Conv2D(4, 3, ReLU, stride=1, padding=1) -> Conv2D(3, 3, Tanh, stride=2, padding=0)"
        " -> Dense(5, Identity) | MeanSquaredError", 60)
    export("cnn_pool_batchnorm", nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(24, 10), nn.Softmax(dim=1)), (1, 12, 12),
        "Input(1, 12, 12) -> Conv2D(4, 3, ReLU, stride=1, padding=1) -> MaxPool2D(2, stride=2)"
        " -> Conv2D(6, 3, Identity, stride=1, padding=0) -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05)"
        " -> AvgPool2D(2, stride=2) -> Dense(10, Softmax) | CrossEntropy", 70,
        training=torch.onnx.TrainingMode.PRESERVE)  # the eval-mode export folds BatchNorm2d into the Conv before it
    export("cnn_relu_after_pool", ReluAfterPool(), (2, 8, 8),
        "Input(2, 8, 8) -> Conv2D(3, 3, ReLU, stride=1, padding=0) -> MaxPool2D(2, stride=2) -> Dense(8, Identity)"
        " -> BatchNorm(Sigmoid, momentum=0.2, epsilon=0.001) -> Dense(3, Identity) | MeanSquaredError", 80)


if __name__ == "__main__":
    main()
