"""Model solutions, written as a member would submit them (no forbidden APIs)."""

from __future__ import annotations

SOLUTIONS: dict[str, str] = {}

SOLUTIONS["softmax"] = """
import torch

def softmax(X):
    e = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
"""

SOLUTIONS["cross_entropy"] = """
import torch

def cross_entropy(logits, y):
    m = logits.max(dim=1, keepdim=True).values
    lse = m[:, 0] + torch.log(torch.exp(logits - m).sum(dim=1))
    return (lse - logits[torch.arange(len(y)), y]).mean()
"""

SOLUTIONS["dropout"] = """
import torch

def dropout(X, p, training=True, generator=None):
    if not training or p == 0:
        return X.clone()
    if p == 1:
        return torch.zeros_like(X)
    keep = torch.rand(X.shape, generator=generator, dtype=X.dtype) > p
    return X * keep / (1 - p)
"""

SOLUTIONS["bayes_posterior"] = """
import torch

def bayes_posterior(prior, likelihood, obs):
    log_post = torch.log(prior) + torch.log(likelihood[:, obs]).sum(dim=1)
    w = torch.exp(log_post - log_post.max())
    return w / w.sum()
"""

SOLUTIONS["streaming_mean_var"] = """
import torch

def streaming_mean_var(chunks, unbiased=True):
    n, mean, m2 = 0, torch.tensor(0.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    for chunk in chunks:
        k = chunk.numel()
        if k == 0:
            continue
        c_mean = chunk.mean()
        c_m2 = ((chunk - c_mean) ** 2).sum()
        delta = c_mean - mean
        total = n + k
        mean = mean + delta * k / total
        m2 = m2 + c_m2 + delta ** 2 * n * k / total
        n = total
    return mean, m2 / (n - 1 if unbiased else n)
"""

SOLUTIONS["numeric_grad"] = """
import torch

def numeric_grad(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        e = torch.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad
"""

SOLUTIONS["pairwise_sqdist"] = """
def pairwise_sqdist(X, Y):
    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=-1)
"""

SOLUTIONS["train_linreg_sgd"] = """
import torch

def train_linreg_sgd(X, y, lr, batch_size, epochs, seed):
    g = torch.Generator().manual_seed(seed)
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            err = X[idx] @ w + b - y[idx]
            w = w - lr * X[idx].T @ err / len(idx)
            b = b - lr * err.mean()
    return w, b
"""

SOLUTIONS["tensor_reduction"] = """
def tensor_reduction(X, W):
    i, k = W.shape[0], W.shape[2]
    XW = (X @ W.permute(0, 2, 1).reshape(i, k * i)).reshape(-1, k, i)
    return (XW * X[:, None, :]).sum(dim=-1)
"""

SOLUTIONS["conv2d"] = """
import torch

def conv2d(X, K, b, stride=(1, 1), padding=(0, 0)):
    (sh, sw), (ph, pw) = stride, padding
    B, C, H, W = X.shape
    O, _, kh, kw = K.shape
    P = torch.zeros(B, C, H + 2 * ph, W + 2 * pw, dtype=X.dtype)
    P[:, :, ph:ph + H, pw:pw + W] = X
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    Y = torch.zeros(B, O, oh, ow, dtype=X.dtype)
    for i in range(oh):
        for j in range(ow):
            window = P[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            Y[:, :, i, j] = torch.einsum("bchw,ochw->bo", window, K)
    return Y + b[None, :, None, None]
"""

SOLUTIONS["pool2d"] = """
import torch

def pool2d(X, kernel, stride, padding, mode="max"):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    B, C, H, W = X.shape
    fill = float("-inf") if mode == "max" else 0.0
    P = torch.full((B, C, H + 2 * ph, W + 2 * pw), fill, dtype=X.dtype)
    P[:, :, ph:ph + H, pw:pw + W] = X
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    Y = torch.zeros(B, C, oh, ow, dtype=X.dtype)
    for i in range(oh):
        for j in range(ow):
            window = P[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            Y[:, :, i, j] = window.amax(dim=(2, 3)) if mode == "max" else window.mean(dim=(2, 3))
    return Y
"""

SOLUTIONS["batch_norm"] = """
import torch

def batch_norm(X, gamma, beta, running_mean, running_var, eps, momentum, training):
    dims = (0,) if X.dim() == 2 else (0, 2, 3)
    shape = (1, -1) if X.dim() == 2 else (1, -1, 1, 1)
    if training:
        mean = X.mean(dim=dims)
        var = ((X - mean.reshape(shape)) ** 2).mean(dim=dims)
        m = X.numel() // X.shape[1]
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.clone(), running_var.clone()
    X_hat = (X - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * X_hat + beta.reshape(shape), new_mean, new_var
"""

SOLUTIONS["layer_norm"] = """
import torch

def layer_norm(X, gamma, beta, eps):
    mean = X.mean(dim=-1, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=-1, keepdim=True)
    return gamma * (X - mean) / torch.sqrt(var + eps) + beta
"""

SOLUTIONS["masked_attention"] = """
import math
import torch

def masked_softmax(X, valid_lens):
    if valid_lens is None:
        return torch.softmax(X, dim=-1)
    if valid_lens.dim() == 1:
        valid_lens = valid_lens[:, None].expand(X.shape[0], X.shape[1])
    mask = torch.arange(X.shape[-1])[None, None, :] < valid_lens[:, :, None]
    return torch.softmax(X.masked_fill(~mask, -1e6), dim=-1)

def dot_product_attention(queries, keys, values, valid_lens):
    scores = queries @ keys.transpose(1, 2) / math.sqrt(queries.shape[-1])
    return masked_softmax(scores, valid_lens) @ values
"""

SOLUTIONS["sgd_momentum"] = """
def sgd_momentum_step(param, grad, state, t, lr, momentum):
    (v,) = state
    v = momentum * v + grad
    return param - lr * v, (v,)
"""

SOLUTIONS["adagrad"] = """
import torch

def adagrad_step(param, grad, state, t, lr, eps):
    (s,) = state
    s = s + grad ** 2
    return param - lr * grad / (torch.sqrt(s) + eps), (s,)
"""

SOLUTIONS["rmsprop"] = """
import torch

def rmsprop_step(param, grad, state, t, lr, gamma, eps):
    (s,) = state
    s = gamma * s + (1 - gamma) * grad ** 2
    return param - lr * grad / (torch.sqrt(s) + eps), (s,)
"""

SOLUTIONS["adam"] = """
import torch

def adam_step(param, grad, state, t, lr, beta1, beta2, eps):
    v, s = state
    v = beta1 * v + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    v_hat = v / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return param - lr * v_hat / (torch.sqrt(s_hat) + eps), (v, s)
"""

SOLUTIONS["rnn_forward"] = """
import torch

def rnn_forward(X, H0, W_xh, W_hh, b_h):
    H, outputs = H0, []
    for x in X:
        H = torch.tanh(x @ W_xh + H @ W_hh + b_h)
        outputs.append(H)
    return torch.stack(outputs), H
"""

SOLUTIONS["lstm_forward"] = """
import torch

def lstm_forward(X, state, W_x, W_h, b):
    H, C = state
    outputs = []
    for x in X:
        i, f, g, o = (x @ W_x + H @ W_h + b).chunk(4, dim=1)
        C = torch.sigmoid(f) * C + torch.sigmoid(i) * torch.tanh(g)
        H = torch.sigmoid(o) * torch.tanh(C)
        outputs.append(H)
    return torch.stack(outputs), (H, C)
"""
