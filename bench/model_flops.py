"""Multiply-adds and activations per image of the default config's networks: the basis of the README's GPU estimates.

Counts every Conv2d and Linear of the PyTorch peers of BoxLocaliserNet (efficientnet, width 32, 512 px: default.yaml's
box localiser) and of the slice models' CNN (resnet, width 32, stem stride 2, 256-px crops) with forward hooks, and
sums the float32 outputs of every leaf module (what training keeps for the backward pass, before the allocator's
slack). No weights are trained; a forward pass of one image each on the CPU.
Usage: model_flops.py [BBOX_SIZE] [CROP_SIZE]
"""
import sys

import torch
from torch import nn

from torch_peer import backbone

bbox_size = int(sys.argv[1]) if len(sys.argv) > 1 else 512
crop_size = int(sys.argv[2]) if len(sys.argv) > 2 else 256


def count(net, size):
    macs = [0]
    activations = [0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            macs[0] += k * output.numel()
        elif isinstance(module, nn.Linear):
            macs[0] += module.in_features * output.numel()
        if len(list(module.children())) == 0:
            activations[0] += output.numel()

    handles = [m.register_forward_hook(hook) for m in net.modules()]
    with torch.no_grad():
        net.eval()(torch.zeros(1, 3, size, size))
    for h in handles:
        h.remove()
    return macs[0], activations[0]


for name, arch, size in [("box localiser (efficientnet, width 32)", "efficientnet", bbox_size),
                         ("slice models' CNN (resnet, width 32)", "resnet", crop_size)]:
    m, a = count(backbone(arch, 32), size)
    print(f"{name} at {size} px: {m / 1e9:.2f} GMAC forward per image, "
          f"{a * 4 / 2**20:.0f} MiB of float32 layer outputs per image")
