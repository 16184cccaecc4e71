"""Exports an image backbone as TorchScript for rsna22's `bbox.backbone: torchscript` and `fracture.backbone: torchscript`.

Run it once on a machine with PyTorch and internet (for the pretrained weights), then copy the file to where the jobs
run. The module maps (B, 3, H, W) images to (B, F) feature vectors: the classifier is removed and the network ends in
global average pooling, as the jobs' heads expect. It is scripted (torch.jit.script), so that batch normalisation
and dropout still switch between training and evaluation when the jobs fine-tune it; a network that cannot be
scripted is traced in training mode, with a warning (its batch normalisation then always uses batch statistics).

    export_backbone.py --arch NAME --out FILE [--no-weights] [--size PX]

NAME is a timm model name (tf_efficientnetv2_s, efficientnet_b0, resnest50d, ...) when timm is installed, else a
torchvision one (resnet18, efficientnet_b0, ...). --no-weights exports the architecture with random weights (what
the tests do here, where nothing can be downloaded). The file records the architecture, the PyTorch version, the
features per image and the normalisation the weights were trained with (rsna22.json inside the archive); the
jobs use ImageNet's mean and std for a TorchScript backbone unless the config says otherwise. DJL 0.33 runs
PyTorch 2.5.1: export with torch 2.5 or older, a newer one may write operators 2.5.1 cannot read.
Prints one line: the file, the features per image, the PyTorch version.
"""
import argparse
import json
import sys
import warnings

import torch
from torch import nn

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
DJL_TORCH = (2, 5)


def timm_model(arch, weights):
    import timm
    net = timm.create_model(arch, pretrained=weights, num_classes=0, global_pool="avg", in_chans=3,
                            scriptable=True, exportable=True)
    cfg = getattr(net, "pretrained_cfg", None) or {}
    return net, list(cfg.get("mean", IMAGENET_MEAN)), list(cfg.get("std", IMAGENET_STD))


def torchvision_model(arch, weights):
    import torchvision
    builder = getattr(torchvision.models, arch, None)
    if builder is None or not callable(builder):
        sys.exit(f"unknown architecture {arch}: not in timm (not installed) nor torchvision.models")
    net = builder(weights="DEFAULT") if weights else builder(weights=None)
    # drop the classifier: the pooled features are the output
    if hasattr(net, "fc") and isinstance(net.fc, nn.Module):
        net.fc = nn.Identity()
    elif hasattr(net, "classifier") and isinstance(net.classifier, nn.Module):
        net.classifier = nn.Identity()
    elif hasattr(net, "head") and isinstance(net.head, nn.Module):
        net.head = nn.Identity()
    else:
        sys.exit(f"{arch}: no fc, classifier or head to remove; export it by hand as (B, 3, H, W) -> (B, F)")
    return net, IMAGENET_MEAN, IMAGENET_STD


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--no-weights", action="store_true", help="random weights (no download)")
    p.add_argument("--size", type=int, default=256, help="image size of the check forward pass")
    p.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    a = p.parse_args()

    torch.manual_seed(a.seed)
    try:
        net, mean, std = timm_model(a.arch, not a.no_weights)
        source = "timm"
    except ImportError:
        net, mean, std = torchvision_model(a.arch, not a.no_weights)
        source = "torchvision"

    net.eval()
    with torch.no_grad():
        out = net(torch.zeros(1, 3, a.size, a.size))
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        sys.exit(f"{a.arch} gives {shape} per batch, not (B, F) features: it needs global pooling and no classifier")
    features = out.shape[1]

    net.train()
    try:
        module = torch.jit.script(net)
    except Exception as e:  # not scriptable: trace, with batch norm fixed in training mode
        warnings.warn(f"{a.arch} cannot be scripted ({str(e).splitlines()[0]}); traced in training mode instead")
        module = torch.jit.trace(net, torch.zeros(2, 3, a.size, a.size), check_trace=False)

    version = torch.__version__.split("+")[0]
    major_minor = tuple(int(v) for v in version.split(".")[:2])
    if major_minor > DJL_TORCH:
        warnings.warn(f"PyTorch {version} is newer than DJL's 2.5.1: the jobs may not read this file; "
                      "export with torch<=2.5 if they refuse it")
    meta = {"arch": a.arch, "source": source, "pretrained": not a.no_weights, "features": int(features),
            "in_chans": 3, "mean": mean, "std": std, "torch": version}
    torch.jit.save(module, a.out, _extra_files={"rsna22.json": json.dumps(meta)})
    print(f"{a.out}: {a.arch} ({source}, {'pretrained' if not a.no_weights else 'random weights'}), "
          f"{features} features per image, PyTorch {version}")


if __name__ == "__main__":
    main()
