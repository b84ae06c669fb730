"""Export the local sentence-transformers model's transformer to ONNX (torch.onnx), optionally int8-quantised.

Run as `python -m advisor.retrieval.onnx_export MODEL_DIR DEST [--int8]` in a child process by
advisor.retrieval.onnx_embedder: torch and transformers are loaded there, once per model, so a serving process
that embeds with ONNX Runtime never imports torch. Only local files are read (no hub access).
Pooling and normalisation are not in the graph: the embedder does them in numpy, exactly as sentence-transformers.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export(model_dir: Path, dest: Path, int8: bool = False) -> None:
    """Write the transformer (token ids -> last hidden state, dynamic batch and length) to `dest` atomically."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    # eager attention traces to plain MatMul/Softmax; the SDPA path bakes shape checks into the graph
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        with torch.no_grad():
            torch.onnx.export(LastHiddenState(), (sample, sample, torch.zeros_like(sample)), str(tmp),
                              input_names=list(INPUTS), output_names=["last_hidden_state"], dynamic_axes=axes,
                              opset_version=OPSET, dynamo=False)  # fmt: skip
        if int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantized = tmp.with_name(tmp.name + ".int8")
            # per-channel weights keep the vectors much closer to fp32 than per-tensor (cosine ~0.99 vs ~0.93)
            quantize_dynamic(tmp, quantized, weight_type=QuantType.QInt8, per_channel=True)
            os.replace(quantized, tmp)
        os.replace(tmp, dest)  # several workers may export at once: each writes its own file, the last rename wins
    finally:
        tmp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--int8", action="store_true", help="dynamic int8 quantisation of the weights")
    args = parser.parse_args(argv)
    export(args.model_dir, args.dest, args.int8)


if __name__ == "__main__":
    main()
