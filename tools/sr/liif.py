"""LIIF: Local Implicit Image Function (Chen et al., CVPR 2021).

An encoder (EDSR-baseline or RDN, no upsampling) turns the low-resolution image into a feature
map; an MLP (`imnet`) predicts the RGB value at any continuous coordinate from the 3x3-unfolded
feature of the nearest feature cell, the offset to that cell's centre and the size of the queried
pixel (cell decoding). Four neighbouring cells are blended by the areas of the opposite sub-
rectangles (local ensemble). Parameter names follow the authors' checkpoints (`encoder.*`,
`imnet.layers.{0,2,4,...}.*`).

Speed without changing the function: the MLP's first layer is linear, so its part that reads the
unfolded feature is computed once per feature cell (a 3x3 convolution of the feature map) instead
of once per query and ensemble member; queries then gather that map and add the coordinate and
cell terms. Nearest-cell selection uses `grid_sample` exactly as the authors do, so ties break the
same way.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tools.sr.edsr import EDSRConfig, EDSREncoder
from tools.sr.rdn import RDN_CONFIGS, RDNConfig, RDNEncoder


def coord_axis(n: int, device=None) -> torch.Tensor:
    """Pixel-centre coordinates of an axis of `n` pixels in [-1, 1] (float32, the authors' arithmetic)."""
    r = 1.0 / n
    return -1 + r + (2 * r) * torch.arange(n, device=device).float()


def make_coord(height: int, width: int, device=None) -> torch.Tensor:
    """(height*width, 2) pixel-centre coordinates, component 0 = rows, 1 = columns, row-major."""
    rows, cols = torch.meshgrid(coord_axis(height, device), coord_axis(width, device), indexing="ij")
    return torch.stack([rows, cols], dim=-1).view(-1, 2)


class MLP(nn.Module):
    """Linear/ReLU stack; `layers.{0,2,...}` are the Linear layers."""

    def __init__(self, in_dim: int, out_dim: int, hidden_list: list[int]):
        super().__init__()
        layers: list[nn.Module] = []
        last = in_dim
        for hidden in hidden_list:
            layers += [nn.Linear(last, hidden), nn.ReLU(inplace=True)]
            last = hidden
        layers.append(nn.Linear(last, out_dim))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape[:-1]
        return self.layers(x.reshape(-1, x.shape[-1])).view(*shape, -1)


class LIIF(nn.Module):
    """Encoder + implicit MLP decoder. `forward(inp, coord, cell)` -> (B, Q, 3) in the model's range."""

    def __init__(
        self,
        encoder: nn.Module,
        hidden_list: list[int],
        out_dim: int = 3,
        local_ensemble: bool = True,
        feat_unfold: bool = True,
        cell_decode: bool = True,
    ):
        super().__init__()
        self.encoder = encoder
        self.local_ensemble = local_ensemble
        self.feat_unfold = feat_unfold
        self.cell_decode = cell_decode
        feat_dim = encoder.out_dim * (9 if feat_unfold else 1)
        self.feat_dim = feat_dim
        self.imnet = MLP(feat_dim + 2 + (2 if cell_decode else 0), out_dim, hidden_list)

    # --- the stages the runner drives separately ---------------------------------------------
    def gen_feat(self, inp: torch.Tensor) -> torch.Tensor:
        """Encoder features of the normalised input ((img - 0.5) / 0.5)."""
        return self.encoder(inp)

    def first_layer_map(self, feat: torch.Tensor) -> torch.Tensor:
        """The first MLP layer's feature term (plus its bias) for every feature cell: (B, hidden0, H, W)."""
        first = self.imnet.layers[0]
        w = first.weight[:, : self.feat_dim]
        c = feat.shape[1]
        if self.feat_unfold:
            # F.unfold orders channels c*9 + ky*3 + kx, which is exactly a 3x3 conv weight's layout.
            return F.conv2d(feat, w.reshape(-1, c, 3, 3), first.bias, padding=1)
        return F.conv2d(feat, w.reshape(-1, c, 1, 1), first.bias)

    def decoder_table(self, feat: torch.Tensor, cell: tuple[float, float] | None = None) -> torch.Tensor:
        """(B, H*W, hidden0) contiguous rows, one per feature cell, for `query`. When every query has
        the same `cell` (height, width), its first-layer term is folded in here, once per image."""
        fmap = self.first_layer_map(feat)
        b, hidden, h, w = fmap.shape
        table = fmap.reshape(b, hidden, h * w).transpose(1, 2).contiguous()
        if cell is not None and self.cell_decode:
            rel_cell = torch.tensor([cell[0] * h, cell[1] * w], device=feat.device, dtype=torch.float32)
            table += (self.imnet.layers[0].weight[:, self.feat_dim + 2 :].float() @ rel_cell).to(table.dtype)
        return table

    def query(self, table: torch.Tensor, feat_hw: tuple[int, int], coord: torch.Tensor,
              cell: torch.Tensor | None = None) -> torch.Tensor:
        """Predict (B, Q, out) at `coord` (B, Q, 2) from a `decoder_table` of a (H, W) feature map.
        `cell` (B, Q, 2) per query, or None when the table already holds a uniform cell's term."""
        h, w = feat_hw
        b, q = coord.shape[:2]
        device = table.device
        w_coord = self.imnet.layers[0].weight[:, self.feat_dim : self.feat_dim + 2]
        w_cell = self.imnet.layers[0].weight[:, self.feat_dim + 2 :]
        # Row/column index maps sampled with the authors' own nearest grid_sample call, so the
        # chosen cell (and every tie) is theirs.
        index_map = torch.stack(
            torch.meshgrid(torch.arange(h, device=device, dtype=torch.float32),
                           torch.arange(w, device=device, dtype=torch.float32), indexing="ij")
        ).unsqueeze(0).expand(b, 2, h, w)
        rows_axis, cols_axis = coord_axis(h, device), coord_axis(w, device)
        size = torch.tensor([h, w], device=device, dtype=torch.float32)
        shifts = [(-1, -1), (-1, 1), (1, -1), (1, 1)] if self.local_ensemble else [(0, 0)]
        eps = 1e-6 if self.local_ensemble else 0.0
        coord = coord.float()
        flat_idx, rel_coords = [], []
        for vx, vy in shifts:
            shifted = coord.clone()
            shifted[:, :, 0] += vx * (1.0 / h) + eps
            shifted[:, :, 1] += vy * (1.0 / w) + eps
            shifted.clamp_(-1 + 1e-6, 1 - 1e-6)
            idx = F.grid_sample(index_map, shifted.flip(-1).unsqueeze(1), mode="nearest", align_corners=False)
            rows, cols = idx[:, 0, 0, :].long(), idx[:, 1, 0, :].long()
            centre = torch.stack([rows_axis[rows], cols_axis[cols]], dim=-1)
            rel_coords.append((coord - centre) * size)
            flat_idx.append(rows * w + cols)
        k = len(shifts)
        rel = torch.stack(rel_coords, dim=1)  # (B, K, Q, 2)
        out = torch.empty(b, q, self.imnet.layers[-1].out_features, device=device, dtype=torch.float32)
        for i in range(b):
            # All ensemble members in one pass through the MLP: (K*Q, hidden) rows.
            hidden = table[i].index_select(0, torch.cat([f[i] for f in flat_idx]))
            hidden.addmm_(rel[i].reshape(k * q, 2).to(hidden.dtype), w_coord.t().to(hidden.dtype))
            if cell is not None and self.cell_decode:
                term = (cell[i].float() * size) @ w_cell.t().float()
                hidden += term.to(hidden.dtype).repeat(k, 1)
            preds = self.imnet.layers[2:](hidden.relu_()).float().view(k, q, -1)
            areas = torch.abs(rel[i, :, :, 0] * rel[i, :, :, 1]) + 1e-9  # (K, Q)
            if self.local_ensemble:
                # Each prediction is weighted by the area of the diagonally opposite sub-rectangle.
                weights = areas.flip(0) / areas.sum(dim=0)
            else:
                weights = areas / areas
            out[i] = (preds * weights.unsqueeze(-1)).sum(dim=0)
        return out

    def forward(self, inp: torch.Tensor, coord: torch.Tensor, cell: torch.Tensor | None = None) -> torch.Tensor:
        feat = self.gen_feat(inp)
        return self.query(self.decoder_table(feat), tuple(feat.shape[-2:]), coord, cell)


def build_encoder(spec: dict) -> nn.Module:
    """An encoder from LIIF's `encoder_spec` ({'name': 'edsr-baseline' | 'rdn', 'args': {...}})."""
    name, args = spec["name"], dict(spec.get("args", {}))
    if not args.pop("no_upsampling", True):
        raise ValueError("LIIF encoders are used without upsampling (no_upsampling=True)")
    if name == "edsr-baseline":
        return EDSREncoder(EDSRConfig(n_resblocks=args.get("n_resblocks", 16), n_feats=args.get("n_feats", 64)))
    if name == "rdn":
        config_name = args.get("RDNconfig", "B")
        if config_name not in RDN_CONFIGS:
            raise ValueError(f"unknown RDN configuration {config_name!r}")
        D, C, G = RDN_CONFIGS[config_name]
        return RDNEncoder(RDNConfig(G0=args.get("G0", 64), D=D, C=C, G=G))
    raise ValueError(f"unsupported LIIF encoder {name!r} (expected 'edsr-baseline' or 'rdn')")


def build_liif(model_spec: dict) -> LIIF:
    """A LIIF model from the checkpoint's `model` entry ({'name': 'liif', 'args': {...}})."""
    if model_spec.get("name") != "liif":
        raise ValueError(f"not a LIIF model spec: name={model_spec.get('name')!r}")
    args = model_spec["args"]
    imnet = args["imnet_spec"]
    if imnet.get("name") != "mlp":
        raise ValueError(f"unsupported LIIF decoder {imnet.get('name')!r} (expected 'mlp')")
    return LIIF(
        build_encoder(args["encoder_spec"]),
        hidden_list=list(imnet["args"]["hidden_list"]),
        out_dim=imnet["args"].get("out_dim", 3),
        local_ensemble=args.get("local_ensemble", True),
        feat_unfold=args.get("feat_unfold", True),
        cell_decode=args.get("cell_decode", True),
    )
