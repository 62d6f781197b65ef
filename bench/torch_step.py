"""The MobileNet-like training step of bench/train-speed.js in PyTorch (channels_last), on the
CPU or, with --device cuda, on an NVIDIA GPU (the peer for tfjs's WebGPU row on GPU machines).

Prints one JSON line: {"version", "device", "params", "secondsPerStep", "cpuSecondsPerStep", "threads", "batchSize", "steps"}.
Run with OpenBLAS on LD_LIBRARY_PATH (train-speed.js does) or torch's reference BLAS is slow.
"""
import torch
from torch import nn

from step_timing import parse_args, report_step_times

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
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    device = torch.device(args.device)
    model = mobilenet_like().to(device=device, memory_format=torch.channels_last)
    # Counted like tfjs's countParams(): weights plus BatchNorm moving mean and variance.
    statistics = sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    params = sum(p.numel() for p in model.parameters()) + statistics
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.rand(args.batch, 3, 96, 96).to(device=device, memory_format=torch.channels_last)
    labels = torch.randint(0, 10, (args.batch,)).to(device)
    loss_fn = nn.CrossEntropyLoss()

    def one_step():
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    report_step_times(args, one_step, version=torch.__version__, device=name, params=params)


if __name__ == "__main__":
    main()
