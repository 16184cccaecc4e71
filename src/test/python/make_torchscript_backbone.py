"""Writes a small CNN backbone as TorchScript, for the Java test of bbox.backbone: torchscript.

Usage: make_torchscript_backbone.py OUT.pt   (prints the number of output features)
The module maps (B, 3, H, W) to (B, F) features, as the box localiser's heads expect.
"""
import sys

import torch
from torch import nn

torch.manual_seed(0)
features = 32
net = nn.Sequential(
    nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
    nn.Conv2d(16, features, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(features), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten())
torch.jit.script(net).save(sys.argv[1])
print(features)
