"""Writes crates/core/src/data/digits.bin: the UCI 8x8 handwritten digits (1,797 images) exactly as
scikit-learn's wheel carries them (sklearn/datasets/data/digits.csv.gz), in a compact form the
Rust crate embeds. Not part of CI; run once (nothing is downloaded at run time):

    pip download scikit-learn==1.5.2 --no-deps --only-binary=:all: -d /tmp/skl
    python3 tests/dev/digits_extract.py /tmp/skl/scikit_learn-1.5.2-*.whl

Format: 1,797 records of 65 bytes, in the file's order: 64 pixel values (0..16, row-major 8x8)
then the label (0..9). The script checks the archive member's SHA-256 and prints the output's,
which crates/core/src/data/digits.rs also checks.
"""
import gzip
import hashlib
import sys
import zipfile

MEMBER = "sklearn/datasets/data/digits.csv.gz"
MEMBER_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
OUT = "crates/core/src/data/digits.bin"


def main():
    raw = zipfile.ZipFile(sys.argv[1]).read(MEMBER)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MEMBER_SHA256:
        sys.exit(f"{MEMBER} has SHA-256 {digest}, expected {MEMBER_SHA256}")
    out = bytearray()
    for line in gzip.decompress(raw).decode().strip().split("\n"):
        values = [int(float(v)) for v in line.split(",")]
        assert len(values) == 65 and all(0 <= v <= 16 for v in values[:64]) and 0 <= values[64] <= 9
        out.extend(values)
    assert len(out) == 1797 * 65
    with open(OUT, "wb") as f:
        f.write(out)
    print(f"wrote {OUT}: {len(out)} bytes, SHA-256 {hashlib.sha256(out).hexdigest()}")


if __name__ == "__main__":
    main()
