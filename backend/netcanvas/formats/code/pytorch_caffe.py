"""PyTorch emitters for Caffe-only layers (part of the PyTorch export's one table).

Layers torch.nn has no module for (Caffe's learned Scale/Bias, SSD's Normalize, MVN)
are written as small helper classes that the generated file defines only when used.
"""

from __future__ import annotations

from netcanvas.formats.code.pytorch_table import Py, emits
from netcanvas.graph import shapes

# Helper classes, pasted into the generated file when a layer needs them.
HELPERS = {
    "CaffeAffine": '''
class CaffeAffine(nn.Module):
    """Caffe Scale / Bias: learned factors and/or offsets broadcast over the other axes."""

    def __init__(self, shape: tuple[int, ...], scale: bool, bias: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(shape)) if scale else None
        self.bias = nn.Parameter(torch.zeros(shape)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is not None:
            x = x * self.weight
        return x + self.bias if self.bias is not None else x
''',
    "CaffeNormalize": '''
class CaffeNormalize(nn.Module):
    """SSD's Normalize: L2-normalise over channels (and space), then a learned scale."""

    def __init__(self, channels: int, across_spatial: bool, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), 20.0))
        self.across_spatial, self.eps = across_spatial, eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = tuple(range(1, x.dim())) if self.across_spatial else (1,)
        norm = x.pow(2).sum(dim=dims, keepdim=True).add(self.eps).sqrt()
        scale = self.weight.reshape(1, -1, *([1] * (x.dim() - 2)))
        return x / norm * scale
''',
    "CaffeMVN": '''
class CaffeMVN(nn.Module):
    """Caffe MVN: subtract the mean, optionally divide by the deviation, per item."""

    def __init__(self, across_channels: bool, normalize_variance: bool, eps: float) -> None:
        super().__init__()
        self.first = 1 if across_channels else 2
        self.normalize_variance, self.eps = normalize_variance, eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = tuple(range(self.first, x.dim()))
        x = x - x.mean(dim=dims, keepdim=True)
        if not self.normalize_variance:
            return x
        return x / (x.pow(2).mean(dim=dims, keepdim=True).sqrt() + self.eps)
''',
}


def _covered(c: Py) -> list[int]:
    """The learned tensor's shape: covered axes, then ones so it broadcasts."""
    p, rank = c.params, len(c.shape)
    axis = shapes.normalize_axis(p.axis, rank, "axis")
    if len(c.in_shapes) == 2:
        dims = list(c.in_shapes[1])
    else:
        count = rank - axis if p.num_axes == -1 else p.num_axes
        dims = list(c.shape[axis : axis + count])
    return dims + [1] * (rank - axis - len(dims))


@emits("Scale", "Bias")
def _affine(c: Py) -> tuple[str | None, str]:
    c.needs.append("CaffeAffine")
    shape = tuple(_covered(c))
    if len(c.args) == 2:
        operator = "*" if c.type == "Scale" else "+"
        expr = f"{c.x} {operator} {c.args[1]}.reshape({', '.join(map(str, shape))})"
        if c.type == "Scale" and c.params.bias:
            return f"CaffeAffine({shape!r}, scale=False, bias=True)", "{m}(" + expr + ")"
        return None, expr
    scale = c.type == "Scale"
    bias = c.params.bias if scale else True
    return f"CaffeAffine({shape!r}, scale={scale}, bias={bias})", "{m}({x})"


@emits("InnerProduct")
def _inner_product(c: Py) -> tuple[str | None, str]:
    p = c.params
    axis = shapes.normalize_axis(p.axis, len(c.shape), "axis")
    fan_in = shapes.numel(c.shape[axis:])
    linear = f"nn.Linear({fan_in}, {p.out_features}, bias={p.bias})"
    if axis == len(c.shape) - 1:
        return linear, "{m}({x})"
    return f"nn.Sequential(nn.Flatten({axis}), {linear})", "{m}({x})"


def _affine_expr(x: str, scale: float, shift: float) -> str:
    expr = x if scale == 1.0 else f"{scale!r} * {x}"
    return expr if shift == 0.0 else f"({shift!r} + {expr})"


@emits("Power")
def _power(c: Py) -> tuple[str | None, str]:
    p = c.params
    return None, f"{_affine_expr(c.x, p.scale, p.shift)} ** {p.power!r}"


@emits("Exp")
def _exp(c: Py) -> tuple[str | None, str]:
    p = c.params
    inner = _affine_expr(c.x, p.scale, p.shift)
    return None, f"torch.exp({inner})" if p.base == -1.0 else f"torch.pow({p.base!r}, {inner})"


@emits("Log")
def _log(c: Py) -> tuple[str | None, str]:
    p = c.params
    inner = _affine_expr(c.x, p.scale, p.shift)
    if p.base == -1.0:
        return None, f"torch.log({inner})"
    return None, f"torch.log({inner}) / torch.log(torch.tensor({p.base!r}))"


@emits("Abs")
def _abs(c: Py) -> tuple[str | None, str]:
    return None, f"torch.abs({c.x})"


@emits("BinaryThreshold")
def _threshold(c: Py) -> tuple[str | None, str]:
    return None, f"({c.x} > {c.params.threshold!r}).to({c.x}.dtype)"


@emits("Tile")
def _tile(c: Py) -> tuple[str | None, str]:
    repeats = [1] * len(c.shape)
    repeats[shapes.normalize_axis(c.params.axis, len(c.shape), "axis")] = c.params.tiles
    return None, f"{c.x}.repeat({', '.join(map(str, repeats))})"


@emits("TensorSplit")
def _tensor_split(c: Py) -> tuple[str | None, str]:
    return None, f"torch.tensor_split({c.x}, {list(c.params.indices)!r}, dim={c.params.dim})"


@emits("Reduction")
def _reduction(c: Py) -> tuple[str | None, str]:
    p = c.params
    axis = shapes.normalize_axis(p.axis, len(c.shape), "axis")
    flat = f"{c.x}.flatten({axis})" if axis < len(c.shape) - 1 else c.x
    op = {
        "SUM": f"{flat}.sum(-1)",
        "ASUM": f"{flat}.abs().sum(-1)",
        "SUMSQ": f"{flat}.pow(2).sum(-1)",
        "MEAN": f"{flat}.mean(-1)",
    }[p.operation]
    return None, op if p.coeff == 1.0 else f"{p.coeff!r} * {op}"


@emits("Normalize")
def _normalize(c: Py) -> tuple[str | None, str]:
    c.needs.append("CaffeNormalize")
    p = c.params
    channels = 1 if p.channel_shared else c.shape[1]
    return f"CaffeNormalize({channels}, {p.across_spatial}, {p.eps!r})", "{m}({x})"


@emits("MVN")
def _mvn(c: Py) -> tuple[str | None, str]:
    c.needs.append("CaffeMVN")
    p = c.params
    return f"CaffeMVN({p.across_channels}, {p.normalize_variance}, {p.eps!r})", "{m}({x})"


@emits("Interp")
def _interp(c: Py) -> tuple[str | None, str]:
    p = c.params
    x = c.x
    if p.pad_beg or p.pad_end:
        stop = f"{p.pad_end}" if p.pad_end else ""
        x = f"{x}[:, :, {-p.pad_beg}:{stop}, {-p.pad_beg}:{stop}]"
    size = tuple(c.out_shapes[0][2:])
    call = f'nn.functional.interpolate({x}, size={size!r}, mode="bilinear", align_corners=True)'
    return None, call
