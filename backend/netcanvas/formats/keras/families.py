"""The converters of keras.layers classes to registry layers (filled into CONVERTERS)."""

from __future__ import annotations

from typing import Any

from netcanvas.formats.keras.call import (
    FROM_MERGE,
    Call,
    activation_node,
    converts,
    per_axis,
    same_padding,
)
from netcanvas.formats.keras.reader import Tensor


def _padding(call: Call, kernel: list[int], dilation: list[int]) -> Any:
    mode = call.cfg.get("padding", "valid")
    if mode == "causal":  # Conv1D: all the padding before the sequence
        return [(kernel[0] - 1) * dilation[0], 0]
    return mode if mode in ("same", "valid") else 0


@converts("Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D",
          "SeparableConv1D", "SeparableConv2D")  # fmt: skip
def _conv(call: Call) -> list[Tensor]:
    t = call.ins[0]
    rank = t.rank - 2
    ref, cf = call.spatial(t)
    c = call.cfg
    kernel = per_axis(c.get("kernel_size", 1), rank)
    stride = per_axis(c.get("strides", 1), rank)
    dilation = per_axis(c.get("dilation_rate", 1), rank)
    padding = _padding(call, kernel, dilation)
    conv = f"Conv{rank}d"
    bias = bool(c.get("use_bias", True))
    if call.cls.startswith(("Depthwise", "Separable")):
        channels = call.channels(t)
        out = channels * int(c.get("depth_multiplier", 1))
        separable = call.cls.startswith("Separable")
        ref = call.emit(conv, {"out_channels": out, "kernel_size": kernel, "stride": stride,
                               "padding": padding, "dilation": dilation, "groups": channels,
                               "bias": bias and not separable}, [ref])  # fmt: skip
        if separable:  # then a pointwise convolution to `filters`
            ref = call.emit(conv, {"out_channels": int(c["filters"]), "kernel_size": 1,
                                   "bias": bias}, [ref])  # fmt: skip
    else:
        ref = call.emit(conv, {"out_channels": int(c["filters"]), "kernel_size": kernel,
                               "stride": stride, "padding": padding, "dilation": dilation,
                               "groups": int(c.get("groups", 1)), "bias": bias}, [ref])  # fmt: skip
    return [call.out(call.activation(ref, cf, t.rank), cf)]


