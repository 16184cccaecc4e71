"""Writes small backbones, right and wrong, for the Java tests of `backbone: torchscript`.

Usage: make_torchscript_backbone.py OUT.pt [--in-chans N] [--feature-map] [--state-dict]   (prints the features)
By default a small CNN scripted as TorchScript mapping (B, 3, H, W) to (B, F) features, as the heads expect.
--in-chans N: its first convolution takes N channels; --feature-map: no pooling, (B, F, h, w) comes out;
--state-dict: torch.save of its state_dict instead of TorchScript (what a user may mistake for it).
"""
import argparse

import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--in-chans", type=int, default=3)
p.add_argument("--feature-map", action="store_true")
p.add_argument("--state-dict", action="store_true")
a = p.parse_args()

torch.manual_seed(0)
features = 32
layers = [nn.Conv2d(a.in_chans, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
          nn.Conv2d(16, features, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(features), nn.ReLU()]
if not a.feature_map:
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
net = nn.Sequential(*layers)
if a.state_dict:
    torch.save(net.state_dict(), a.out)
else:
    torch.jit.script(net).save(a.out)
print(features)
