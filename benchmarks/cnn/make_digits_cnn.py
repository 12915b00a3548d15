#!/usr/bin/python3
"""Makes the ONNX Runtime contender of CnnBenchmarks: the digits CNN of NetGen.Benchmarks' CnnNet in PyTorch, with
random weights (torch.manual_seed(24), PyTorch's default initialization), written twice:

- digits_cnn.onnx: torch.onnx.export, opset 13, input "input" [N, 1, 28, 28], output "output" [N, 10] (the softmax
  included, as NetGen's Forward), the batch dimension dynamic;
- digits_cnn.parameters: the same weights as little-endian float32 in NetGen's parameter layout, which is PyTorch's
  order: conv1 weight [16, 1, 5, 5], bias [16]; conv2 weight [32, 16, 5, 5], bias [32]; Linear 1568 → 128 weight
  [128, 1568], bias [128]; Linear 128 → 10 weight [10, 128], bias [10] (215,370 values).

    apt-get install python3-torch python3-onnx
    /usr/bin/python3 benchmarks/cnn/make_digits_cnn.py

Both files are embedded in NetGen.Benchmarks; CnnBenchmarks loads the parameters into CnnNet and checks before timing
that NetGen and ONNX Runtime give the same outputs.
"""

import os
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))


def digits_cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))


def main():
    torch.manual_seed(24)
    model = digits_cnn().eval()
    parameters = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    if parameters.numel() != 215370:
        sys.exit(f"make_digits_cnn.py: {parameters.numel()} parameters, CnnNet has 215,370")
    with_softmax = torch.nn.Sequential(model, torch.nn.Softmax(dim=1)).eval()
    torch.onnx.export(with_softmax, torch.rand(1, 1, 28, 28), os.path.join(here, "digits_cnn.onnx"),
                      input_names=["input"], output_names=["output"], opset_version=13,
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    parameters.numpy().astype("<f4").tofile(os.path.join(here, "digits_cnn.parameters"))
    print(f"wrote digits_cnn.onnx and digits_cnn.parameters ({parameters.numel()} values) in {here}")


if __name__ == "__main__":
    main()
