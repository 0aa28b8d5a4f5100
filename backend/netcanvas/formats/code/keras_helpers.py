"""Keras layer classes with PyTorch's parameterisation, as source text.

The Keras code generator writes these into a generated file when its network needs
them: PyTorch's recurrent layers keep two bias vectors and its attention a packed
projection, which stock Keras layers would count differently.
"""

from __future__ import annotations

# Helper classes written into generated files that need them (plain Keras 3 code).
TORCHRECURRENT = '''\
class TorchRecurrent(keras.layers.Layer):
    """torch.nn.RNN/GRU/LSTM in keras.ops, with PyTorch's weights: W_ih, W_hh and two biases
    per layer and direction (Keras keeps one bias), plus LSTM's projection W_hr.

    Weights are named as in PyTorch's state_dict (``self.torch_weights``) so trained
    PyTorch weights can be copied in. Returns [output, h_n] (LSTM: [output, h_n, c_n]).
    """

    GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=True, dropout=0.0, bidirectional=False, proj_size=0,
                 nonlinearity="tanh", **kwargs):
        # The constructor's arguments, for get_config (model.save / load_model).
        settings = {k: v for k, v in locals().items() if k not in ("self", "kwargs", "__class__")}
        super().__init__(**kwargs)
        self.settings = settings
        self.mode, self.hidden_size, self.num_layers = mode, hidden_size, num_layers
        self.batch_first, self.proj_size, self.nonlinearity = batch_first, proj_size, nonlinearity
        self.directions = 2 if bidirectional else 1
        self.dropout = layers.Dropout(dropout)  # between stacked layers, as in PyTorch
        self.out_size = proj_size or hidden_size
        rows, bound = self.GATES[mode] * hidden_size, hidden_size**-0.5
        init = keras.initializers.RandomUniform(-bound, bound)
        self.torch_weights = {}
        for layer in range(num_layers):
            fan_in = input_size if layer == 0 else self.directions * self.out_size
            for suffix in ["", "_reverse"][: self.directions]:
                shapes = {"weight_ih": (rows, fan_in), "weight_hh": (rows, self.out_size)}
                if bias:
                    shapes |= {"bias_ih": (rows,), "bias_hh": (rows,)}
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    self.torch_weights[name] = self.add_weight(shape, init, name=name)
        self.built = True

    def _step(self, w, x, h, c):
        ops = keras.ops
        gi = ops.matmul(x, ops.transpose(w["weight_ih"]))
        gh = ops.matmul(h, ops.transpose(w["weight_hh"]))
        if "bias_ih" in w:
            gi, gh = gi + w["bias_ih"], gh + w["bias_hh"]
        if self.mode == "RNN":
            return (ops.relu if self.nonlinearity == "relu" else ops.tanh)(gi + gh), c
        if self.mode == "GRU":
            ir, iz, inn = ops.split(gi, 3, axis=-1)
            hr, hz, hn = ops.split(gh, 3, axis=-1)
            r, z = ops.sigmoid(ir + hr), ops.sigmoid(iz + hz)
            n = ops.tanh(inn + r * hn)
            return (1 - z) * n + z * h, c
        i, f, g, o = ops.split(gi + gh, 4, axis=-1)
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        h = ops.sigmoid(o) * ops.tanh(c)
        if "weight_hr" in w:
            h = ops.matmul(h, ops.transpose(w["weight_hr"]))
        return h, c

    def call(self, inputs, training=None):
        ops = keras.ops
        x, *states = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        if not self.batch_first:
            x = ops.transpose(x, (1, 0, 2))
        batch, steps = x.shape[0], x.shape[1]
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            if layer:
                x = self.dropout(x, training=training)
            outputs = []
            for d, suffix in enumerate(["", "_reverse"][: self.directions]):
                w = {k.split("_l")[0]: v for k, v in self.torch_weights.items()
                     if k.endswith(f"_l{layer}{suffix}")}
                index = layer * self.directions + d
                h = states[0][index] if states else ops.zeros((batch, self.out_size), x.dtype)
                c = states[1][index] if len(states) > 1 else ops.zeros(
                    (batch, self.hidden_size), x.dtype)
                order = range(steps - 1, -1, -1) if suffix else range(steps)
                seq = [None] * steps
                for t in order:
                    h, c = self._step(w, x[:, t], h, c)
                    seq[t] = h
                outputs.append(ops.stack(seq, axis=1))
                h_n.append(h)
                c_n.append(c)
            x = ops.concatenate(outputs, axis=-1) if len(outputs) > 1 else outputs[0]
        if not self.batch_first:
            x = ops.transpose(x, (1, 0, 2))
        result = [x, ops.stack(h_n)]
        return result + [ops.stack(c_n)] if self.mode == "LSTM" else result

    def compute_output_spec(self, inputs, training=None):
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        batch = x.shape[0] if self.batch_first else x.shape[1]
        seq = (*x.shape[:2], self.directions * self.out_size)
        states = (self.num_layers * self.directions, batch)
        specs = [seq, (*states, self.out_size)]
        if self.mode == "LSTM":
            specs.append((*states, self.hidden_size))
        return [keras.KerasTensor(s, dtype=x.dtype) for s in specs]

    def get_config(self):
        return {**super().get_config(), **self.settings}
'''


