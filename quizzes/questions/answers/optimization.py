"""Answer keys for the optimization bank (d2l chapter 12).

Each function takes exactly the parameters its questions declare. The epsilon placement is
the one the question states: the book puts epsilon inside the square root for Adagrad,
RMSProp and Adadelta; PyTorch adds it after the square root (Adam: after, in both).
tests/quizzes checks every key by iterating the update by hand or running torch.optim.
"""

from __future__ import annotations

import math

from quizzes.questions._registry import answer_function, common_mistake

BOOK_ADAGRAD_EPS = 1e-6  # inside the sqrt, as in d2l 12.7
TORCH_ADAGRAD_EPS = 1e-10  # after the sqrt, torch.optim.Adagrad's default
TORCH_RMSPROP_EPS = 1e-8  # after the sqrt, torch.optim.RMSprop's default
BOOK_ADADELTA_EPS = 1e-5  # inside both square roots, as in d2l 12.9
BOOK_ADAM_EPS = 1e-6  # after the sqrt, d2l 12.10
TORCH_ADAM_EPS = 1e-8  # after the sqrt, torch.optim.Adam's default
TORCH_ADAM_BETAS = (0.9, 0.999)


@answer_function
def gd_step_quadratic(a: float, b: float, x0: float, lr: float) -> float:
    """One gradient step on f(x) = a x^2 + b x: x - lr * (2 a x + b)."""
    return x0 - lr * (2 * a * x0 + b)


@answer_function
def gd_after_steps(lam: float, lr: float, x0: float, steps: int) -> float:
    """GD on f(x) = lam/2 x^2 multiplies x by (1 - lr * lam) at every step."""
    return x0 * (1 - lr * lam) ** steps


@answer_function
def gd_max_stable_lr(lam: float) -> float:
    """GD on lam/2 x^2 converges iff |1 - lr * lam| < 1, i.e. lr < 2 / lam."""
    return 2 / lam


@answer_function
def gd_converges(lam: float, lr: float) -> bool:
    """Whether GD on lam/2 x^2 converges from any start: 0 < lr * lam < 2."""
    return 0 < lr * lam < 2


@answer_function
def gd_max_stable_lr_2d(a1: float, a2: float) -> float:
    """On (a1 x1^2 + a2 x2^2) / 2 the stiffest direction decides: lr < 2 / max(a1, a2)."""
    return 2 / max(a1, a2)


@answer_function
def condition_number(a1: float, a2: float) -> float:
    """Condition number of the Hessian diag(2 a1, 2 a2): largest over smallest eigenvalue."""
    return max(a1, a2) / min(a1, a2)


@answer_function
def newton_step_exp(a: float, b: float, x0: float) -> float:
    """One Newton step x - f'(x) / f''(x) on f(x) = exp(a x) - b x."""
    e = math.exp(a * x0)
    return x0 - (a * e - b) / (a * a * e)


@answer_function
def minibatch_grad_sd(sigma: float, batch: int) -> float:
    """Averaging `batch` independent gradients divides the standard deviation by sqrt(batch)."""
    return sigma / math.sqrt(batch)


@answer_function
def never_sampled(n: int) -> float:
    """P(a given example is never drawn in n draws with replacement from n): (1 - 1/n)^n."""
    return (1 - 1 / n) ** n


@answer_function
def momentum_two_steps(lam: float, lr: float, beta: float, x0: float) -> float:
    """Two steps of v = beta v + g, x = x - lr v on f(x) = lam/2 x^2, starting from v = 0."""
    v1 = lam * x0
    x1 = x0 - lr * v1
    v2 = beta * v1 + lam * x1
    return x1 - lr * v2


@answer_function
def momentum_effective_lr(lr: float, beta: float) -> float:
    """With a constant gradient the velocity tends to g / (1 - beta): step lr / (1 - beta)."""
    return lr / (1 - beta)


@answer_function
def momentum_max_stable_lr(lam: float, beta: float) -> float:
    """Heavy-ball momentum on lam/2 x^2 converges iff 0 < lr * lam < 2 + 2 beta."""
    return (2 + 2 * beta) / lam


@answer_function
def adagrad_step_size(lr: float, g: float, t: int) -> float:
    """Size of the t-th book Adagrad update with a constant gradient g: s_t = t g^2."""
    return lr * g / math.sqrt(t * g * g + BOOK_ADAGRAD_EPS)


@answer_function
def adagrad_two_steps(g1: float, g2: float, lr: float) -> float:
    """x after two PyTorch Adagrad steps from x = 0 with gradients g1, g2 (eps after sqrt)."""
    s1 = g1 * g1
    x1 = -lr * g1 / (math.sqrt(s1) + TORCH_ADAGRAD_EPS)
    s2 = s1 + g2 * g2
    return x1 - lr * g2 / (math.sqrt(s2) + TORCH_ADAGRAD_EPS)


