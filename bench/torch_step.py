"""The MobileNet-like training step of bench/train-speed.js in PyTorch CPU (channels_last).

Prints one JSON line: {"version", "params", "secondsPerStep", "cpuSecondsPerStep", "threads", "batchSize", "steps"}.
Run with OpenBLAS on LD_LIBRARY_PATH (train-speed.js does) or torch's reference BLAS is slow.
"""
import argparse
import json
import time

import torch
from torch import nn

BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1)]


def bn_relu6(channels):
    # Keras's BatchNormalization defaults: eps 1e-3, moving-average momentum 0.99.
    return [nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01), nn.ReLU6(inplace=True)]


def mobilenet_like(classes=10):
    layers = [nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False), *bn_relu6(32)]
    channels = 32
    for filters, stride in BLOCKS:
        layers += [nn.Conv2d(channels, channels, 3, stride=stride, padding=1, groups=channels, bias=False), *bn_relu6(channels)]
        layers += [nn.Conv2d(channels, filters, 1, bias=False), *bn_relu6(filters)]
        channels = filters
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes)]
    return nn.Sequential(*layers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = mobilenet_like().to(memory_format=torch.channels_last)
    # Counted like tfjs's countParams(): weights plus BatchNorm moving mean and variance.
    statistics = sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    params = sum(p.numel() for p in model.parameters()) + statistics
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.rand(args.batch, 3, 96, 96).to(memory_format=torch.channels_last)
    labels = torch.randint(0, 10, (args.batch,))
    loss_fn = nn.CrossEntropyLoss()
    times = []
    cpu_times = []
    for step in range(args.steps + 2):
        start = time.perf_counter()
        cpu_start = time.process_time()
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        if step >= 2:
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    times.sort()
    cpu_times.sort()
    print(json.dumps({
        "version": torch.__version__,
        "params": params,
        "secondsPerStep": times[len(times) // 2],
        # all threads together; train-speed.js divides by threads for the idle-machine estimate
        "cpuSecondsPerStep": cpu_times[len(cpu_times) // 2],
        "threads": args.threads,
        "batchSize": args.batch,
        "steps": args.steps,
    }))


if __name__ == "__main__":
    main()
