#!/usr/bin/python3
"""PyTorch rows of benchmarks/README.md: the workloads of NetGen.Benchmarks in Debian's python3-torch, one thread.

    apt-get install python3-torch libopenblas0-pthread
    /usr/bin/python3 benchmarks/pytorch_bench.py            # every row, a markdown table on stdout
    /usr/bin/python3 benchmarks/pytorch_bench.py --rows Adam --repetitions 5
    /usr/bin/python3 benchmarks/pytorch_bench.py --kernels  # only which BLAS and kernels torch uses

Rows (as TinyBenchmarks, ForwardBenchmarks and TrainingBenchmarks): XOR 2-4-1 (tanh, sigmoid; binary cross-entropy)
forward of one sample and one SGD step (lr 0.5, momentum 0.9) on its four rows; 784-128-64-10 (ReLU, ReLU, softmax;
cross-entropy) inference of 1 sample and batches of 64 and 1024; 784-512-512-10 inference of a batch of 1024; Adam
(lr 1e-3) steps of both at batch 64 and 128; as CnnBenchmarks, the digits CNN (Conv(1→16, 5, pad 2)-ReLU-MaxPool 2-
Conv(16→32, 5, pad 2)-ReLU-MaxPool 2-Flatten-Linear 128-ReLU-Linear 10, cross-entropy): inference of 1 image and
batches of 64 and 1024, and an Adam step at batch 64 (rows named "CNN", `--rows CNN`). Batched inference is reported per sample, like NetGen's rows; a training
row is one step. Each inference call runs under torch.no_grad() and ends with the softmax; each training call is
zero_grad, forward, loss, backward, optimizer step and loss.item().

Timing: each row is first run for --warmup seconds; then the number of calls per measurement is chosen so that one
measurement lasts about --target-ms; --repetitions measurements follow, and the table gives their median and mean
(per call, or per sample for batched inference) and the spread between the fastest and slowest measurement.
"""

import argparse
import ctypes
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import time

# Torch's own threads are set below; Debian's torch reaches BLAS through libblas.so.3 (BLAS_INFO=generic), so it does
# not tell OpenBLAS how many threads to use. These must be set before the library loads.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

try:
    import torch  # noqa: E402  (after the thread variables)
    import torch.nn.functional as F  # noqa: E402
except ImportError as missing:
    sys.exit(f"pytorch_bench.py: {missing}. Install Debian's torch with `apt-get install python3-torch "
             f"libopenblas0-pthread` and run this script with /usr/bin/python3 (this is {sys.executable}).")

CORETYPE_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def loaded_blas():
    """The BLAS shared library this process has mapped (libblas.so.3 resolves through Debian's alternatives)."""
    torch.ones(8, 8).matmul(torch.ones(8, 8))
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "/" in line}
    for path in sorted(paths):
        name = os.path.basename(path)
        if re.match(r"lib(open)?blas[^/]*\.so", name) or "openblas" in path or "/blis" in path or "/atlas" in path:
            return path
    return None


def kernel_info():
    """Which BLAS and kernels torch uses here, as a list of (what, value)."""
    info = [("torch", torch.__version__)]
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    capability = re.search(r"CPU capability usage: (\w+)", config)
    info.append(("BLAS_INFO (how torch was built against BLAS)", blas.group(1) if blas else "not reported"))
    info.append(("ATen CPU capability (its own vectorized kernels)", capability.group(1) if capability else "not reported"))
    info.append(("oneDNN (mkldnn) available", str(torch.backends.mkldnn.is_available())))
    info.append(("MKL available", str(torch.backends.mkl.is_available())))
    path = loaded_blas()
    real = os.path.realpath(path) if path else None
    shown = "none found in /proc/self/maps" if not path else path if real == path else f"{path} -> {real}"
    info.append(("BLAS library loaded", shown))
    if path:
        library = ctypes.CDLL(path)
        if hasattr(library, "openblas_get_corename"):
            library.openblas_get_corename.restype = ctypes.c_char_p
            library.openblas_get_config.restype = ctypes.c_char_p
            library.openblas_set_num_threads(1)
            info.append(("OpenBLAS core type", library.openblas_get_corename().decode()))
            info.append(("OpenBLAS build", library.openblas_get_config().decode().strip()))
            info.append(("OpenBLAS threads", str(library.openblas_get_num_threads())))
        elif os.path.realpath(path).endswith("/blas/libblas.so.3"):
            info.append(("BLAS kind", "the reference (netlib) BLAS: plain loops; install libopenblas0-pthread"))
    for variable in CORETYPE_VARIABLES:
        info.append((variable, os.environ.get(variable, "not set")))
    return info


def other_coretype_setting():
    """The OpenBLAS core type picked with the opposite OPENBLAS_CORETYPE setting: unset if it is set, else Haswell."""
    env = dict(os.environ)
    if any(v in env for v in CORETYPE_VARIABLES):
        for variable in CORETYPE_VARIABLES:
            env.pop(variable, None)
        label = "with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
    else:
        env["OPENBLAS_CORETYPE"] = "Haswell"
        label = "with OPENBLAS_CORETYPE=Haswell"
    out = subprocess.run([sys.executable, __file__, "--kernels"], env=env, capture_output=True, text=True, check=True).stdout
    core = re.search(r"\| OpenBLAS core type \| ([^|]+) \|", out)
    return label, core.group(1).strip() if core else "no OpenBLAS loaded"