@answer_function
def rmsprop_state(gamma: float, g: float, t: int) -> float:
    """RMSProp's s_t after t constant gradients g from s_0 = 0: (1 - gamma^t) g^2."""
    return (1 - gamma**t) * g * g


@answer_function
def rmsprop_first_update(g: float, lr: float, gamma: float) -> float:
    """Size of the first PyTorch RMSprop step: s_1 = (1 - gamma) g^2, lr g / (sqrt(s_1) + eps)."""
    return lr * g / (math.sqrt((1 - gamma) * g * g) + TORCH_RMSPROP_EPS)


@answer_function
def adadelta_first_update(g: float, rho: float) -> float:
    """Size of the first book Adadelta step: delta_0 = 0, so the rescaled gradient is
    sqrt(eps) / sqrt(s_1 + eps) * g."""
    s1 = (1 - rho) * g * g
    return math.sqrt(BOOK_ADADELTA_EPS) / math.sqrt(s1 + BOOK_ADADELTA_EPS) * g


@answer_function
def adam_first_update(g: float, lr: float) -> float:
    """Size of the first Adam step with bias correction: v_hat = g, s_hat = g^2, so about lr."""
    return lr * g / (abs(g) + TORCH_ADAM_EPS)


@answer_function
def adam_first_update_uncorrected(g: float, lr: float, beta1: float, beta2: float) -> float:
    """Size of the first Adam step without bias correction (book eps = 1e-6 after the sqrt)."""
    v1 = (1 - beta1) * g
    s1 = (1 - beta2) * g * g
    return lr * v1 / (math.sqrt(s1) + BOOK_ADAM_EPS)


def _adam(grads: tuple[float, ...], lr: float, beta2: float, amsgrad: bool) -> float:
    beta1 = TORCH_ADAM_BETAS[0]
    x, v, s, s_max = 0.0, 0.0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        v = beta1 * v + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        s_max = max(s_max, s) if amsgrad else s
        v_hat = v / (1 - beta1**t)
        s_hat = s_max / (1 - beta2**t)
        x -= lr * v_hat / (math.sqrt(s_hat) + TORCH_ADAM_EPS)
    return x


@answer_function
def adam_two_steps(g1: float, g2: float, lr: float) -> float:
    """x after two torch.optim.Adam steps from x = 0 (betas 0.9, 0.999; eps 1e-8)."""
    return _adam((g1, g2), lr, TORCH_ADAM_BETAS[1], amsgrad=False)


@answer_function
def amsgrad_two_steps(g1: float, g2: float, lr: float, beta2: float) -> float:
    """x after two torch.optim.Adam(amsgrad=True) steps from x = 0 (beta1 0.9, eps 1e-8):
    the denominator uses the running maximum of s."""
    return _adam((g1, g2), lr, beta2, amsgrad=True)


@answer_function
def bias_correction_factor(beta: float, t: int) -> float:
    """An average started at zero underweights by (1 - beta^t); correction multiplies back."""
    return 1 / (1 - beta**t)


@answer_function
def cosine_lr(base_lr: float, final_lr: float, total: int, t: int) -> float:
    """Cosine schedule: final + (base - final) (1 + cos(pi t / T)) / 2."""
    return final_lr + (base_lr - final_lr) * (1 + math.cos(math.pi * t / total)) / 2


@answer_function
def warmup_cosine_lr(
    base_lr: float, final_lr: float, max_update: int, warmup: int, begin_lr: float, t: int
) -> float:
    """The book's CosineScheduler: linear warm-up for `warmup` updates, then cosine decay."""
    if t < warmup:
        return begin_lr + (base_lr - begin_lr) * t / warmup
    progress = (t - warmup) / (max_update - warmup)
    return final_lr + (base_lr - final_lr) * (1 + math.cos(math.pi * progress)) / 2


@answer_function
def factor_lr(lr0: float, factor: float, min_lr: float, t: int) -> float:
    """Factor schedule: lr <- max(min_lr, factor * lr), applied t times."""
    return max(min_lr, lr0 * factor**t)


@answer_function
def clip_first_component(g1: float, g2: float, theta: float) -> float:
    """Gradient clipping g <- g * min(1, theta / ||g||); the first component afterwards."""
    return g1 * min(1.0, theta / math.hypot(g1, g2))


@answer_function
def quartic_convex(a: float) -> bool:
    """f(x) = x^4 + a x^2 has f'' = 12 x^2 + 2 a, non-negative everywhere iff a >= 0."""
    return a >= 0


@answer_function
def jensen_gap_square(a: float, b: float) -> float:
    """E[X^2] - (E X)^2 for X equally likely a or b: (a - b)^2 / 4."""
    return (a - b) ** 2 / 4


