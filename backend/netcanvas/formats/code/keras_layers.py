"""Keras emitters: each returns the layer calls, in order, for one registry type."""

from __future__ import annotations

import math

from netcanvas.formats.code.keras_table import ACTIVATIONS, CF, MERGES, K, emits
from netcanvas.graph import shapes


def _rank(k: K) -> int:
    return len(k.shape) - 2


def _pad_layer(rank: int, begin: list[int], end: list[int]) -> str:
    pads = tuple((b, e) for b, e in zip(begin, end, strict=True))
    return f"layers.ZeroPadding{rank}D(padding={pads!r}, {CF})"


def _pad_calls(rank: int, begin: list[int], end: list[int], mode: str) -> list[str]:
    """PyTorch's padding_mode before an unpadded convolution: zeros, a mirror (reflect),
    or copies of the border (replicate, circular) concatenated on each spatial axis."""
    if not any(begin) and not any(end):
        return []
    if mode == "zeros":
        return [_pad_layer(rank, begin, end)]
    if mode == "reflect":
        widths = ((0, 0), (0, 0), *zip(begin, end, strict=True))
        return [f'layers.Lambda(lambda x: keras.ops.pad(x, {widths!r}, mode="reflect"))']
    calls = []
    for axis, (b, e) in enumerate(zip(begin, end, strict=True), start=2):
        if not b and not e:
            continue
        lead = ":, " * axis
        if mode == "replicate":
            pieces = [f"keras.ops.repeat(x[{lead}:1], {b}, axis={axis})" if b else "",
                      f"keras.ops.repeat(x[{lead}-1:], {e}, axis={axis})" if e else ""]  # fmt: skip
        else:  # circular: the far side comes round
            pieces = [f"x[{lead}-{b}:]" if b else "", f"x[{lead}:{e}]" if e else ""]
        parts = ", ".join(piece for piece in (pieces[0], "x", pieces[1]) if piece)
        calls.append(f"layers.Lambda(lambda x: keras.ops.concatenate([{parts}], axis={axis}))")
    return calls


@emits("Conv1d", "Conv2d", "Conv3d")
def _conv(k: K) -> list[str]:
    p, rank = k.params, _rank(k)
    kernel = shapes.per_axis(p.kernel_size, rank, "kernel_size")
    stride = shapes.per_axis(p.stride, rank, "stride")
    dilation = shapes.per_axis(p.dilation, rank, "dilation")
    if max(stride) > 1 and max(dilation) > 1:
        raise k.refuse("Keras convolutions take strides or dilation, not both")
    begin, end = shapes.resolve_padding(p.padding, k.shape[2:], kernel, stride, dilation)
    calls = _pad_calls(rank, list(begin), list(end), p.padding_mode)
    calls.append(
        f"layers.Conv{rank}D({p.out_channels}, {kernel!r}, strides={stride!r}, "
        f'padding="valid", dilation_rate={dilation!r}, groups={p.groups}, '
        f"use_bias={p.bias}, {CF})"
    )
    return calls


