"""Model shape and training hyperparameters, aiXcoder-7B's by default (SPEC.md section 2, Table I)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelShape:
    """A Llama-style decoder: GQA attention, SwiGLU MLP, RMSNorm, RoPE."""

    layers: int = 32
    hidden: int = 4096
    ffn: int = 14464
    heads: int = 32
    kv_heads: int = 8
    vocab_size: int = 49_152
    max_positions: int = 32_768
    rope_theta: float = 256_000.0
    rms_norm_eps: float = 1e-6
    tie_embeddings: bool = False

    def __post_init__(self) -> None:
        if self.hidden % self.heads:
            raise ValueError(f"hidden size {self.hidden} is not divisible by the {self.heads} attention heads")
        if self.heads % self.kv_heads:
            raise ValueError(f"{self.heads} attention heads are not divisible by the {self.kv_heads} key/value heads")

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def layer_parameters(self) -> int:
        """Parameters of one decoder layer: q and o (h x h), k and v (h x kv_heads*head_dim), the
        three SwiGLU matrices (h x ffn) and two RMSNorm weights."""
        kv = self.kv_heads * self.head_dim
        return 2 * self.hidden * self.hidden + 2 * self.hidden * kv + 3 * self.hidden * self.ffn + 2 * self.hidden

    @property
    def embedding_parameters(self) -> int:
        return self.vocab_size * self.hidden

    @property
    def parameters(self) -> int:
        heads = 1 if self.tie_embeddings else 2
        return self.layers * self.layer_parameters + heads * self.embedding_parameters + self.hidden


@dataclass(frozen=True)
class Hyperparameters:
    """Optimisation settings; Table I of the paper unless noted. Warmup and the minimum learning
    rate are not given by the paper: they are parameters here, with stated defaults."""

    learning_rate: float = 1e-5
    min_learning_rate: float = 1e-6  # not in the paper: a tenth of the maximum
    lr_decay_steps: int = 320_000
    lr_decay_style: str = "cosine"
    warmup_steps: int = 2_000  # not in the paper
    weight_decay: float = 0.01
    clip_grad: float = 1.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.98
    adam_eps: float = 1e-8
    hidden_dropout: float = 0.1  # nanotron's Llama has no dropout: recorded, not applied
    attention_dropout: float = 0.05  # likewise
    global_batch_sequences: int = 512
    sequence_length: int = 32_768
    train_steps: int = 320_000