# --- common mistakes: typical wrong keys the tolerance must reject (see tests/quizzes) ---


@common_mistake
def gd_step_ascent(a: float, b: float, x0: float, lr: float) -> float:
    """Stepping along the gradient instead of against it."""
    return x0 + lr * (2 * a * x0 + b)


@common_mistake
def gd_after_one_step_less(lam: float, lr: float, x0: float, steps: int) -> float:
    """Counting one step too few."""
    return x0 * (1 - lr * lam) ** (steps - 1)


@common_mistake
def gd_best_lr_not_limit(lam: float) -> float:
    """The fastest rate 1/lam instead of the stability limit."""
    return 1 / lam


@common_mistake
def gd_limit_from_flat_direction(a1: float, a2: float) -> float:
    """Letting the flat direction decide the limit."""
    return 2 / min(a1, a2)


@common_mistake
def condition_number_inverted(a1: float, a2: float) -> float:
    """Smallest over largest eigenvalue."""
    return min(a1, a2) / max(a1, a2)


@common_mistake
def newton_step_wrong_sign(a: float, b: float, x0: float) -> float:
    """Adding the Newton correction instead of subtracting it."""
    return 2 * x0 - newton_step_exp(a, b, x0)


@common_mistake
def jensen_gap_halved_wrong(a: float, b: float) -> float:
    """Dividing the squared spread by 2 instead of 4."""
    return (a - b) ** 2 / 2


@common_mistake
def minibatch_sd_over_batch(sigma: float, batch: int) -> float:
    """Dividing the standard deviation by the batch size instead of its square root."""
    return sigma / batch


@common_mistake
def never_sampled_limit(n: int) -> float:
    """The large-n limit e^-1 instead of (1 - 1/n)^n."""
    return math.exp(-1)


@common_mistake
def momentum_forgotten(lam: float, lr: float, beta: float, x0: float) -> float:
    """Two plain gradient steps, as if there were no velocity."""
    return x0 * (1 - lr * lam) ** 2


@common_mistake
def momentum_effective_lr_without_current(lr: float, beta: float) -> float:
    """Summing only the past gradients: lr * beta / (1 - beta)."""
    return lr * beta / (1 - beta)


@common_mistake
def momentum_limit_of_plain_gd(lam: float, beta: float) -> float:
    """Plain GD's limit 2 / lam, ignoring the momentum."""
    return 2 / lam


@common_mistake
def adagrad_decay_one_over_t(lr: float, g: float, t: int) -> float:
    """Decaying like 1/t instead of 1/sqrt(t)."""
    return lr / t


@common_mistake
def adagrad_plain_sgd(g1: float, g2: float, lr: float) -> float:
    """Plain SGD steps, as if Adagrad did not rescale."""
    return -lr * (g1 + g2)


@common_mistake
def rmsprop_state_one_step(gamma: float, g: float, t: int) -> float:
    """Only the last step's (1 - gamma) g^2."""
    return (1 - gamma) * g * g


@common_mistake
def rmsprop_first_update_adam_like(g: float, lr: float, gamma: float) -> float:
    """Forgetting the (1 - gamma) in s_1, so the step is about lr."""
    return lr * g / (abs(g) + TORCH_RMSPROP_EPS)


@common_mistake
def adadelta_zero_update(g: float, rho: float) -> float:
    """Forgetting epsilon in the numerator: with delta_0 = 0 the step would be zero."""
    return 0.0


@common_mistake
def adam_first_update_no_correction(g: float, lr: float) -> float:
    """Leaving out the bias correction (about 3.16 lr with the default betas)."""
    return adam_first_update_uncorrected(g, lr, *TORCH_ADAM_BETAS)


@common_mistake
def adam_uncorrected_as_corrected(g: float, lr: float, beta1: float, beta2: float) -> float:
    """Applying the bias correction the question leaves out."""
    return lr * g / (abs(g) + BOOK_ADAM_EPS)


@common_mistake
def adam_two_steps_no_correction(g1: float, g2: float, lr: float) -> float:
    """Two Adam steps without bias correction."""
    beta1, beta2 = TORCH_ADAM_BETAS
    x, v, s = 0.0, 0.0, 0.0
    for g in (g1, g2):
        v = beta1 * v + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        x -= lr * v / (math.sqrt(s) + TORCH_ADAM_EPS)
    return x


@common_mistake
def amsgrad_as_adam(g1: float, g2: float, lr: float, beta2: float) -> float:
    """Plain Adam, without the running maximum of s."""
    return _adam((g1, g2), lr, beta2, amsgrad=False)


@common_mistake
def bias_correction_multiplied(beta: float, t: int) -> float:
    """The shrink factor 1 - beta^t itself instead of its inverse."""
    return 1 - beta**t