@converts("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
def _conv_transpose(call: Call) -> list[Tensor]:
    t = call.ins[0]
    rank = t.rank - 2
    ref, cf = call.spatial(t)
    c = call.cfg
    kernel = per_axis(c.get("kernel_size", 1), rank)
    stride = per_axis(c.get("strides", 1), rank)
    pads, extra = [0] * rank, [0] * rank
    if c.get("padding") == "same":
        # Keras gives n·s outputs; torch (n-1)·s - 2p + k + output_padding.
        for i, (k, s) in enumerate(zip(kernel, stride, strict=True)):
            pads[i] = max(k - s + 1, 0) // 2
            extra[i] = 2 * pads[i] - (k - s)
    if c.get("output_padding") is not None:
        call.warn("output_padding is read as Keras's 'same' sizes only")
    ref = call.emit(f"ConvTranspose{rank}d", {
        "out_channels": int(c["filters"]), "kernel_size": kernel, "stride": stride,
        "padding": pads, "output_padding": extra,
        "dilation": per_axis(c.get("dilation_rate", 1), rank),
        "bias": bool(c.get("use_bias", True))}, [ref])  # fmt: skip
    return [call.out(call.activation(ref, cf, t.rank), cf)]


@converts("MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
          "AveragePooling1D", "AveragePooling2D", "AveragePooling3D")  # fmt: skip
def _pool(call: Call) -> list[Tensor]:
    t = call.ins[0]
    rank = t.rank - 2
    ref, cf = call.spatial(t)
    kernel = per_axis(call.cfg.get("pool_size", 2), rank)
    stride = per_axis(call.cfg.get("strides") or kernel, rank)
    kind = "Max" if call.cls.startswith("Max") else "Avg"
    params: dict[str, Any] = {"kernel_size": kernel, "stride": stride}
    if call.cfg.get("padding") == "same":
        begin, end = same_padding(call, t, kernel, stride)
        if begin == end:
            params["padding"] = begin
            if kind == "Avg":
                params["count_include_pad"] = False  # Keras averages real pixels only
        elif rank == 2:
            # Odd total padding: the extra pixel at the end as explicit zeros, so shapes
            # are exact and only border values approximate.
            pad = [begin[1], end[1], begin[0], end[0]]
            ref = call.emit("ZeroPad2d", {"padding": pad}, [ref])
            call.warn("'same' pooling with uneven padding drawn as zero padding + pooling")
        else:
            params["padding"] = end
            call.warn("'same' pooling with uneven padding drawn with the larger padding")
    ref = call.emit(f"{kind}Pool{rank}d", params, [ref])
    return [call.out(ref, cf)]


@converts("GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
          "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D")  # fmt: skip
def _global(call: Call) -> list[Tensor]:
    t = call.ins[0]
    rank = t.rank - 2
    ref, cf = call.spatial(t)
    kind = "Max" if "Max" in call.cls else "Avg"
    keep = bool(call.cfg.get("keepdims", False))
    if rank == 2 and not keep:
        return [call.out(call.emit(f"Global{kind}Pool2d", {}, [ref]), False)]
    ref = call.emit(f"Adaptive{kind}Pool{rank}d", {"output_size": 1}, [ref])
    if keep:
        return [call.out(ref, cf)]
    return [call.out(call.emit("Flatten", {}, [ref]), False)]


@converts("ZeroPadding2D")
def _zero_pad(call: Call) -> list[Tensor]:
    ref, cf = call.spatial(call.ins[0])
    pad = call.cfg.get("padding", 1)
    if isinstance(pad, int):
        (top, bottom), (left, right) = (pad, pad), (pad, pad)
    else:
        (top, bottom), (left, right) = (p if isinstance(p, list) else (p, p) for p in pad)
    return [call.out(call.emit("ZeroPad2d", {"padding": [left, right, top, bottom]}, [ref]), cf)]


@converts("UpSampling2D")
def _upsample(call: Call) -> list[Tensor]:
    ref, cf = call.spatial(call.ins[0])
    mode = call.cfg.get("interpolation", "nearest")
    if mode not in ("nearest", "bilinear"):
        call.warn(f"interpolation '{mode}' drawn as bilinear (same shapes)")
        mode = "bilinear"
    size = per_axis(call.cfg.get("size", 2), 2)
    params = {"scale_factor": [float(s) for s in size], "mode": mode}
    return [call.out(call.emit("Upsample", params, [ref]), cf)]


@converts("Dense")
def _dense(call: Call) -> list[Tensor]:
    t = call.ins[0]
    ref = call.keras(t)  # Dense works on Keras's last axis
    bias = bool(call.cfg.get("use_bias", True))
    ref = call.emit("Linear", {"out_features": int(call.cfg["units"]), "bias": bias}, [ref])
    return [call.out(call.activation(ref, False, t.rank), False)]


@converts("Activation")
def _activation(call: Call) -> list[Tensor]:
    t = call.ins[0]
    act = call.cfg.get("activation", "linear")
    if act in ("softmax", "log_softmax"):  # over Keras's last axis
        kind = "Softmax" if act == "softmax" else "LogSoftmax"
        ref = call.emit(kind, {"dim": call.axis(t, -1)}, [t.ref])
    elif act in (None, "linear"):
        ref = call.emit("Identity", {}, [t.ref])
    else:
        ref = activation_node(call, act, t.ref, 1)
    return [call.out(ref, t.cf)]


@converts("ReLU")
def _relu(call: Call) -> list[Tensor]:
    t = call.ins[0]
    top = call.cfg.get("max_value")
    slope = float(call.cfg.get("negative_slope") or 0.0)
    threshold = float(call.cfg.get("threshold") or 0.0)
    if threshold:
        call.warn(f"threshold={threshold} is not drawn (ReLU at 0)")
    if top is not None and float(top) == 6.0 and not slope:
        ref = call.emit("ReLU6", {}, [t.ref])
    elif top is not None:
        ref = call.emit("Hardtanh", {"min_val": 0.0, "max_val": float(top)}, [t.ref])
        if slope:
            call.warn("a capped leaky ReLU drawn as Hardtanh(0, max_value)")
    elif slope:
        ref = call.emit("LeakyReLU", {"negative_slope": slope}, [t.ref])
    else:
        ref = call.emit("ReLU", {}, [t.ref])
    return [call.out(ref, t.cf)]


@converts("LeakyReLU", "ELU", "Softmax", "PReLU")
def _parametric(call: Call) -> list[Tensor]:
    t = call.ins[0]
    if call.cls == "LeakyReLU":
        slope = call.cfg.get("negative_slope", call.cfg.get("alpha", 0.3))
        ref = call.emit("LeakyReLU", {"negative_slope": float(slope)}, [t.ref])
    elif call.cls == "ELU":
        ref = call.emit("ELU", {"alpha": float(call.cfg.get("alpha", 1.0))}, [t.ref])
    elif call.cls == "Softmax":
        axis = call.cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        ref = call.emit("Softmax", {"dim": call.axis(t, int(axis))}, [t.ref])
    else:
        shared = call.cfg.get("shared_axes") or []
        shape = t.shape or ()
        count = 1 if len(shared) >= len(shape) - 1 else int(shape[-1] or 1)
        if len(shared) not in (0, len(shape) - 1, len(shape) - 2):
            call.warn("PReLU with partly shared axes drawn with one slope per channel")
        elif not shared and len(shape) > 2:
            call.warn("PReLU with a slope per element drawn with one slope per channel")
        ref = call.emit("PReLU", {"num_parameters": count}, [t.ref])
    return [call.out(ref, t.cf)]


@converts("BatchNormalization")
def _batch_norm(call: Call) -> list[Tensor]:
    t = call.ins[0]
    rank, axis = t.rank, call.cfg.get("axis", -1)
    axis = (axis[0] if isinstance(axis, list) else axis) % rank
    # Our BatchNorm normalises axis 1: channels-first when Keras's axis is the last.
    ref = call.cf(t) if axis == rank - 1 and rank >= 3 else call.keras(t)
    cf = t.cf if rank < 3 else axis == rank - 1
    shape = t.shape or ()
    channels = int(shape[axis] or 1)
    center, scale = bool(call.cfg.get("center", True)), bool(call.cfg.get("scale", True))
    call.b.buffers += 2 * channels  # moving mean and variance
    params = {"eps": float(call.cfg.get("epsilon", 1e-3)),
              "momentum": round(1.0 - float(call.cfg.get("momentum", 0.99)), 6),
              "affine": scale, "bias": center}  # fmt: skip
    kind = f"BatchNorm{max(rank - 2, 1)}d"
    ref = call.emit(kind, params, [ref])
    if center and not scale:
        # A shift alone (InceptionV3's batch norms): torch's affine learns both, so the
        # shift is its own per-channel Bias (the BatchNorm, affine=False, learns nothing).
        ref = call.emit("Bias", {"axis": 1, "num_axes": 1}, [ref])
    return [call.out(ref, cf)]


@converts("Normalization")
def _normalization(call: Call) -> list[Tensor]:
    # Fixed (x - mean) / sqrt(variance) per channel: a BatchNorm with no learned affine.
    t = call.ins[0]
    ref = call.cf(t)
    channels = int((t.shape or (1,))[-1] or 1)
    if call.cfg.get("mean") is None:
        # Adapted statistics are Keras variables (mean, variance, sample count); given
        # ones are constants of the config.
        call.b.buffers += 2 * channels + 1
    kind = f"BatchNorm{max(t.rank - 2, 1)}d"
    return [call.out(call.emit(kind, {"affine": False}, [ref]), t.rank >= 3)]


@converts("LayerNormalization")
def _layer_norm(call: Call) -> list[Tensor]:
    t = call.ins[0]
    axes = call.cfg.get("axis", -1)
    axes = axes if isinstance(axes, list) else [axes]
    ref = call.keras(t)  # over Keras's trailing axes
    shape = t.shape or ()
    sizes = [int(shape[a] or 1) for a in sorted(a % len(shape) for a in axes)]
    center, scale = bool(call.cfg.get("center", True)), bool(call.cfg.get("scale", True))
    eps = float(call.cfg.get("epsilon", 1e-3))
    if call.cfg.get("rms_scaling"):
        ref = call.emit("RMSNorm", {"normalized_shape": sizes, "eps": eps,
                                    "elementwise_affine": scale}, [ref])  # fmt: skip
    else:
        ref = call.emit("LayerNorm", {"normalized_shape": sizes, "eps": eps,
                                      "elementwise_affine": scale, "bias": center and scale},
                        [ref])  # fmt: skip
        if center and not scale:  # a shift alone: its own Bias over the normalised axes
            ref = call.emit("Bias", {"axis": t.rank - len(sizes), "num_axes": len(sizes)}, [ref])
    return [call.out(ref, False)]


_DROPOUTS = {"AlphaDropout": "AlphaDropout", "SpatialDropout1D": "Dropout1d",
             "SpatialDropout2D": "Dropout2d", "SpatialDropout3D": "Dropout3d"}  # fmt: skip


@converts("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout")
def _dropout(call: Call) -> list[Tensor]:
    t = call.ins[0]
    kind = _DROPOUTS.get(call.cls, "Dropout")
    ref = call.cf(t) if kind in ("Dropout1d", "Dropout2d", "Dropout3d") else t.ref
    cf = t.cf or kind != "Dropout" and kind != "AlphaDropout"
    return [call.out(call.emit(kind, {"p": float(call.cfg.get("rate", 0.5))}, [ref]), cf)]


@converts("Rescaling")
def _rescaling(call: Call) -> list[Tensor]:
    t = call.ins[0]
    scale, offset = call.cfg.get("scale", 1.0), call.cfg.get("offset", 0.0)
    if not isinstance(scale, int | float) or not isinstance(offset, int | float):
        call.warn("a per-channel scale or offset drawn as one number")
        scale = scale if isinstance(scale, int | float) else 1.0
        offset = offset if isinstance(offset, int | float) else 0.0
    params = {"power": 1.0, "scale": float(scale), "shift": float(offset)}
    return [call.out(call.emit("Power", params, [t.ref]), t.cf)]


@converts("Identity", "GaussianNoise", "GaussianDropout", "ActivityRegularization", "Masking")
def _identity(call: Call) -> list[Tensor]:
    # Noise and regularisers act in training only: the inference graph is the identity.
    t = call.ins[0]
    return [call.out(call.emit("Identity", {}, [t.ref]), t.cf)]


@converts("Add", "Multiply", "Subtract", "Maximum", "Minimum", "Concatenate")
def _merge(call: Call) -> list[Tensor]:
    if len(call.ins) == 1 and len(call.consts) == 1 and call.cls != "Concatenate":
        return _with_constant(call)
    cf = all(t.cf for t in call.ins) or any(t.cf for t in call.ins)
    refs = [call.cf(t) if cf else call.keras(t) for t in call.ins]
    if call.cls == "Concatenate":
        first = call.ins[0]
        widest = max(call.ins, key=lambda t: t.rank)
        probe = type(first)(first.ref, widest.shape, cf)
        ref = call.emit("Concat", {"dim": call.axis(probe, int(call.cfg.get("axis", -1)))}, refs)
    else:
        ref = call.emit(FROM_MERGE[call.cls], {}, refs)
    return [call.out(ref, cf)]


def _with_constant(call: Call) -> list[Tensor]:
    # An operator on a tensor and a number (Keras 3 records ``x + 3.0`` as ops.Add):
    # (shift + scale·x)^1, or an elementwise maximum / minimum with the number.
    t, c = call.ins[0], call.consts[0]
    affine = {"Add": (1.0, c), "Subtract": (1.0, -c), "Multiply": (c, 0.0)}
    if call.cls in affine:
        scale, shift = affine[call.cls]
        ref = call.emit("Power", {"power": 1.0, "scale": scale, "shift": shift}, [t.ref])
    else:
        low, high = (c, None) if call.cls == "Maximum" else (None, c)
        call.warn(f"{call.cls.lower()} with {c} drawn as Hardtanh")
        bounds = {
            "min_val": -1e30 if low is None else low,
            "max_val": 1e30 if high is None else high,
        }
        ref = call.emit("Hardtanh", bounds, [t.ref])
    return [call.out(ref, t.cf)]


@converts("Flatten")
def _flatten(call: Call) -> list[Tensor]:
    # From channels-first the flattened order differs from Keras's; the size does not.
    t = call.ins[0]
    return [call.out(call.emit("Flatten", {}, [t.ref]), False)]


@converts("Reshape")
def _reshape(call: Call) -> list[Tensor]:
    t = call.ins[0]
    target = [int(d) for d in call.cfg.get("target_shape", [])]
    if len(target) >= 3 and (t.rank == 2 or not t.cf):
        # A flat vector made an image ([N, C] -> [N, 1, 1, C], as a squeeze-excite gate):
        # drawn channels-first, since spatial layers and merges will read it so.
        if t.rank == 2 and any(d != 1 for d in target[:-1]):
            call.warn("reshaped to channels-first: the element order differs from Keras's")
        ref = call.emit("Reshape", {"shape": [0, target[-1], *target[:-1]]}, [t.ref])
        return [call.out(ref, True)]
    ref = call.emit("Reshape", {"shape": [0, *target]}, [call.keras(t)])
    return [call.out(ref, False)]


@converts("Permute")
def _permute(call: Call) -> list[Tensor]:
    t = call.ins[0]
    dims = [0, *(int(d) for d in call.cfg.get("dims", []))]
    return [call.out(call.emit("Permute", {"dims": dims}, [call.keras(t)]), False)]


@converts("Embedding")
def _embedding(call: Call) -> list[Tensor]:
    t = call.ins[0]
    params = {"num_embeddings": int(call.cfg["input_dim"]),
              "embedding_dim": int(call.cfg["output_dim"])}  # fmt: skip
    return [call.out(call.emit("Embedding", params, [call.keras(t)]), False)]


# Layers of keras.applications defined in their own modules.
@converts("LayerScale")
def _layer_scale(call: Call) -> list[Tensor]:
    # ConvNeXt: a learned factor per channel on the last axis (Caffe's Scale, one axis).
    t = call.ins[0]
    ref = call.keras(t)
    return [call.out(call.emit("Scale", {"axis": t.rank - 1, "num_axes": 1}, [ref]), False)]


@converts("CustomScaleLayer")
def _custom_scale(call: Call) -> list[Tensor]:
    # InceptionResNetV2: inputs[0] + inputs[1] * scale, no weights.
    cf = any(t.cf for t in call.ins)
    refs = [call.cf(t) if cf else call.keras(t) for t in call.ins]
    scale = float(call.cfg.get("scale", 1.0))
    return [call.out(call.emit("Add", {"coeff": [1.0, scale]}, refs), cf)]