def xor_rows():
    model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1), torch.nn.Sigmoid())
    sgd = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    one = torch.tensor([[1.0, 0.0]])
    inputs = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    targets = torch.tensor([[0.0], [1.0], [1.0], [0.0]])

    def forward():
        with torch.no_grad():
            return model(one).item()

    def step():
        sgd.zero_grad(set_to_none=True)
        loss = F.binary_cross_entropy(model(inputs), targets)
        loss.backward()
        sgd.step()
        return loss.item()

    return [("XOR 2-4-1, one forward", 1, forward), ("XOR 2-4-1, one SGD step on the four rows", 1, step)]


def mlp(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def inference(model, x):
    def call():
        with torch.no_grad():
            return F.softmax(model(x), dim=1)

    return call


def adam_step(model, optimizer, x, y):
    def call():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return call


def mlp_rows():
    mnist, wide = mlp([784, 128, 64, 10]), mlp([784, 512, 512, 10])
    mnist_adam = torch.optim.Adam(mnist.parameters(), lr=1e-3)
    wide_adam = torch.optim.Adam(wide.parameters(), lr=1e-3)
    images = {n: torch.rand(n, 784) for n in (1, 64, 128, 1024)}
    labels = {n: torch.randint(10, (n,)) for n in (64, 128)}
    return [
        ("784-128-64-10, one sample", 1, inference(mnist, images[1])),
        ("784-128-64-10, batch 64, per sample", 64, inference(mnist, images[64])),
        ("784-128-64-10, batch 1024, per sample", 1024, inference(mnist, images[1024])),
        ("784-512-512-10, batch 1024, per sample", 1024, inference(wide, images[1024])),
        ("784-128-64-10 Adam step, batch 64", 1, adam_step(mnist, mnist_adam, images[64], labels[64])),
        ("784-128-64-10 Adam step, batch 128", 1, adam_step(mnist, mnist_adam, images[128], labels[128])),
        ("784-512-512-10 Adam step, batch 64", 1, adam_step(wide, wide_adam, images[64], labels[64])),
        ("784-512-512-10 Adam step, batch 128", 1, adam_step(wide, wide_adam, images[128], labels[128])),
    ]


def cnn_rows():
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = {n: torch.rand(n, 1, 28, 28) for n in (1, 64, 1024)}
    labels = torch.randint(10, (64,))
    return [
        ("CNN, one image", 1, inference(model, images[1])),
        ("CNN, batch 64, per sample", 64, inference(model, images[64])),
        ("CNN, batch 1024, per sample", 1024, inference(model, images[1024])),
        ("CNN Adam step, batch 64", 1, adam_step(model, adam, images[64], labels)),
    ]


def measure(call, warmup_s, target_ms, repetitions):
    """Seconds per call: (median, mean, fastest, slowest) over the repetitions."""
    end = time.perf_counter() + warmup_s
    calls = 0
    while time.perf_counter() < end or calls < 3:
        call()
        calls += 1
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    per_measurement = max(1, int(target_ms / 1000 / once))
    times = []
    for _ in range(repetitions):
        start = time.perf_counter_ns()
        for _ in range(per_measurement):
            call()
        times.append((time.perf_counter_ns() - start) / 1e9 / per_measurement)
    return statistics.median(times), statistics.mean(times), min(times), max(times), per_measurement


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def format_time(seconds):
    if seconds < 1e-6:
        return f"{seconds * 1e9:,.1f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.2f} µs"
    return f"{seconds * 1e3:,.3f} ms"


def print_table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" if i == 0 else "---:" for i in range(len(header))) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="", help="run only the rows whose name matches this regular expression")
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds of warm-up per row (default 0.5)")
    parser.add_argument("--target-ms", type=float, default=20.0, help="length of one measurement in ms (default 20)")
    parser.add_argument("--repetitions", type=int, default=15, help="measurements per row (default 15)")
    parser.add_argument("--kernels", action="store_true", help="print only which BLAS and kernels torch uses")
    args = parser.parse_args()
    if args.warmup < 0 or args.target_ms <= 0 or args.repetitions < 1:
        parser.error("--warmup must be >= 0, --target-ms > 0 and --repetitions >= 1")
    try:
        selected = re.compile(args.rows)
    except re.error as e:
        parser.error(f"--rows is not a regular expression: {e}")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)

    print_table(["what", "value"], kernel_info())
    if args.kernels:
        return
    label, core = other_coretype_setting()
    print(f"\nOpenBLAS core type {label}: {core}\n")

    rows = [r for r in xor_rows() + mlp_rows() + cnn_rows() if selected.search(r[0])]
    if not rows:
        parser.error(f"no row matches --rows {args.rows!r}")
    print(f"PyTorch {torch.__version__} (Debian python3-torch), {cpu_model()}, {os.cpu_count()} logical CPUs, "
          f"{torch.get_num_threads()} thread, {datetime.date.today().isoformat()}, load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} at the start\n")
    table = []
    for name, per, call in rows:
        median, mean, fastest, slowest, calls = measure(call, args.warmup, args.target_ms, args.repetitions)
        table.append([name, format_time(median / per), format_time(mean / per),
                      f"{format_time(fastest / per)} - {format_time(slowest / per)}", f"{args.repetitions} × {calls}"])
        print(f"  {name}: {format_time(median / per)}", file=sys.stderr, flush=True)
    print_table(["row", "median", "mean", "fastest - slowest", "measurements × calls"], table)


if __name__ == "__main__":
    main()