@emits("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
def _conv_transpose(k: K) -> list[str]:
    p, rank = k.params, _rank(k)
    if p.groups != 1:
        raise k.refuse("Keras transposed convolutions have no groups")
    kernel = shapes.per_axis(p.kernel_size, rank, "kernel_size")
    stride = shapes.per_axis(p.stride, rank, "stride")
    dilation = shapes.per_axis(p.dilation, rank, "dilation")
    extra = shapes.per_axis(p.output_padding, rank, "output_padding")
    if max(stride) > 1 and max(dilation) > 1:
        raise k.refuse("Keras convolutions take strides or dilation, not both")
    begin, end = shapes.resolve_padding(p.padding, k.shape[2:], kernel, stride, dilation)
    # An explicit output_padding makes Keras use (n-1)·s + k + output_padding, PyTorch's
    # size before padding; the padding is then cropped off.
    calls = [
        f"layers.Conv{rank}DTranspose({p.out_channels}, {kernel!r}, strides={stride!r}, "
        f'padding="valid", output_padding={extra!r}, dilation_rate={dilation!r}, '
        f"use_bias={p.bias}, {CF})"
    ]
    if any(begin) or any(end):
        crops = tuple((b, e) for b, e in zip(begin, end, strict=True))
        calls.append(f"layers.Cropping{rank}D(cropping={crops!r}, {CF})")
    return calls


@emits("Crop")
def _crop(k: K) -> list[str]:
    data, ref = k.in_shapes
    first = shapes.normalize_axis(k.params.axis, len(data))
    if first < 2 or not 3 <= len(data) <= 5:
        raise k.refuse("Keras crops spatial axes only")
    count = len(data) - first
    offset = k.params.offset
    offsets = [offset] * count if isinstance(offset, int) else list(offset)
    offsets = offsets * count if len(offsets) == 1 else offsets
    crops = [(0, 0)] * (first - 2) + [
        (o, data[a] - o - ref[a]) for o, a in zip(offsets, range(first, len(data)), strict=True)
    ]
    # The reference only gives the size: Keras crops the data alone.
    k.args[:] = k.args[:1]
    return [f"layers.Cropping{len(data) - 2}D(cropping={tuple(crops)!r}, {CF})"]


@emits("MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d")
def _pool(k: K) -> list[str]:
    p, rank = k.params, _rank(k)
    _no_indices(k)
    if shapes.per_axis(getattr(p, "dilation", 1), rank, "dilation") != (1,) * rank:
        raise k.refuse("Keras pooling has no dilation")
    kernel = shapes.per_axis(p.kernel_size, rank, "kernel_size")
    stride = shapes.per_axis(p.stride or p.kernel_size, rank, "stride")
    pads = list(shapes.per_axis(p.padding, rank, "padding"))
    # Ceil rounding becomes extra end padding so floor rounding gives the same size.
    ends = [
        (want - 1) * s + kk - n - pad
        for want, s, kk, n, pad in zip(
            k.out_shapes[0][2:], stride, kernel, k.shape[2:], pads, strict=True
        )
    ]
    ends = [max(e, 0) for e in ends]
    kind = "Max" if k.type.startswith("Max") else "Average"
    calls = []
    divisor = getattr(p, "divisor_override", None)
    if divisor:
        # Window sums over the zero-padded input, over the divisor: torch's rule (it then
        # ignores count_include_pad), as a mean times the window size.
        calls += [_pad_layer(rank, pads, ends)] if any(pads) or any(ends) else []
    elif kind == "Max" and (any(pads) or any(ends)):
        # Max pooling pads with -inf (a padded zero could win over negative values).
        widths = ((0, 0), (0, 0), *((b, e) for b, e in zip(pads, ends, strict=True)))
        calls.append(
            f'layers.Lambda(lambda x: keras.ops.pad(x, {widths!r}, constant_values=float("-inf")))'
        )
    elif any(pads) or any(ends):
        if ends != pads or not p.count_include_pad:
            # PyTorch divides by the window clipped to the padded input; Keras by the
            # whole window: the sizes would match but the border values would not.
            raise k.refuse("average pooling with ceil overhang or count_include_pad=False")
        calls.append(_pad_layer(rank, pads, ends))
    calls.append(
        f"layers.{kind}Pooling{rank}D(pool_size={kernel!r}, strides={stride!r}, "
        f'padding="valid", {CF})'
    )
    if divisor:
        calls.append(f"layers.Rescaling({math.prod(kernel) / divisor!r})")
    return calls


def _no_indices(k: K) -> None:
    if getattr(k.params, "return_indices", False):
        raise k.refuse("return_indices has no Keras spelling (Keras pooling gives no indices)")


@emits("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
       "AdaptiveMaxPool1d", "AdaptiveMaxPool2d")  # fmt: skip
def _adaptive(k: K) -> list[str]:
    _no_indices(k)
    rank, sizes, out = _rank(k), k.shape[2:], k.out_shapes[0][2:]
    kind = "Max" if "Max" in k.type else "Average"
    if all(o == 1 for o in out):
        return [f"layers.Global{kind}Pooling{rank}D(keepdims=True, {CF})"]
    if any(n % o for n, o in zip(sizes, out, strict=True)):
        raise k.refuse("uneven adaptive windows have no Keras layer")
    pool = tuple(n // o for n, o in zip(sizes, out, strict=True))
    return [f"layers.{kind}Pooling{rank}D(pool_size={pool!r}, strides={pool!r}, {CF})"]


@emits("GlobalAvgPool2d", "GlobalMaxPool2d")
def _global(k: K) -> list[str]:
    kind = "Max" if "Max" in k.type else "Average"
    return [f"layers.Global{kind}Pooling2D({CF})"]


@emits("Linear")
def _linear(k: K) -> list[str]:
    return [f"layers.Dense({k.params.out_features}, use_bias={k.params.bias})"]


@emits("Embedding")
def _embedding(k: K) -> list[str]:
    p = k.params
    for flag in ("scale_grad_by_freq", "sparse"):
        if getattr(p, flag):
            raise k.refuse(f"{flag}=True has no Keras spelling (it shapes PyTorch's gradients)")
    calls = [f"layers.Embedding({p.num_embeddings}, {p.embedding_dim})"]
    if p.max_norm is not None:
        # torch scales a looked-up row whose p-norm exceeds max_norm by max_norm / (norm + 1e-7).
        norm = (
            f"keras.ops.power(keras.ops.sum(keras.ops.power(keras.ops.abs(x), {p.norm_type!r}), "
            f"axis=-1, keepdims=True), {1.0 / p.norm_type!r})"
        )
        limit = repr(p.max_norm)
        calls.append(
            f"layers.Lambda(lambda x: x * keras.ops.where({norm} > {limit}, "
            f"{limit} / ({norm} + 1e-7), 1.0))"
        )
    return calls


@emits(*ACTIVATIONS)
def _activation(k: K) -> list[str]:
    return [f'layers.Activation("{ACTIVATIONS[k.type]}")']


@emits("GELU")
def _gelu(k: K) -> list[str]:
    approximate = k.params.approximate == "tanh"
    return [f"layers.Activation(lambda x: keras.activations.gelu(x, approximate={approximate}))"]


@emits("Softplus")
def _softplus(k: K) -> list[str]:
    beta = k.params.beta
    if beta == 1.0:
        return ['layers.Activation("softplus")']
    return [f"layers.Activation(lambda x: keras.activations.softplus({beta!r} * x) / {beta!r})"]


@emits("Hardtanh")
def _hardtanh(k: K) -> list[str]:
    lo, hi = k.params.min_val, k.params.max_val
    return [f"layers.Activation(lambda x: keras.ops.clip(x, {lo!r}, {hi!r}))"]


@emits("CELU")
def _celu(k: K) -> list[str]:
    return [f"layers.Activation(lambda x: keras.activations.celu(x, alpha={k.params.alpha!r}))"]


@emits("LeakyReLU")
def _leaky(k: K) -> list[str]:
    return [f"layers.LeakyReLU(negative_slope={k.params.negative_slope!r})"]


@emits("ELU")
def _elu(k: K) -> list[str]:
    return [f"layers.ELU(alpha={k.params.alpha!r})"]


@emits("PReLU")
def _prelu(k: K) -> list[str]:
    rank = len(k.shape)
    shared = list(range(1, rank)) if k.params.num_parameters == 1 else list(range(2, rank))
    init = f"keras.initializers.Constant({k.params.init!r})"
    return [f"layers.PReLU(alpha_initializer={init}, shared_axes={shared!r})"]


@emits("Softmax", "LogSoftmax")
def _softmax(k: K) -> list[str]:
    if k.type == "Softmax":
        return [f"layers.Softmax(axis={k.params.dim})"]
    return [f"layers.Activation(lambda x: keras.ops.log_softmax(x, axis={k.params.dim}))"]


@emits("Dropout", "Dropout1d", "Dropout2d", "Dropout3d")
def _dropout(k: K) -> list[str]:
    return [f"layers.Dropout({k.params.p!r})"]


@emits("AlphaDropout")
def _alpha_dropout(k: K) -> list[str]:
    return [f"layers.AlphaDropout({k.params.p!r})"]


@emits("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
def _batch_norm(k: K) -> list[str]:
    p = k.params
    momentum = 1.0 - (p.momentum if p.momentum is not None else 0.1)
    return [
        f"layers.BatchNormalization(axis=1, epsilon={p.eps!r}, momentum={momentum!r}, "
        f"center={p.affine and p.bias}, scale={p.affine})"
    ]


@emits("LayerNorm")
def _layer_norm(k: K) -> list[str]:
    p = k.params
    ns = p.normalized_shape
    count = 1 if ns is None or isinstance(ns, int) else len(ns)
    axes = list(range(-count, 0))
    return [
        f"layers.LayerNormalization(axis={axes!r}, epsilon={p.eps!r}, "
        f"center={p.elementwise_affine and p.bias}, scale={p.elementwise_affine})"
    ]


@emits("GroupNorm")
def _group_norm(k: K) -> list[str]:
    p = k.params
    return [
        f"layers.GroupNormalization(groups={p.num_groups}, axis=1, epsilon={p.eps!r}, "
        f"center={p.affine and p.bias}, scale={p.affine})"
    ]


@emits("Flatten", "Reshape", "Unflatten", "Squeeze", "Unsqueeze")
def _reshape(k: K) -> list[str]:
    out = k.out_shapes[0]
    if out[0] != k.shape[0]:
        raise k.refuse("Keras reshapes keep the batch axis")
    if k.type == "Flatten" and len(out) == 2:
        # channels_last: flatten in memory order, as PyTorch does (no transpose first).
        return ['layers.Flatten(data_format="channels_last")']
    return [f"layers.Reshape({tuple(out[1:])!r})"]


@emits("Select")
def _select(k: K) -> list[str]:
    axis = shapes.normalize_axis(k.params.dim, len(k.shape))
    if axis == 0:
        raise k.refuse("selecting along the batch axis")
    index = k.params.index
    return [f"layers.Lambda(lambda x: keras.ops.take(x, {index}, axis={axis}))"]


@emits("Permute")
def _permute(k: K) -> list[str]:
    dims = [shapes.normalize_axis(d, len(k.shape)) for d in k.params.dims]
    if dims[0] != 0:
        # Keras's Permute keeps the batch axis; a transpose moves it (shapes are static).
        return [f"layers.Lambda(lambda x: keras.ops.transpose(x, {tuple(dims)!r}))"]
    return [f"layers.Permute({tuple(dims[1:])!r})"]


@emits(*MERGES)
def _merge(k: K) -> list[str]:
    if k.type == "Add" and k.params.coeff is not None and any(c != 1.0 for c in k.params.coeff):
        raise k.refuse("Keras Add has no coefficients")
    if any(s != k.out_shapes[0] for s in k.in_shapes):
        raise k.refuse("Keras merge layers take equal shapes (no broadcasting)")
    return [f"layers.{MERGES[k.type]}()"]


@emits("Concat")
def _concat(k: K) -> list[str]:
    return [f"layers.Concatenate(axis={k.params.dim})"]


@emits("Upsample")
def _upsample(k: K) -> list[str]:
    rank = _rank(k)
    factors = [o // i for o, i in zip(k.out_shapes[0][2:], k.shape[2:], strict=True)]
    if any(o % i for o, i in zip(k.out_shapes[0][2:], k.shape[2:], strict=True)):
        raise k.refuse("Keras upsamples by integer factors only")
    if rank != 2 or k.params.mode not in ("nearest", "bilinear") or k.params.align_corners:
        raise k.refuse("only 2-D nearest or bilinear upsampling maps to UpSampling2D")
    return [f'layers.UpSampling2D(size={tuple(factors)!r}, interpolation="{k.params.mode}", {CF})']


@emits("ZeroPad2d")
def _zero_pad(k: K) -> list[str]:
    pad = k.params.padding
    left, right, top, bottom = [pad] * 4 if isinstance(pad, int) else pad
    if min(left, right, top, bottom) < 0:
        raise k.refuse("negative padding (cropping)")
    return [_pad_layer(2, [top, left], [bottom, right])]


@emits("RNN", "GRU", "LSTM")
def _recurrent(k: K) -> list[str]:
    # Keras's own cells keep one bias vector where PyTorch keeps two, so the counts
    # would differ: a small layer with PyTorch's weights is written into the file.
    p = k.params
    k.need("TorchRecurrent")
    extra = ""
    if k.type == "LSTM" and p.proj_size:
        extra = f", proj_size={p.proj_size}"
    if k.type == "RNN":
        extra = f", nonlinearity={p.nonlinearity!r}"
    return [
        f"TorchRecurrent({k.type!r}, {k.shape[2]}, {p.hidden_size}, num_layers={p.num_layers}, "
        f"bias={p.bias}, batch_first={p.batch_first}, dropout={p.dropout!r}, "
        f"bidirectional={p.bidirectional}{extra})"
    ]


@emits("MultiheadAttention")
def _attention(k: K) -> list[str]:
    p = k.params
    if p.add_bias_kv or p.add_zero_attn:
        raise k.refuse("Keras MultiHeadAttention has no add_bias_kv / add_zero_attn")
    k.need("TorchMultiheadAttention")
    return [
        f"TorchMultiheadAttention({k.shape[2]}, {p.num_heads}, dropout={p.dropout!r}, "
        f"bias={p.bias}, batch_first={p.batch_first})"
    ]


@emits("TransformerEncoderLayer", "TransformerDecoderLayer")
def _transformer(k: K) -> list[str]:
    p = k.params
    k.need("TorchTransformerLayer")
    return [
        f"TorchTransformerLayer({k.shape[2]}, {p.nhead}, {p.dim_feedforward}, "
        f"dropout={p.dropout!r}, activation={p.activation!r}, "
        f"layer_norm_eps={p.layer_norm_eps!r}, batch_first={p.batch_first}, "
        f"norm_first={p.norm_first}, bias={p.bias}, "
        f"decoder={k.type == 'TransformerDecoderLayer'})"
    ]


def _affine(scale: float, shift: float) -> str:
    expr = "x" if scale == 1.0 else f"{scale!r} * x"
    return expr if shift == 0.0 else f"({shift!r} + {expr})"


@emits("Power")
def _power(k: K) -> list[str]:
    p = k.params
    return [f"layers.Lambda(lambda x: keras.ops.power({_affine(p.scale, p.shift)}, {p.power!r}))"]


@emits("Exp")
def _exp(k: K) -> list[str]:
    p = k.params
    inner = _affine(p.scale, p.shift)
    if p.base == -1.0:  # Caffe: base -1 means e
        return [f"layers.Lambda(lambda x: keras.ops.exp({inner}))"]
    return [f"layers.Lambda(lambda x: keras.ops.power({p.base!r}, {inner}))"]


@emits("Log")
def _log(k: K) -> list[str]:
    p = k.params
    inner = _affine(p.scale, p.shift)
    divide = "" if p.base == -1.0 else f" / {math.log(p.base)!r}"
    return [f"layers.Lambda(lambda x: keras.ops.log({inner}){divide})"]


@emits("Abs")
def _abs(k: K) -> list[str]:
    return ["layers.Lambda(lambda x: keras.ops.abs(x))"]


@emits("BinaryThreshold")
def _threshold(k: K) -> list[str]:
    t = k.params.threshold
    return [f"layers.Lambda(lambda x: keras.ops.cast(x > {t!r}, x.dtype))"]


@emits("Tile")
def _tile(k: K) -> list[str]:
    repeats = [1] * len(k.shape)
    repeats[shapes.normalize_axis(k.params.axis, len(k.shape))] = k.params.tiles
    return [f"layers.Lambda(lambda x: keras.ops.tile(x, {repeats!r}))"]


@emits("MatMul")
def _matmul(k: K) -> list[str]:
    return ["layers.Lambda(lambda xs: keras.ops.matmul(xs[0], xs[1]))"]


@emits("Einsum")
def _einsum(k: K) -> list[str]:
    return [f"layers.Lambda(lambda xs: keras.ops.einsum({k.params.equation!r}, *xs))"]


@emits("ConstantPad2d")
def _constant_pad(k: K) -> list[str]:
    pad = k.params.padding
    left, right, top, bottom = [pad] * 4 if isinstance(pad, int) else pad
    if min(left, right, top, bottom) < 0:
        raise k.refuse("negative padding (cropping)")
    widths = ((0, 0),) * (len(k.shape) - 2) + ((top, bottom), (left, right))
    value = k.params.value
    return [f"layers.Lambda(lambda x: keras.ops.pad(x, {widths!r}, constant_values={value!r}))"]


@emits("Split", "TensorSplit")
def _split(k: K) -> list[str]:
    axis = shapes.normalize_axis(k.params.dim, len(k.shape))
    cuts, total = [], 0
    for out in k.out_shapes[:-1]:
        total += out[axis]
        cuts.append(total)
    return [f"layers.Lambda(lambda x: keras.ops.split(x, {cuts!r}, axis={axis}))"]


@emits("Identity", "Output")
def _identity(k: K) -> list[str]:
    return ["layers.Identity()"]
