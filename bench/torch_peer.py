"""What the PyTorch peers of the benchmarks share: BoxLocaliserNet's from-scratch backbones and the measuring method."""
import time

import torch
from torch import nn


def conv(i, o, k, s, p, g=1):
    return nn.Conv2d(i, o, k, stride=s, padding=p, groups=g, bias=False)


class Residual(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.main = nn.Sequential(conv(i, o, 3, s, 1), nn.BatchNorm2d(o), nn.ReLU(), conv(o, o, 3, 1, 1), nn.BatchNorm2d(o))
        self.short = nn.Identity() if i == o and s == 1 else nn.Sequential(conv(i, o, 1, s, 0), nn.BatchNorm2d(o))

    def forward(self, x):
        return torch.relu(self.main(x) + self.short(x))


class MBConv(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        m = i * 4
        self.main = nn.Sequential(conv(i, m, 1, 1, 0), nn.BatchNorm2d(m), nn.SiLU(), conv(m, m, 3, s, 1, m),
                                  nn.BatchNorm2d(m), nn.SiLU(), conv(m, o, 1, 1, 0), nn.BatchNorm2d(o))
        self.res = i == o and s == 1

    def forward(self, x):
        return self.main(x) + x if self.res else self.main(x)


def backbone(arch, width, stem=2, pool="avg"):
    """The DJL backbones of Backbones.of: (N, 3, S, S) -> (N, width * 8)."""
    if arch == "plain":
        layers = []
        i = 3
        for w, s in [(width, stem), (width, 1), (width * 2, 2), (width * 2, 1), (width * 4, 2), (width * 4, 1)]:
            layers += [conv(i, w, 3, s, 1), nn.BatchNorm2d(w), nn.ReLU()]
            i = w
        layers += [conv(i, width * 8, 1, 1, 0), nn.BatchNorm2d(width * 8), nn.ReLU()]
    elif arch == "resnet":
        layers = [conv(3, width, 3, stem, 1), nn.BatchNorm2d(width), nn.ReLU()]
        i = width
        for n, w in enumerate([width, width * 2, width * 4, width * 8]):
            layers.append(Residual(i, w, 1 if n == 0 else 2))
            i = w
    else:
        layers = [conv(3, width, 3, stem, 1), nn.BatchNorm2d(width), nn.SiLU()]
        i = width
        for w, r, s in [(max(1, width // 2), 1, 1), (width, 2, 2), (width * 3 // 2, 2, 2), (width * 3, 3, 2), (width * 4, 2, 2)]:
            for k in range(r):
                layers.append(MBConv(i, w, s if k == 0 else 1))
                i = w
        layers += [conv(i, width * 8, 1, 1, 0), nn.BatchNorm2d(width * 8), nn.SiLU()]
    return nn.Sequential(*layers, nn.AdaptiveMaxPool2d(1) if pool == "max" else nn.AdaptiveAvgPool2d(1), nn.Flatten())


def measure(fn, n_per, seconds):
    """Warm-up of a fifth of the time, then five equal windows; the median window's rate (as Throughput.java)."""
    warm_end = time.time() + seconds / 5
    fn()
    while time.time() < warm_end:
        fn()
    rates = []
    for _ in range(5):
        t0 = time.time()
        n = 0
        while time.time() - t0 < seconds / 5:
            fn()
            n += n_per
        rates.append(n / (time.time() - t0))
    return sorted(rates)[2]
