"""Write tests/fixtures/st_python.safetensors: a small file from the Python
writer that test_safetensors.c reads back, so the C reader is checked
against a second, independent writer.

Run with Debian's python3 (which has python3-torch):
    /usr/bin/python3 models/reference/gen_safetensors.py
"""
import torch

import fixtures


def main():
    tensors = {
        "stem.weight": torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
        / 8.0 - 1.0,
        "stem.bias": torch.tensor([0.5, -0.25], dtype=torch.float32),
        "classes": torch.tensor([3, -1, 7], dtype=torch.int32),
        "counts": torch.tensor([[1, 2], [3, 2**40]], dtype=torch.int64),
        # 5 bytes: the tensors after it are not 4-byte aligned in the file
        "mask": torch.tensor([1, 0, 1, 1, 0], dtype=torch.uint8),
        "head.weight": torch.tensor([[1.5, -2.0, 0.0]], dtype=torch.float32),
        "empty": torch.zeros(0, 4, dtype=torch.float32),
    }
    metadata = {"note": "written by gen_safetensors.py", "n": 7}
    fixtures.save(fixtures.fixture_path("st_python"), tensors, metadata)


if __name__ == "__main__":
    main()