@common_mistake
def cosine_lr_one_step_late(base_lr: float, final_lr: float, total: int, t: int) -> float:
    """Counting steps from 1, so the rate of step t + 1."""
    return cosine_lr(base_lr, final_lr, total, t + 1)


@common_mistake
def warmup_cosine_without_warmup(
    base_lr: float, final_lr: float, max_update: int, warmup: int, begin_lr: float, t: int
) -> float:
    """A cosine over all max_update steps, forgetting the warm-up."""
    return cosine_lr(base_lr, final_lr, max_update, t)


@common_mistake
def factor_lr_one_update_less(lr0: float, factor: float, min_lr: float, t: int) -> float:
    """Counting one update too few."""
    return max(min_lr, lr0 * factor ** (t - 1))


@common_mistake
def clip_by_value(g1: float, g2: float, theta: float) -> float:
    """Clipping each component to [-theta, theta] instead of rescaling the vector."""
    return max(-theta, min(theta, g1))


# --- minibatch noise, Nesterov, Yogi and AMSGrad (d2l 12.5, 12.6, 12.10) -----------------

BOOK_YOGI_EPS = 1e-3  # d2l 12.10's yogi() uses eps = 1e-3


@answer_function
def minibatch_grad_variance(var: float, batch: int) -> float:
    """Averaging `batch` independent gradients divides their variance by `batch`."""
    return var / batch


@common_mistake
def minibatch_variance_over_sqrt(var: float, batch: int) -> float:
    """Dividing the variance by sqrt(batch), the rule for the standard deviation."""
    return var / math.sqrt(batch)


@answer_function
def nesterov_two_steps(lam: float, lr: float, beta: float, x0: float) -> float:
    """Two steps of torch.optim.SGD(nesterov=True) on lam/2 x^2:
    v = beta v + g; x = x - lr (g + beta v)."""
    x, v = x0, 0.0
    for _ in range(2):
        g = lam * x
        v = beta * v + g
        x -= lr * (g + beta * v)
    return x


@common_mistake
def nesterov_as_heavy_ball(lam: float, lr: float, beta: float, x0: float) -> float:
    """Plain (heavy-ball) momentum, without the look-ahead."""
    return momentum_two_steps(lam, lr, beta, x0)


@answer_function
def yogi_state(s: float, g: float, beta2: float) -> float:
    """Yogi's s_t = s_{t-1} + (1 - beta2) g^2 sgn(g^2 - s_{t-1}) (d2l 12.10)."""
    return s + (1 - beta2) * g * g * math.copysign(1.0, g * g - s) if g * g != s else s


@common_mistake
def yogi_state_as_adam(s: float, g: float, beta2: float) -> float:
    """Adam's leaky average beta2 s + (1 - beta2) g^2."""
    return beta2 * s + (1 - beta2) * g * g


def _yogi(grads: tuple[float, ...], lr: float) -> float:
    beta1, beta2 = TORCH_ADAM_BETAS
    x, v, s = 0.0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        v = beta1 * v + (1 - beta1) * g
        s = yogi_state(s, g, beta2)
        v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
        x -= lr * v_hat / (math.sqrt(s_hat) + BOOK_YOGI_EPS)
    return x


@answer_function
def yogi_two_steps(g1: float, g2: float, lr: float) -> float:
    """x after two steps of the book's yogi() from x = 0 (betas 0.9, 0.999, eps 1e-3)."""
    return _yogi((g1, g2), lr)


@common_mistake
def yogi_two_steps_uncorrected(g1: float, g2: float, lr: float) -> float:
    """Leaving out the bias correction of v and s."""
    beta1, beta2 = TORCH_ADAM_BETAS
    x, v, s = 0.0, 0.0, 0.0
    for g in (g1, g2):
        v = beta1 * v + (1 - beta1) * g
        s = yogi_state(s, g, beta2)
        x -= lr * v / (math.sqrt(s) + BOOK_YOGI_EPS)
    return x


@answer_function
def amsgrad_denominator(g1: float, g2: float, beta2: float) -> float:
    """sqrt(s_hat) at AMSGrad's second step: the running maximum of s, bias-corrected."""
    s1 = (1 - beta2) * g1 * g1
    s2 = beta2 * s1 + (1 - beta2) * g2 * g2
    return math.sqrt(max(s1, s2) / (1 - beta2**2))


@common_mistake
def amsgrad_denominator_as_adam(g1: float, g2: float, beta2: float) -> float:
    """Adam's denominator, from the current s instead of the maximum."""
    s1 = (1 - beta2) * g1 * g1
    s2 = beta2 * s1 + (1 - beta2) * g2 * g2
    return math.sqrt(s2 / (1 - beta2**2))
