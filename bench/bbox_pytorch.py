"""The box localiser's architectures in PyTorch, for comparing speed with DJL (bench bbox).

Same layers as org.rsna22.model.BoxLocaliserNet (ResNet-like and EfficientNet-like backbones, box and
has_box heads), same loss, AdamW; random inputs. Prints training images/s and inference slices/s.
Usage: bbox_pytorch.py ARCH WIDTH SIZE BATCH THREADS SECONDS   (ARCH: resnet | efficientnet)
"""
import sys

import torch
from torch import nn

from torch_peer import backbone, measure

arch, width, size, batch, threads, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
    int(sys.argv[5]), float(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = backbone(arch, width)
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


net.train()
train = measure(step, batch, seconds)
net.eval()
with torch.no_grad():
    infer = measure(lambda: net(x), batch, seconds)
print(f"pytorch {arch} w{width} {size}px batch {batch}, {threads} threads: training {train:.1f} images/s, "
      f"inference {infer:.1f} slices/s")
