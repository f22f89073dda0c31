"""Choosing the 3D-parallel layout (data x tensor x pipeline) by a per-GPU memory model.

Memory of the busiest GPU, in bytes (mixed precision, bf16 compute, fp32 gradient accumulation and
Adam, ZeRO-1 as nanotron's ``zero_stage: 1``):

- weights: 2 bytes per parameter the GPU holds; gradients: 4 (fp32 accumulation buffer);
  optimizer: 12 (fp32 master weights, Adam's two moments) divided over the data-parallel ranks;
- the parameters a GPU holds: its pipeline stage's layers (ceil(layers / pp)) and, on the first
  and last stage, the embedding and the output head, all split over the tp ranks;
- activations with full recomputation (nanotron's ``recompute_layer``) and sequence parallelism
  (``tp_mode: REDUCE_SCATTER``): each layer keeps its input, s * b * h * 2 / tp bytes, for every
  micro-batch in flight (pp of them on the first stage under 1F1B); the layer being recomputed needs
  its full activations, 34 * s * b * h / tp bytes (Korthikanti et al., 2022, flash attention
  removing the s^2 term); the last stage holds fp32 logits, s * b * vocab * 4 / tp bytes;
- a headroom share of the GPU is kept free for the CUDA context, NCCL buffers and fragmentation.

Among the layouts that fit, the one with the fewest model-parallel GPUs (tp x pp) wins: the most
data parallelism, the least communication. Ties go to the smaller pipeline (less bubble), then to
the larger micro batch (better GPU use). A layout needs dp x tp x pp = GPUs, tp dividing the
attention heads and the key/value heads (so kv heads >= tp), tp within one node, pp dividing the
layers, and a global batch that is micro batch x accumulation x dp.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codecurate.training.model import ModelShape

GIB = 1 << 30


@dataclass(frozen=True)
class Cluster:
    """GPUs: how many, how many per node, memory per GPU (GiB) and a name for the reports."""

    gpus: int = 128
    gpus_per_node: int = 8
    memory_gib: float = 40.0
    gpu_name: str = "A100 40GB"
    headroom: float = 0.10

    def __post_init__(self) -> None:
        if self.gpus < 1 or self.gpus_per_node < 1 or self.memory_gib <= 0:
            raise ValueError("gpus, gpus_per_node and memory_gib must be positive")
        if self.gpus % self.gpus_per_node and self.gpus > self.gpus_per_node:
            raise ValueError(f"{self.gpus} GPUs do not fill nodes of {self.gpus_per_node}")
        if not 0 <= self.headroom < 1:
            raise ValueError(f"headroom must be in [0, 1), got {self.headroom}")

    @property
    def nodes(self) -> int:
        return max(1, self.gpus // self.gpus_per_node)

    @property
    def usable_bytes(self) -> float:
        return self.memory_gib * GIB * (1 - self.headroom)


@dataclass(frozen=True)
class Layout:
    dp: int
    tp: int
    pp: int
    micro_batch: int
    accumulation: int


@dataclass(frozen=True)
class MemoryEstimate:
    weights: float
    gradients: float
    optimizer: float
    activations: float
    logits: float

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer + self.activations + self.logits


def memory(model: ModelShape, layout: Layout, sequence_length: int) -> MemoryEstimate:
    """The busiest GPU's memory under ``layout`` (the larger of the first and the last stage)."""
    layers = -(-model.layers // layout.pp)
    s, b, h, tp = sequence_length, layout.micro_batch, model.hidden, layout.tp
    estimates = []
    for first, last in ((True, layout.pp == 1), (False, True)) if layout.pp > 1 else ((True, True),):
        params = layers * model.layer_parameters
        if first:
            params += model.embedding_parameters
        if last and (not model.tie_embeddings or layout.pp > 1):
            params += model.embedding_parameters + model.hidden
        params /= tp
        in_flight = layout.pp if first else 1
        activations = layers * s * b * h * 2 / tp * min(in_flight, layout.accumulation) + 34 * s * b * h / tp
        logits = s * b * model.vocab_size * 4 / tp if last else 0.0
        estimates.append(MemoryEstimate(2 * params, 4 * params, 12 * params / layout.dp, activations, logits))
    return max(estimates, key=lambda e: e.total)


@dataclass
class LayoutChoice:
    layout: Layout
    estimate: MemoryEstimate
    candidates: list[tuple[Layout, MemoryEstimate, bool]]
    reason: str
    #: tensor-parallel sizes left out because they do not divide the vocabulary
    vocabulary_excluded: list[int] = field(default_factory=list)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def choose_layout(model: ModelShape, cluster: Cluster, global_batch: int = 512,
                  sequence_length: int = 32_768, max_micro_batch: int = 8) -> LayoutChoice:
    """The layout for ``model`` on ``cluster`` (module docstring: the rules and the memory model).
    Raises ``ValueError`` saying why when no layout is possible or none fits in memory."""
    by_heads = [t for t in _divisors(model.heads) if model.kv_heads % t == 0 and t <= cluster.gpus_per_node]
    # nanotron's trainer pads the vocabulary to a multiple of tp (make_vocab_size_divisible_by 1) and its
    # run_train.py asserts the tokenizer's length equals that: tp must divide the tokenizer's vocabulary
    tps = [t for t in by_heads if model.vocab_size % t == 0]
    excluded = [t for t in by_heads if t not in tps]
    candidates: list[tuple[Layout, MemoryEstimate, bool]] = []
    for tp in tps:
        for pp in _divisors(model.layers):
            if cluster.gpus % (tp * pp):
                continue
            dp = cluster.gpus // (tp * pp)
            if global_batch % dp:
                continue
            per_replica = global_batch // dp
            for micro in (m for m in _divisors(per_replica) if m <= max_micro_batch):
                layout = Layout(dp, tp, pp, micro, per_replica // micro)
                estimate = memory(model, layout, sequence_length)
                candidates.append((layout, estimate, estimate.total <= cluster.usable_bytes))
    if not candidates:
        raise ValueError(
            f"no 3D layout for {cluster.gpus} GPUs: tensor parallelism must divide the {model.heads} heads and the "
            f"{model.kv_heads} key/value heads and stay within {cluster.gpus_per_node} GPUs of a node "
            f"(possible tp: {tps}), pipeline parallelism must divide the {model.layers} layers, and the global batch "
            f"of {global_batch} sequences must split evenly over the data-parallel ranks"
            + (f"; tp {excluded} left out: they do not divide the vocabulary of {model.vocab_size} tokens (nanotron's "
               "run_train.py asserts the tokenizer's length equals the vocabulary padded to a multiple of tp)"
               if excluded else ""))
    fitting = [(layout, estimate) for layout, estimate, fits in candidates if fits]
    if not fitting:
        smallest = min(candidates, key=lambda c: c[1].total)
        raise ValueError(
            f"no layout fits in {cluster.memory_gib:g} GiB per GPU ({cluster.usable_bytes / GIB:.1f} GiB usable): "
            f"the smallest need is {smallest[1].total / GIB:.1f} GiB with tp={smallest[0].tp}, pp={smallest[0].pp}, "
            f"micro batch {smallest[0].micro_batch}; use more or larger GPUs, or a shorter sequence"
            + (f" (tp {excluded} were left out: they do not divide the vocabulary of {model.vocab_size} tokens; "
               "a vocabulary that is a multiple of 8 allows them)" if excluded else ""))
    layout, estimate = min(fitting, key=lambda c: (c[0].tp * c[0].pp, c[0].pp, -c[0].micro_batch))
    smaller = [c for c in candidates if c[0].tp * c[0].pp < layout.tp * layout.pp]
    reason = (f"tp={layout.tp} x pp={layout.pp} is the smallest model-parallel group that fits "
              f"({estimate.total / GIB:.1f} of {cluster.usable_bytes / GIB:.1f} usable GiB)")
    if smaller:
        best_smaller = min(smaller, key=lambda c: c[1].total)
        reason += (f"; the best smaller one, tp={best_smaller[0].tp} x pp={best_smaller[0].pp}, needs "
                   f"{best_smaller[1].total / GIB:.1f} GiB")
    peers = sorted({(c[0].tp, c[0].pp) for c in fitting if c[0].tp * c[0].pp == layout.tp * layout.pp
                    and c[0].pp > layout.pp})
    if peers:
        reason += "; preferred over " + ", ".join(f"tp={t} x pp={p}" for t, p in peers) + \
            " (same group size, fewer pipeline stages: a smaller pipeline bubble)"
    reason += (f"; it leaves dp={layout.dp} data-parallel replicas, micro batch {layout.micro_batch} x "
               f"{layout.accumulation} accumulation steps x dp {layout.dp} = {global_batch} sequences")
    if excluded:
        reason += (f"; tp {excluded} left out: they do not divide the vocabulary of {model.vocab_size} tokens "
                   "(nanotron's trainer pads it to a multiple of tp and its run_train.py asserts the tokenizer "
                   "has that many tokens)")
    return LayoutChoice(layout, estimate, candidates, reason, excluded)


def describe(choice: LayoutChoice) -> str:
    """A table of the candidates (best micro batch per tp x pp) and the reason for the choice."""
    best: dict[tuple[int, int], tuple[Layout, MemoryEstimate, bool]] = {}
    for layout, estimate, fits in choice.candidates:
        key = (layout.tp, layout.pp)
        current = best.get(key)
        if current is None or (fits, layout.micro_batch) > (current[2], current[0].micro_batch) and fits:
            best[key] = (layout, estimate, fits)
    lines = ["| tp | pp | dp | micro batch | accumulation | GiB per GPU | fits |", "|---|---|---|---|---|---|---|"]
    for (tp, pp), (layout, estimate, fits) in sorted(best.items()):
        lines.append(f"| {tp} | {pp} | {layout.dp} | {layout.micro_batch} | {layout.accumulation} | "
                     f"{estimate.total / GIB:.1f} | {'yes' if fits else 'no'} |")
    e = choice.estimate
    lines.append("")
    lines.append(f"chosen: dp={choice.layout.dp} tp={choice.layout.tp} pp={choice.layout.pp} "
                 f"micro_batch={choice.layout.micro_batch} accumulation={choice.layout.accumulation}")
    lines.append(f"memory (GiB): weights {e.weights / GIB:.1f}, gradients {e.gradients / GIB:.1f}, optimizer "
                 f"{e.optimizer / GIB:.1f}, activations {e.activations / GIB:.1f}, logits {e.logits / GIB:.1f}, "
                 f"total {e.total / GIB:.1f}")
    lines.append(f"why: {choice.reason}")
    return "\n".join(lines)