TORCHMULTIHEADATTENTION = '''\
class TorchMultiheadAttention(keras.layers.Layer):
    """torch.nn.MultiheadAttention on keras.layers.MultiHeadAttention: the q/k/v/output
    kernels and biases are PyTorch's in_proj and out_proj. Returns [output, weights],
    the weights averaged over heads as PyTorch does by default."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, batch_first=True,
                 **kwargs):
        # The constructor's arguments, for get_config (model.save / load_model).
        settings = {k: v for k, v in locals().items() if k not in ("self", "kwargs", "__class__")}
        super().__init__(**kwargs)
        self.settings = settings
        self.batch_first = batch_first
        self.attention = layers.MultiHeadAttention(
            num_heads, embed_dim // num_heads, dropout=dropout, use_bias=bias)

    def build(self, input_shape):
        q, k, v = input_shape if isinstance(input_shape[0], (list, tuple)) else [input_shape] * 3
        if not self.batch_first:
            q, k, v = ((s[1], s[0], s[2]) for s in (q, k, v))
        self.attention.build(q, v, k)

    def call(self, inputs, training=None):
        ops = keras.ops
        q, k, v = inputs if isinstance(inputs, (list, tuple)) else [inputs] * 3
        if not self.batch_first:
            q, k, v = (ops.transpose(t, (1, 0, 2)) for t in (q, k, v))
        out, scores = self.attention(
            q, v, key=k, return_attention_scores=True, training=training)
        if not self.batch_first:
            out = ops.transpose(out, (1, 0, 2))
        return [out, ops.mean(scores, axis=1)]

    def get_config(self):
        return {**super().get_config(), **self.settings}
'''


TORCHTRANSFORMERLAYER = '''\
class TorchTransformerLayer(keras.layers.Layer):
    """torch.nn.TransformerEncoderLayer (decoder=False) or TransformerDecoderLayer: attention
    blocks and a two-Dense feed-forward, each residual, with LayerNorms after (post-norm)
    or before (norm_first) each block."""

    def __init__(self, d_model, nhead, dim_feedforward, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=True, norm_first=False, bias=True,
                 decoder=False, **kwargs):
        # The constructor's arguments, for get_config (model.save / load_model).
        settings = {k: v for k, v in locals().items() if k not in ("self", "kwargs", "__class__")}
        super().__init__(**kwargs)
        self.settings = settings
        self.batch_first, self.norm_first, self.decoder = batch_first, norm_first, decoder
        blocks = 2 if decoder else 1
        self.attentions = [
            layers.MultiHeadAttention(nhead, d_model // nhead, dropout=dropout, use_bias=bias)
            for _ in range(blocks)
        ]
        self.norms = [
            layers.LayerNormalization(epsilon=layer_norm_eps, center=bias)
            for _ in range(blocks + 1)
        ]
        self.linear1 = layers.Dense(dim_feedforward, use_bias=bias)
        self.linear2 = layers.Dense(d_model, use_bias=bias)
        self.activation = activation
        self.dropout = layers.Dropout(dropout)

    def build(self, input_shape):
        x, *memory = input_shape if isinstance(input_shape[0], (list, tuple)) else [input_shape]
        if not self.batch_first:
            x, *memory = ((s[1], s[0], s[2]) for s in (x, *memory))
        self.attentions[0].build(x, x)
        if self.decoder:
            self.attentions[1].build(x, memory[0])
        for norm in self.norms:
            norm.build(x)
        self.linear1.build(x)
        self.linear2.build((*x[:-1], self.linear1.units))

    def _feed_forward(self, x, training):
        # PyTorch's "gelu" is the exact (erf) GELU.
        act = keras.activations.relu if self.activation == "relu" else (
            lambda t: keras.activations.gelu(t, approximate=False))
        hidden = self.dropout(act(self.linear1(x)), training=training)
        return self.dropout(self.linear2(hidden), training=training)

    def call(self, inputs, training=None):
        ops = keras.ops
        x, *memory = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        if not self.batch_first:
            x, *memory = (ops.transpose(t, (1, 0, 2)) for t in (x, *memory))
        blocks = [lambda t, a=a: self.dropout(a(t, t, training=training), training=training)
                  for a in self.attentions[:1]]
        if self.decoder:
            blocks.append(lambda t: self.dropout(
                self.attentions[1](t, memory[0], training=training), training=training))
        blocks.append(lambda t: self._feed_forward(t, training))
        for block, norm in zip(blocks, self.norms):
            x = x + block(norm(x)) if self.norm_first else norm(x + block(x))
        if not self.batch_first:
            x = ops.transpose(x, (1, 0, 2))
        return x

    def get_config(self):
        return {**super().get_config(), **self.settings}
'''


HELPERS = {
    "TorchRecurrent": TORCHRECURRENT,
    "TorchMultiheadAttention": TORCHMULTIHEADATTENTION,
    "TorchTransformerLayer": TORCHTRANSFORMERLAYER,
}
