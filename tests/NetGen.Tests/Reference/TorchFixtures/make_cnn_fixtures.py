#!/usr/bin/env python3
"""Builds the PyTorch fixture of ConvolutionReferenceTests: a small CNN with batch norm, one training step's worth.

Not run by CI: the .json file it writes is committed next to it. Re-run it only to change the fixture:

    apt-get install -y python3-torch python3-numpy    # Debian 12: torch 1.13
    /usr/bin/python3 tests/NetGen.Tests/Reference/TorchFixtures/make_cnn_fixtures.py

The network, as NetGen's architecture string writes it (the test parses this string, so the fixture also checks
the grammar against PyTorch's modules):

    Input(2, 12, 12)
    -> Conv2D(4, 3, Identity, stride=1, padding=1)       nn.Conv2d(2, 4, 3, padding=1)
    -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05)       nn.BatchNorm2d(4), nn.ReLU()
    -> MaxPool2D(2, stride=2)                             nn.MaxPool2d(2)
    -> Conv2D(6, 3, ELU, stride=2, padding=1, alpha=0.5)  nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ELU(0.5)
    -> AvgPool2D(2, stride=1)                             nn.AvgPool2d(2, stride=1)
    -> BatchNorm(Identity, momentum=0.25, epsilon=0.001)  nn.BatchNorm2d(6, eps=1e-3, momentum=0.25)
    -> Dense(8, Tanh)                                     nn.Flatten(), nn.Linear(24, 8), nn.Tanh()
    -> BatchNorm(LeakyReLU, momentum=0.1, epsilon=1E-05, alpha=0.2)   nn.BatchNorm1d(8), nn.LeakyReLU(0.2)
    -> Dense(3, Softmax) | CrossEntropy                   nn.Linear(8, 3), cross entropy (mean over the batch)

Parameters and inputs are random float32 values (seeded); the running statistics start from random values too, so
the inference pass shows they were used. Everything is computed in float64 from those float32 values, so the
expected values are exact to double rounding. The JSON holds, all flat in NetGen's layouts (parameters per layer in
order: Conv2D weights [f × c × k × k] then biases, BatchNorm γ then β, Dense weights [out × in] then biases; running
statistics per BatchNorm layer: mean then variance; samples one after the other, each C×H×W row-major):

    architecture, batch_size, parameters, running_statistics (before the step), inputs, targets (one-hot),
    training_outputs (the softmax outputs in training mode), loss, gradients (dL/dparameters),
    input_gradients (dL/dinputs), updated_running_statistics (after the training pass),
    inference_outputs (eval mode, with the updated running statistics)
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ARCHITECTURE = ("Input(2, 12, 12) -> Conv2D(4, 3, Identity, stride=1, padding=1) -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05)"
                " -> MaxPool2D(2, stride=2) -> Conv2D(6, 3, ELU, stride=2, padding=1, alpha=0.5) -> AvgPool2D(2, stride=1)"
                " -> BatchNorm(Identity, momentum=0.25, epsilon=0.001) -> Dense(8, Tanh)"
                " -> BatchNorm(LeakyReLU, momentum=0.1, epsilon=1E-05, alpha=0.2) -> Dense(3, Softmax) | CrossEntropy")
BATCH = 5


def model():
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ELU(0.5),
        nn.AvgPool2d(2, stride=1),
        nn.BatchNorm2d(6, eps=1e-3, momentum=0.25),
        nn.Flatten(), nn.Linear(24, 8), nn.Tanh(),
        nn.BatchNorm1d(8), nn.LeakyReLU(0.2),
        nn.Linear(8, 3))


def float32_values(tensor, generator, low, high):
    """Uniform values in [low, high), rounded to float32 (what a NetGen network holds), stored as float64."""
    values = torch.rand(tensor.shape, generator=generator, dtype=torch.float32) * (high - low) + low
    return values.to(torch.float64)


def flat(tensor):
    return [float(v) for v in tensor.detach().reshape(-1)]


def main():
    g = torch.Generator().manual_seed(24)
    net = model().to(torch.float64)
    norms = [m for m in net if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d))]
    with torch.no_grad():
        for module in net:
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                module.weight.copy_(float32_values(module.weight, g, -0.6, 0.6))
                module.bias.copy_(float32_values(module.bias, g, -0.3, 0.3))
        for norm in norms:
            norm.weight.copy_(float32_values(norm.weight, g, 0.5, 1.5))
            norm.bias.copy_(float32_values(norm.bias, g, -0.3, 0.3))
            norm.running_mean.copy_(float32_values(norm.running_mean, g, -0.5, 0.5))
            norm.running_var.copy_(float32_values(norm.running_var, g, 0.5, 2.0))

    # NetGen's order: per layer, weights then biases (γ then β); per BatchNorm, mean then variance.
    parameters = [p for module in net if hasattr(module, "weight") for p in (module.weight, module.bias)]
    statistics_before = [v for norm in norms for v in flat(norm.running_mean) + flat(norm.running_var)]

    x = float32_values(torch.empty(BATCH, 2, 12, 12), g, -2, 2).requires_grad_(True)
    classes = torch.tensor([0, 2, 1, 2, 0])
    net.train()
    logits = net(x)
    loss = torch.nn.functional.cross_entropy(logits, classes)
    loss.backward()
    statistics_after = [v for norm in norms for v in flat(norm.running_mean) + flat(norm.running_var)]

    net.eval()
    with torch.no_grad():
        inference = torch.softmax(net(x), dim=1)

    data = {
        "architecture": ARCHITECTURE,
        "batch_size": BATCH,
        "parameters": [v for p in parameters for v in flat(p)],
        "running_statistics": statistics_before,
        "inputs": flat(x),
        "targets": flat(torch.nn.functional.one_hot(classes, 3).to(torch.float64)),
        "training_outputs": flat(torch.softmax(logits, dim=1)),
        "loss": float(loss),
        "gradients": [v for p in parameters for v in flat(p.grad)],
        "input_gradients": flat(x.grad),
        "updated_running_statistics": statistics_after,
        "inference_outputs": flat(inference),
    }
    with open(os.path.join(HERE, "cnn_batchnorm.json"), "w") as f:
        json.dump(data, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
