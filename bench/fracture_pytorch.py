"""The fracture models' training steps in PyTorch, for comparing speed with DJL (bench fracture).

M3-like: the ResNet-like backbone per 3-slice image of a window, a sinusoidal position embedding, a bias-free
bidirectional LSTM and Linear(15), the masked weighted MSE of SequenceMseLoss. M4: a bias-free BiLSTM over image
embeddings, masked max and attention pools, Linear(8), the competition loss. AdamW, random inputs.
Usage: fracture_pytorch.py WIDTH CROP WINDOW LSTM BATCH STUDY_LSTM STUDY_LEN STUDY_BATCH THREADS SECONDS STEM POOL
                           BACKBONE [TORCHSCRIPT MEAN STD]
BACKBONE is the built-in one the Java side measured (resnet, efficientnet or plain).
With TORCHSCRIPT (a file of export_backbone.py, as the Java side loads it) the slice model's CNN is that module,
its input normalised by MEAN and STD (comma-separated, 3 each), and only the slice model is measured.
"""
import math
import sys

import torch
from torch import nn

from torch_peer import backbone, measure

width, crop, window, lstm, batch, study_lstm, study_len, study_batch, threads = (int(a) for a in sys.argv[1:10])
seconds = float(sys.argv[10])
stem, pool, arch = int(sys.argv[11]), sys.argv[12], sys.argv[13]
torchscript = sys.argv[14] if len(sys.argv) > 14 else None
torch.set_num_threads(threads)
torch.manual_seed(0)
if torchscript:
    ts_mean = torch.tensor([float(v) for v in sys.argv[15].split(",")]).reshape(1, 3, 1, 1)
    ts_std = torch.tensor([float(v) for v in sys.argv[16].split(",")]).reshape(1, 3, 1, 1)
    with torch.no_grad():
        features = torch.jit.load(torchscript).eval()(torch.zeros(1, 3, crop, crop)).shape[1]
else:
    features = width * 8


def position_embedding(pos, f):
    omega = torch.exp(torch.arange(f // 2, dtype=torch.float32) * (-2.0 * math.log(10000) / f))
    angle = pos.unsqueeze(-1) * omega
    return torch.cat([angle.sin(), angle.cos()], -1)


class SequenceNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = torch.jit.load(torchscript) if torchscript else backbone(arch, width, stem, pool)
        self.lstm = nn.LSTM(features, lstm, batch_first=True, bidirectional=True, bias=False)
        self.head = nn.Linear(2 * lstm, 15)

    def forward(self, x, pos):
        b, t = x.shape[:2]
        images = x.reshape(b * t, *x.shape[2:])
        if torchscript:
            images = (images - ts_mean) / ts_std
        f = self.cnn(images).reshape(b, t, features)
        h, _ = self.lstm(f + position_embedding(pos, features))
        return self.head(h)


class StudyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(features, study_lstm, batch_first=True, bidirectional=True, bias=False)
        self.attention = nn.Linear(2 * study_lstm, 1)
        self.head = nn.Linear(4 * study_lstm, 8)

    def forward(self, x, mask):
        h, _ = self.lstm(x)
        off = (mask - 1) * 1e9
        mx = (h + off.unsqueeze(-1)).max(1).values
        w = torch.softmax(self.attention(h).squeeze(-1) + off, 1).unsqueeze(-1)
        return self.head(torch.cat([mx, (h * w).sum(1)], 1))


seq = SequenceNet()
seq_opt = torch.optim.AdamW(seq.parameters(), lr=1e-3, weight_decay=5e-4)
x = torch.randn(batch, window, 3, crop, crop)
pos = torch.arange(window, dtype=torch.float32).repeat(batch, 1)
y = torch.rand(batch, window, 15)
m = torch.ones(batch, window)


def seq_step():
    p = torch.sigmoid(seq(x, pos))
    w = (y > 0).float() + 1
    loss = ((p - y) ** 2 * w * m.unsqueeze(-1)).sum() / torch.clamp(m.sum() * 15, min=1)
    seq_opt.zero_grad()
    loss.backward()
    seq_opt.step()


study = StudyNet()
study_opt = torch.optim.AdamW(study.parameters(), lr=1e-3, weight_decay=0)
e = torch.randn(study_batch, study_len, features)
mask = torch.ones(study_batch, study_len)
labels = (torch.rand(study_batch, 8) > 0.7).float()
base = torch.tensor([7.0, 1, 1, 1, 1, 1, 1, 1])


def study_step():
    z = study(e, mask)
    w = (labels + 1) * base
    bce = nn.functional.binary_cross_entropy_with_logits(z, labels, reduction="none")
    loss = ((bce * w).sum(1) / w.sum(1)).mean()
    study_opt.zero_grad()
    loss.backward()
    study_opt.step()


seq.train()
seq_rate = measure(seq_step, batch * window, seconds)
name = f"torchscript {torchscript.rsplit('/', 1)[-1]}" if torchscript else f"{arch} w{width}"
print(f"pytorch slice model (M3-like) {name} {crop}px window {window} batch {batch}, {threads} threads: "
      f"training {seq_rate:.1f} images/s")
if torchscript:
    sys.exit(0)
study.train()
study_rate = measure(study_step, study_batch, seconds)
print(f"pytorch study model (M4) len {study_len} batch {study_batch}, {threads} threads: "
      f"training {study_rate:.1f} studies/s")
