"""The box localiser's architectures in PyTorch, for comparing speed with DJL (bench bbox).

Same layers as org.rsna22.model.BoxLocaliserNet (ResNet-like and EfficientNet-like backbones, box and
has_box heads), same loss, AdamW; random inputs. Prints training images/s and inference slices/s.
Usage: bbox_pytorch.py ARCH WIDTH SIZE BATCH THREADS SECONDS   (ARCH: resnet | efficientnet)
"""
import sys
import time

import torch
from torch import nn

arch, width, size, batch, threads, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
    int(sys.argv[5]), float(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(0)


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


def backbone():
    if arch == "resnet":
        layers = [conv(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU()]
        i = width
        for n, w in enumerate([width, width * 2, width * 4, width * 8]):
            layers.append(Residual(i, w, 1 if n == 0 else 2))
            i = w
    else:
        layers = [conv(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.SiLU()]
        i = width
        for w, r, s in [(max(1, width // 2), 1, 1), (width, 2, 2), (width * 3 // 2, 2, 2), (width * 3, 3, 2), (width * 4, 2, 2)]:
            for k in range(r):
                layers.append(MBConv(i, w, s if k == 0 else 1))
                i = w
        layers += [conv(i, width * 8, 1, 1, 0), nn.BatchNorm2d(width * 8), nn.SiLU()]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = backbone()
        f = width * 8
        self.box = nn.Linear(f, 4)
        self.logit = nn.Linear(f, 1)

    def forward(self, x):
        h = self.backbone(x)
        return self.box(h), self.logit(h)


net = Net()
opt = torch.optim.AdamW(net.parameters(), lr=2e-4, weight_decay=0)
x = torch.randn(batch, 3, size, size)
boxes = torch.rand(batch, 4)
has = (torch.rand(batch) > 0.5).float()


def step():
    box, logit = net(x)
    l1 = ((box - boxes).abs() * has[:, None]).sum() / torch.clamp(has.sum() * 4, min=1)
    bce = nn.functional.binary_cross_entropy_with_logits(logit.view(-1), has.clamp(0.05, 0.95))
    loss = 0.8 * l1 + 0.2 * bce
    opt.zero_grad()
    loss.backward()
    opt.step()


def measure(fn, n_per):
    """Warm-up of a fifth of the time, then five equal windows; the median window's rate (as BboxBenchmark)."""
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


net.train()
train = measure(step, batch)
net.eval()
with torch.no_grad():
    infer = measure(lambda: net(x), batch)
print(f"pytorch {arch} w{width} {size}px batch {batch}, {threads} threads: training {train:.1f} images/s, "
      f"inference {infer:.1f} slices/s")
