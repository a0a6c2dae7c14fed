"""PyTorch reference of the layout network (models/stlt.h): a spatial
transformer over each frame's boxes with a learned [FRAME] token, then a
temporal transformer over the frames. Blocks are torch's own
TransformerEncoderLayer (pre-LN, GELU), so the C code is checked against an
implementation it shares nothing with. Same tensor names, same model file.
Used to write test fixtures; never by the plugin.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

FEATS = 7          # x1, y1, x2, y2, w, h, score
CATEGORIES = 3     # 0 padding, 1 hand, 2 object
SIDES = 3          # 0 none, 1 left, 2 right
CONTACTS = 2


def encoder_layers(n, d, heads, mlp):
    return nn.ModuleList(
        nn.TransformerEncoderLayer(d, heads, dim_feedforward=mlp, dropout=0.0,
                                   activation="gelu", layer_norm_eps=1e-5,
                                   batch_first=True, norm_first=True)
        for _ in range(n))


class Stlt(nn.Module):
    def __init__(self, arch, classes):
        super().__init__()
        d = arch["dim"]
        self.dropout = arch.get("dropout", 0.0)
        self.box = nn.Linear(FEATS, d)
        self.category = nn.Embedding(CATEGORIES, d)
        self.side = nn.Embedding(SIDES, d)
        self.contact = nn.Embedding(CONTACTS, d)
        self.frame_token = nn.Parameter(torch.zeros(d))
        self.spatial = encoder_layers(arch["spatial_layers"], d,
                                      arch["attn_heads"], arch["mlp"])
        self.temporal_pos = nn.Parameter(torch.zeros(arch["max_frames"], d))
        self.temporal = encoder_layers(arch["temporal_layers"], d,
                                       arch["attn_heads"], arch["mlp"])
        self.norm = nn.LayerNorm(d, eps=1e-5)
        self.heads = nn.ModuleList(nn.Linear(d, k) for k in classes)

    def forward(self, feat, ids, mask):
        """feat (n, t, b, 7), ids (n, t, b, 3) long, mask (n, t, b) bool
        (True for a box) -> list of (n, K) logits per head"""
        n, t, b, _ = feat.shape
        tok = (self.box(feat) + self.category(ids[..., 0])
               + self.side(ids[..., 1]) + self.contact(ids[..., 2]))
        frame = self.frame_token.expand(n * t, 1, -1)
        x = torch.cat([frame, tok.reshape(n * t, b, -1)], dim=1)
        ignore = torch.cat([torch.zeros(n * t, 1, dtype=torch.bool),
                            ~mask.reshape(n * t, b)], dim=1)
        for layer in self.spatial:
            x = layer(x, src_key_padding_mask=ignore)
        x = x[:, 0].reshape(n, t, -1) + self.temporal_pos[:t]
        for layer in self.temporal:
            x = layer(x)
        h = self.norm(x.mean(dim=1))
        h = F.dropout(h, self.dropout, self.training)
        return [head(h) for head in self.heads]


def randomise(net, gen):
    """Weights large enough that every path matters (torch's defaults
    leave layer norms at exactly 1 and biases tiny)."""
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") \
                    or name == "norm.weight":
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            elif p.dim() == 1:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p.shape[1]
                p.copy_(torch.randn(p.shape, generator=gen) / fan_in ** 0.5)


def save_model(path, net, meta):
    from fixtures import save
    save(path, dict(net.state_dict()), {"ego": json.dumps(meta)})
